//! `devtrace agent import gemini-cli`: Gemini CLI's chat files, in both
//! formats it has written (one JSON object; JSON lines with messages
//! written again as they grow, `$set` and `$rewindTo`), found by the
//! project's `.project_root` or by the SHA-256 of its path.

use crate::agent_import::{fixture, imported, of_type, search_finds, types};
use crate::support::*;
use std::path::{Path, PathBuf};

/// `$GEMINI_CLI_HOME/.gemini/tmp/`: this repository's chats under a short
/// name, an older chat under the hash of its path, a project in one of its
/// subdirectories, and a project elsewhere.
fn gemini_home(w: &World) -> PathBuf {
    let home = w.home.join("gemini-home");
    let tmp = home.join(".gemini/tmp");
    let repo = w.repo.to_string_lossy().into_owned();
    let hash: String = {
        use sha2::Digest;
        let d = sha2::Sha256::digest(repo.as_bytes());
        d.iter().map(|b| format!("{b:02x}")).collect()
    };
    let sub = w.repo.join("web");
    std::fs::create_dir_all(&sub).unwrap();
    let elsewhere = w.home.join("elsewhere");
    let put = |dir: &str, owner: Option<&Path>, name: &str, text: String| {
        let chats = tmp.join(dir).join("chats");
        std::fs::create_dir_all(&chats).unwrap();
        if let Some(o) = owner {
            std::fs::write(
                tmp.join(dir).join(".project_root"),
                o.to_string_lossy().as_bytes(),
            )
            .unwrap();
        }
        std::fs::write(chats.join(name), text).unwrap();
    };
    let chat = fixture("gemini-cli.chat.jsonl").replace("$REPO", &repo);
    put(
        "repo",
        Some(&w.repo),
        "session-2026-12-01T07-00-5f0c2a9e.jsonl",
        chat.clone(),
    );
    let old = fixture("gemini-cli.chat.json").replace("$REPO", &repo);
    put(&hash, None, "session-2026-11-30T09-00-0a1b2c3d.json", old);
    let in_sub = fixture("gemini-cli.chat.json")
        .replace("$REPO", &sub.to_string_lossy())
        .replace(
            "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "1a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        )
        .replace("2026-11-30", "2026-11-29");
    put(
        "web",
        Some(&sub),
        "session-2026-11-29T09-00-1a1b2c3d.json",
        in_sub,
    );
    let other = chat.replace("5f0c2a9e-1b7d", "6f0c2a9e-1b7d");
    put(
        "elsewhere",
        Some(&elsewhere),
        "session-2026-12-01T07-00-6f0c2a9e.jsonl",
        other,
    );
    // A subagent's chat, under its parent's id: not a session of its own.
    put(
        "repo/chats/5f0c2a9e-1b7d-4c3e-9a21-7d7e0f1a2b3c",
        None,
        "sub-1.jsonl",
        fixture("gemini-cli.chat.jsonl"),
    );
    home
}

fn import(w: &World, home: &Path) -> String {
    let mut c = w.cmd_in(BIN, &w.repo);
    c.args(["agent", "import", "gemini-cli"])
        .env("GEMINI_CLI_HOME", home);
    let out = c.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn gemini_chats_of_this_repository_are_imported_once() {
    let w = World::initialised();
    let home = gemini_home(&w);
    let said = import(&w, &home);
    let s = imported(&w);
    assert!(
        said.contains("16 events from 3 sessions, 16 new"),
        "{said} {s:#?}"
    );
    let short = ["session_start", "prompt", "tool_call", "turn_end"];
    assert_eq!(types(&s[0]), short, "{:#?}", s[0]);
    assert_eq!(types(&s[1]), short, "{:#?}", s[1]);
    let want = [
        "session_start",
        "prompt",
        "tool_call",
        "tool_call",
        "turn_end",
        "prompt",
        "tool_call",
        "turn_end",
    ];
    assert_eq!(types(&s[2]), want, "{:#?}", s[2]);
    for e in s.concat() {
        assert_eq!(e["data"]["imported"], true, "{e}");
        assert_eq!(e["agent"], "gemini-cli", "{e}");
    }
    // The session is Gemini's own id; the subdirectory's project is where
    // its events happened.
    assert_eq!(
        s[2][0]["data"]["agent_session"],
        "5f0c2a9e-1b7d-4c3e-9a21-7d7e0f1a2b3c"
    );
    assert_eq!(
        s[0][1]["cwd"],
        w.repo.join("web").to_string_lossy().as_ref()
    );
    // Nothing of the project elsewhere, of the subagent's chat, or of what
    // was rewound.
    let all = serde_json::to_string(&s).unwrap();
    assert!(!all.contains("6f0c2a9e"), "{all}");
    assert!(!all.contains("Delete everything"), "{all}");
    assert!(!all.contains("rm -rf"), "{all}");
    let said = import(&w, &home);
    assert!(said.contains("16 events from 3 sessions, 0 new"), "{said}");
    assert_eq!(imported(&w).concat().len(), 16);
}

/// Each call as Gemini CLI's hooks name it, with the thoughts and text
/// before it, its output, exit code and failure; each turn's last message,
/// model and tokens; the prompt as the user typed it.
#[test]
fn gemini_calls_keep_their_reasons_output_and_turns() {
    let w = World::initialised();
    let home = gemini_home(&w);
    import(&w, &home);
    let s = &imported(&w)[2];
    let calls = of_type(s, "tool_call");
    assert_eq!(calls.len(), 3, "{calls:#?}");
    let edit = &calls[0]["data"];
    assert_eq!(edit["tool"], "replace");
    assert_eq!(edit["call_id"], "replace-1764572402000-a1");
    assert_eq!(edit["input"]["new_string"], "fn sum() {}");
    assert_eq!(
        edit["reasoning"],
        "Finding the function: billing.rs defines total; the callers must change too.\n\n\
         I'll rename the function first."
    );
    assert!(edit["output"]
        .as_str()
        .unwrap()
        .starts_with("Successfully modified file"));
    assert_eq!(edit["is_error"], false);
    let shell = &calls[1]["data"];
    assert_eq!(shell["tool"], "run_shell_command");
    assert_eq!(shell["intent"], "Run the test suite");
    assert_eq!(shell["exit_code"], 101);
    assert!(
        shell["output"].as_str().unwrap().contains("(kingfisher)"),
        "{shell}"
    );
    assert_eq!(
        shell["reasoning"],
        "Running the tests: cargo test shows whether anything still calls total."
    );
    let read = &calls[2]["data"];
    assert_eq!(read["is_error"], true);
    assert!(
        read["output"]
            .as_str()
            .unwrap()
            .starts_with("File not found: "),
        "{read}"
    );
    assert_eq!(read["reasoning"], "Looking for a file that is not there.");

    let prompts = of_type(s, "prompt");
    assert_eq!(
        prompts[1]["data"]["text"],
        "Read @notes.md and fix the callers"
    );
    let turns = of_type(s, "turn_end");
    let first = &turns[0]["data"];
    assert_eq!(
        first["message"],
        "Renamed total to sum; the tests still fail where total is called."
    );
    assert_eq!(first["model"], "gemini-2.5-pro");
    assert_eq!(first["usage"]["input_tokens"], 4100);
    assert_eq!(first["usage"]["output_tokens"], 135);
    assert_eq!(first["usage"]["cache_read_tokens"], 2800);
    let second = &turns[1]["data"];
    assert_eq!(second["model"], "gemini-2.5-flash");
    assert!(second["message"].is_null(), "{second}");
    // `search` finds text in an imported call's output.
    search_finds(&w, "kingfisher", "run_shell_command-1764572403000-b2");
}

/// An agent with no import, and a file Gemini CLI did not write, are
/// reported, and nothing already recorded changes.
#[test]
fn gemini_import_skips_what_is_not_a_chat() {
    let w = World::initialised();
    let home = gemini_home(&w);
    let chats = home.join(".gemini/tmp/repo/chats");
    std::fs::write(
        chats.join("session-2026-12-02T00-00-broken00.json"),
        b"{not json\n\xff",
    )
    .unwrap();
    let mut c = w.cmd_in(BIN, &w.repo);
    let out = c
        .args(["agent", "import", "gemini-cli"])
        .env("GEMINI_CLI_HOME", &home)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("16 events from 3 sessions, 16 new (1 file skipped)"),
        "{said}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("skipped ") && err.contains("broken00.json: it is not UTF-8 text"),
        "{err}"
    );
    let out = w.devtrace(&["agent", "import", "aider"], &w.repo);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("gemini-cli"), "{err}");
    assert_eq!(imported(&w).concat().len(), 16);
}

/// A subagent's chat (`chats/PARENT/AGENT.jsonl`, as Gemini CLI's chat
/// recording writes it) is read under the `invoke_agent` call whose
/// record names it (`agentId`): its calls, with its own thoughts and text
/// as their reasons, carry it as `subagent`, its model and tokens end a
/// turn of its own, and it is no session of its own.
#[test]
fn gemini_subagents_are_nested_under_the_call_that_ran_them() {
    const PARENT: &str = "7a1d3c5e-2b4f-4d6a-8c0e-1f2a3b4c5d6e";
    const AGENT: &str = "c0ffee00-1234-4abc-9def-0123456789ab";
    let w = World::initialised();
    let home = w.home.join("gemini-home");
    let project = home.join(".gemini/tmp/repo");
    let chats = project.join("chats");
    std::fs::create_dir_all(chats.join(PARENT)).unwrap();
    std::fs::write(
        project.join(".project_root"),
        w.repo.to_string_lossy().as_bytes(),
    )
    .unwrap();
    let repo = w.repo.to_string_lossy();
    let put = |path: PathBuf, name: &str| {
        std::fs::write(path, fixture(name).replace("$REPO", &repo)).unwrap();
    };
    put(
        chats.join("session-2026-12-02T08-00-7a1d3c5e.jsonl"),
        "gemini-cli.subagent.jsonl",
    );
    put(
        chats.join(PARENT).join(format!("{AGENT}.jsonl")),
        "gemini-cli.subagent.child.jsonl",
    );
    let said = import(&w, &home);
    assert!(said.contains("9 events from 1 session, 9 new"), "{said}");
    let s = &imported(&w)[0];
    let want = [
        "session_start",
        "prompt",
        "tool_call",
        "tool_call",
        "tool_call",
        "tool_call",
        "turn_end",
        "tool_call",
        "turn_end",
    ];
    assert_eq!(types(s), want, "{s:#?}");
    assert_eq!(s[0]["data"]["agent_session"], PARENT);
    assert_eq!(s[0]["data"]["model"], "gemini-2.5-pro");
    let calls = of_type(s, "tool_call");
    let sub = serde_json::json!({"id": AGENT, "type": "codebase_investigator"});
    let invoke = &calls[0]["data"];
    assert_eq!(invoke["tool"], "invoke_agent");
    assert_eq!(invoke["started_subagent"], sub, "{invoke}");
    assert!(invoke.get("subagent").is_none(), "{invoke}");
    for c in &calls[1..4] {
        assert_eq!(c["data"]["subagent"], sub, "{c}");
        assert_eq!(c["data"]["agent_session"], PARENT, "{c}");
    }
    assert_eq!(calls[1]["data"]["tool"], "grep_search");
    assert_eq!(
        calls[1]["data"]["reasoning"],
        "Searching: a grep for total( finds the calls."
    );
    assert_eq!(calls[2]["data"]["reasoning"], "Let me read the caller.");
    assert_eq!(calls[2]["data"]["is_error"], true);
    assert_eq!(calls[3]["data"]["tool"], "complete_task");
    let edit = &calls[4]["data"];
    assert_eq!(edit["tool"], "replace");
    assert!(edit.get("subagent").is_none(), "{edit}");
    let turns = of_type(s, "turn_end");
    assert_eq!(turns[0]["data"]["subagent"], sub, "{}", turns[0]);
    assert_eq!(turns[0]["data"]["model"], "gemini-2.5-flash");
    assert_eq!(turns[0]["data"]["usage"]["input_tokens"], 3000);
    assert!(turns[1]["data"].get("subagent").is_none(), "{}", turns[1]);
    assert_eq!(turns[1]["data"]["message"], "report.rs now calls sum().");
    search_finds(&w, "heron", "grep_search-1764662402000-s1");
    let said = import(&w, &home);
    assert!(said.contains("9 events from 1 session, 0 new"), "{said}");
}
