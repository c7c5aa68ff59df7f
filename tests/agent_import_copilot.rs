//! `devtrace agent import copilot`: GitHub Copilot CLI's session logs
//! (`$COPILOT_HOME/session-state/ID/events.jsonl`), in the event format of
//! github/copilot-sdk's generated session-event types.

use crate::agent_import::{
    fixture, imported, of_type, said, search_finds, types, wait_hooked_prompt,
};
use crate::support::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const SESSION: &str = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const ELSEWHERE: &str = "8d2e3f40-5b6c-4d7e-9f80-a1b2c3d4e5f6";

/// `$COPILOT_HOME/session-state/`: a session of this repository, one of
/// another directory, and one whose log is not text.
fn copilot_home(w: &World) -> PathBuf {
    let home = w.home.join("copilot-home");
    let put = |id: &str, text: &[u8]| {
        let dir = home.join("session-state").join(id);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("events.jsonl"), text).unwrap();
        std::fs::write(dir.join("workspace.yaml"), format!("id: {id}\n")).unwrap();
    };
    let repo = w.repo.to_string_lossy().into_owned();
    let log = fixture("copilot.events.jsonl");
    put(SESSION, log.replace("$REPO", &repo).as_bytes());
    let elsewhere = w.home.join("elsewhere").to_string_lossy().into_owned();
    let other = log.replace("$REPO", &elsewhere).replace(SESSION, ELSEWHERE);
    put(ELSEWHERE, other.as_bytes());
    put("9e3f4051-0000-4000-8000-000000000009", b"{\"type\":\xff\n");
    home
}

fn import(w: &World, home: &Path, args: &[&str]) -> std::process::Output {
    let mut c = w.cmd_in(BIN, &w.repo);
    c.args(["agent", "import", "copilot"])
        .args(args)
        .env("COPILOT_HOME", home);
    let out = c.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    out
}

#[test]
fn copilot_sessions_of_this_repository_are_imported_once() {
    let w = World::initialised();
    let home = copilot_home(&w);
    let out = import(&w, &home, &[]);
    assert!(
        said(&out).contains("11 events from 1 session, 11 new (1 file skipped)"),
        "{out:?}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("it is not UTF-8 text"), "{err}");
    let s = imported(&w);
    assert_eq!(s.len(), 1, "{s:#?}");
    let want = [
        "session_start",
        "prompt",
        "tool_call",
        "tool_call",
        "tool_call",
        "tool_call",
        "tool_call",
        "tool_call",
        "turn_end",
        "prompt",
        "turn_end",
    ];
    assert_eq!(types(&s[0]), want, "{:#?}", s[0]);
    for e in &s[0] {
        assert_eq!(e["data"]["imported"], true, "{e}");
        assert_eq!(e["agent"], "copilot", "{e}");
        assert_eq!(e["cwd"], w.repo.to_string_lossy().as_ref(), "{e}");
    }
    // The session is Copilot's own; the model the one last selected.
    assert_eq!(s[0][0]["data"]["agent_session"], SESSION);
    assert_eq!(s[0][0]["data"]["model"], "gpt-5.1");
    // What Copilot injects itself (a skill's text) is no prompt.
    let prompts = of_type(&s[0], "prompt");
    assert_eq!(
        prompts[0]["data"]["text"],
        "Rename total to sum in billing.rs and run the tests"
    );
    assert_eq!(prompts[1]["data"]["text"], "Thanks, that is all");
    let out = import(&w, &home, &[]);
    assert!(said(&out).contains(", 0 new"), "{out:?}");
    assert_eq!(imported(&w).concat().len(), 11);
}

/// Each call with its input, the assistant's words and thinking before
/// it, what it returned (an edit's diff; redacted), its exit code and
/// duration; a subagent's call under the call that started it; each turn's
/// last message, model and output tokens.
#[test]
fn copilot_calls_keep_their_reasons_output_and_exit_code() {
    let w = World::initialised();
    let home = copilot_home(&w);
    import(&w, &home, &[]);
    let s = imported(&w).concat();
    let calls = of_type(&s, "tool_call");
    let edit = &calls[0]["data"];
    assert_eq!(edit["tool"], "edit");
    assert_eq!(edit["input"]["new_str"], "fn sum() {}");
    assert_eq!(edit["intent"], "Rename total to sum");
    assert_eq!(
        edit["reasoning"],
        "The user wants total renamed; an edit does it.\n\nI'll rename the function first."
    );
    assert!(
        edit["output"].as_str().unwrap().contains("+fn sum() {}"),
        "{edit}"
    );
    assert_eq!(edit["is_error"], false);
    assert_eq!(edit["duration_ms"], 200);
    let grep = &calls[1]["data"];
    assert_eq!(grep["input"]["command"], "grep -rn sum .");
    assert_eq!(grep["reasoning"], "Now I'll find the callers.");
    assert_eq!(grep["exit_code"], 0);
    let test = &calls[2]["data"];
    assert_eq!(test["exit_code"], 101);
    assert_eq!(test["is_error"], true);
    assert_eq!(test["duration_ms"], 2000);
    let out = test["output"].as_str().unwrap();
    assert!(out.contains("[REDACTED:openai-key]"), "{out}");
    assert!(!out.contains("sk-proj-AbCd"), "{out}");
    // The subagent's call, recorded when it ended, before its parent's.
    let sub = &calls[3]["data"];
    assert_eq!(sub["tool"], "grep");
    assert_eq!(sub["subagent"]["id"], "agent-explore-1");
    assert_eq!(sub["subagent"]["type"], "explore");
    assert_eq!(sub["reasoning"], "Searching for total.");
    let task = &calls[4]["data"];
    assert_eq!(task["tool"], "task");
    assert_eq!(task["started_subagent"]["id"], "agent-explore-1");
    assert_eq!(
        task["reasoning"],
        "A caller in another file still uses total; a subagent can search the tree."
    );
    assert!(task["subagent"].is_null(), "{task}");
    let view = &calls[5]["data"];
    assert_eq!(view["is_error"], true);
    assert_eq!(
        view["output"],
        format!("Path {}/missing.rs does not exist", w.repo.display())
    );
    let turns = of_type(&s, "turn_end");
    let first = &turns[0]["data"];
    assert_eq!(
        first["message"],
        "The rename is done, but report.rs still calls total(); the tests fail until it is updated."
    );
    assert_eq!(first["model"], "gpt-5.1");
    assert_eq!(first["usage"]["output_tokens"], 320);
    assert_eq!(turns[1]["data"]["message"], "You're welcome.");
    // `search` finds text in an imported call's output.
    search_finds(&w, "zebrafish", "call_grep1");
}

/// A session Copilot's hooks recorded is not imported again; `--since`
/// leaves out what came before it.
#[test]
fn copilot_import_skips_hooked_sessions_and_keeps_since() {
    let w = World::initialised();
    let home = copilot_home(&w);
    let out = import(&w, &home, &["--since", "2026-12-01T08:00:25Z"]);
    assert!(
        said(&out).contains("2 events from 1 session, 2 new"),
        "{out:?}"
    );
    let s = imported(&w).concat();
    assert_eq!(types(&s), ["prompt", "turn_end"]);
    assert_eq!(s[0]["data"]["text"], "Thanks, that is all");
    let out = import(&w, &home, &[]);
    assert!(
        said(&out).contains("11 events from 1 session, 9 new"),
        "{out:?}"
    );
    let w2 = World::initialised();
    let home2 = copilot_home(&w2);
    let payload = json!({"sessionId": SESSION, "timestamp": 1796112001000u64,
        "cwd": w2.repo, "prompt": "Rename total to sum in billing.rs and run the tests"});
    let out = output_with_stdin(
        w2.cmd_in(BIN, &w2.repo).args([
            "agent",
            "hook",
            "copilot",
            "--event",
            "userPromptSubmitted",
        ]),
        payload.to_string().as_bytes(),
    );
    assert!(out.status.success(), "{out:?}");
    wait_hooked_prompt(&w2, "copilot");
    let out = import(&w2, &home2, &[]);
    assert!(
        said(&out).contains("0 new (1 session already recorded by its hooks; 1 file skipped)"),
        "{out:?}"
    );
}

/// Copilot's hooks take each call's reasons from the session log Copilot
/// keeps: the words of the message that asked for that call (same tool,
/// same arguments) and those before it, never another call's.
#[test]
fn copilot_hooks_take_reasons_from_its_session_log() {
    let w = World::initialised();
    let home = copilot_home(&w);
    let repo = w.repo.to_string_lossy().into_owned();
    let hook = |event: &str, payload: Value| {
        let out = output_with_stdin(
            w.cmd_in(BIN, &w.repo)
                .args(["agent", "hook", "copilot", "--event", event])
                .env("COPILOT_HOME", &home),
            payload.to_string().as_bytes(),
        );
        assert!(out.status.success(), "{out:?}");
    };
    let base = json!({"sessionId": SESSION, "timestamp": 1796112001000u64, "cwd": repo});
    let with = |extra: Value| {
        let mut v = base.clone();
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    hook(
        "userPromptSubmitted",
        with(json!({"prompt": "Rename total to sum in billing.rs and run the tests"})),
    );
    for (args, result) in [
        (
            json!({"command": "grep -rn sum .", "description": "Find the callers"}),
            "./billing.rs:1:fn sum() {} // zebrafish\n",
        ),
        (
            json!({"command": "ls", "description": "Look around"}),
            "billing.rs\n",
        ),
    ] {
        let call = json!({"toolName": "bash", "toolArgs": args.to_string()});
        hook("preToolUse", with(call.clone()));
        let mut done = with(call);
        done["toolResult"] = json!({"resultType": "success", "textResultForLlm": result});
        hook("postToolUse", done);
    }
    hook("sessionEnd", with(json!({"reason": "complete"})));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let evs = loop {
        let out = w.devtrace(
            &[
                "show",
                "--session",
                "latest",
                "--json",
                "--agent",
                "copilot",
            ],
            &w.repo,
        );
        let evs = parse_lines(&out.stdout);
        if evs.iter().any(|e| e["type"] == "session_end") {
            break evs;
        }
        assert!(std::time::Instant::now() < deadline, "{evs:#?}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let calls = of_type(&evs, "tool_call");
    assert_eq!(calls.len(), 2, "{evs:#?}");
    assert_eq!(calls[0]["data"]["reasoning"], "Now I'll find the callers.");
    // A call the log does not hold borrows no one's words.
    assert!(calls[1]["data"].get("reasoning").is_none(), "{}", calls[1]);
}
