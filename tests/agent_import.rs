//! `devtrace agent import NAME`: an agent's sessions from before DevTrace,
//! read from the files the agent keeps, in its documented format
//! (tests/agent_fixtures), recorded as its hooks would have recorded them.

use crate::support::*;
use serde_json::Value;
use std::path::Path;

pub fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/agent_fixtures")
        .join(name);
    std::fs::read_to_string(p).unwrap()
}

pub fn of_type<'a>(evs: &'a [Value], t: &str) -> Vec<&'a Value> {
    evs.iter().filter(|e| e["type"] == t).collect()
}

/// Codex's rollout files under `$CODEX_HOME/sessions/YYYY/MM/DD/`, two
/// sessions of this repository in the two output formats Codex has written
/// (a JSON string with `metadata`, and `Exit code: N ... Output:`) and one
/// of another directory.
fn codex_home(w: &World) -> std::path::PathBuf {
    let home = w.home.join("codex-home");
    let day = home.join("sessions/2026/12/01");
    std::fs::create_dir_all(&day).unwrap();
    let repo = w.repo.to_string_lossy().into_owned();
    let elsewhere = w.home.join("elsewhere").to_string_lossy().into_owned();
    let files = [
        (
            "codex.transcript.jsonl",
            "04-00-00-0199a1b2-c3d4-7e5f-8a9b-c0d1e2f3a4b5",
            &repo,
        ),
        (
            "codex.rollout.jsonl",
            "05-00-00-0199b5c6-d7e8-7f90-8a1b-2c3d4e5f6a7b",
            &repo,
        ),
        (
            "codex.rollout.jsonl",
            "06-00-00-0199c0c0-0000-7000-8000-000000000006",
            &elsewhere,
        ),
    ];
    for (fixture_name, stem, dir) in files {
        let text = fixture(fixture_name).replace("$REPO", dir);
        let text = if dir == &elsewhere {
            text.replace(
                "0199b5c6-d7e8-7f90-8a1b-2c3d4e5f6a7b",
                "0199c0c0-0000-7000-8000-000000000006",
            )
        } else {
            text
        };
        std::fs::write(day.join(format!("rollout-2026-12-01T{stem}.jsonl")), text).unwrap();
    }
    home
}

fn import(w: &World, home: &Path, args: &[&str]) -> String {
    let mut c = w.cmd_in(BIN, &w.repo);
    c.args(["agent", "import", "codex"])
        .args(args)
        .env("CODEX_HOME", home);
    let out = c.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What a command printed.
pub fn said(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `search WORD` finds the imported call `id` (by text in its output).
pub fn search_finds(w: &World, word: &str, id: &str) {
    let out = w.devtrace(&["search", word, "--json"], &w.repo);
    assert!(said(&out).contains(id), "{word}: {out:?}");
}

/// The events' types, in order.
pub fn types(evs: &[Value]) -> Vec<&str> {
    evs.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

/// The sessions of this repository, in the store, oldest first, each in
/// its order.
pub fn imported(w: &World) -> Vec<Vec<Value>> {
    let out = w.devtrace(&["log", "--json", "-n", "1000"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    let all = parse_lines(&out.stdout);
    let mut sessions: Vec<Vec<Value>> = Vec::new();
    for e in all {
        match sessions
            .iter_mut()
            .find(|s| s[0]["session"] == e["session"])
        {
            Some(s) => s.push(e),
            None => sessions.push(vec![e]),
        }
    }
    for s in &mut sessions {
        s.sort_by_key(|e| e["seq"].as_u64());
    }
    sessions.sort_by(|a, b| a[0]["ts"].as_str().cmp(&b[0]["ts"].as_str()));
    sessions
}

#[test]
fn codex_sessions_are_imported_once() {
    let w = World::initialised();
    let home = codex_home(&w);
    let said = import(&w, &home, &[]);
    assert!(said.contains("11 events from 2 sessions, 11 new"), "{said}");
    let s = imported(&w);
    assert_eq!(s.len(), 2, "{s:#?}");
    let types = |evs: &[Value]| -> Vec<String> {
        evs.iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect()
    };
    let want = [
        "session_start",
        "prompt",
        "tool_call",
        "tool_call",
        "tool_call",
        "turn_end",
    ];
    assert_eq!(types(&s[0]), want, "{:#?}", s[0]);
    let want = [
        "session_start",
        "prompt",
        "tool_call",
        "tool_call",
        "turn_end",
    ];
    assert_eq!(types(&s[1]), want, "{:#?}", s[1]);
    for e in s.concat() {
        assert_eq!(e["data"]["imported"], true, "{e}");
        assert_eq!(e["agent"], "codex", "{e}");
    }
    // The session is Codex's own (its `session_meta` id), the model its turn's.
    assert_eq!(
        s[1][0]["data"]["agent_session"],
        "0199b5c6-d7e8-7f90-8a1b-2c3d4e5f6a7b"
    );
    assert_eq!(s[1][0]["data"]["model"], "gpt-5.1-codex");
    // The environment Codex sends as the user's is no prompt.
    assert_eq!(
        of_type(&s[1], "prompt")[0]["data"]["text"],
        "Add a test for sum"
    );
    twice_is_once(&w, &home, s.concat().len());
}

fn twice_is_once(w: &World, home: &Path, n: usize) {
    let said = import(w, home, &[]);
    assert!(said.contains(", 0 new"), "{said}");
    assert_eq!(imported(w).concat().len(), n);
}

/// Each call with its tool and input as Codex's hooks name them, its
/// reasons, output (redacted), exit code and duration, in both formats.
#[test]
fn codex_calls_keep_their_reasons_output_and_exit_code() {
    let w = World::initialised();
    let home = codex_home(&w);
    import(&w, &home, &[]);
    let s = imported(&w);
    let old = of_type(&s[0], "tool_call");
    assert_eq!(old[0]["data"]["tool"], "apply_patch");
    assert!(old[0]["data"]["input"]["command"]
        .as_str()
        .unwrap()
        .contains("+fn sum() {}"));
    assert_eq!(
        old[0]["data"]["reasoning"],
        "**Renaming the function**\n\nI'll rename total to sum with a patch."
    );
    assert_eq!(old[1]["data"]["tool"], "Bash");
    assert_eq!(old[1]["data"]["input"]["command"], "grep -rn sum .");
    assert_eq!(
        old[1]["data"]["output"],
        "./billing.rs:1:fn sum() {} // zebrafish\n"
    );
    assert_eq!(old[1]["data"]["exit_code"], 0);
    assert_eq!(old[2]["data"]["exit_code"], 101);
    assert_eq!(old[2]["data"]["is_error"], true);
    assert_eq!(old[2]["data"]["duration_ms"], 2000);
    let new = of_type(&s[1], "tool_call");
    assert_eq!(new[0]["data"]["input"]["command"], "cat billing.rs");
    assert_eq!(new[0]["data"]["output"], "fn sum() {} // zebrafish\n");
    assert_eq!(new[0]["data"]["exit_code"], 0);
    assert_eq!(new[0]["data"]["duration_ms"], 300);
    // A local shell call: `bash -lc SCRIPT` is its script.
    assert_eq!(
        new[1]["data"]["input"]["command"],
        "OPENAI_API_KEY=$KEY cargo test sum"
    );
    assert_eq!(new[1]["data"]["exit_code"], 101);
    assert_eq!(new[1]["data"]["is_error"], true);
    let out = new[1]["data"]["output"].as_str().unwrap();
    assert!(
        out.contains("no test named sum; key [REDACTED:openai-key]"),
        "{out}"
    );
    let t = of_type(&s[1], "turn_end");
    assert_eq!(
        t[0]["data"]["message"],
        "There is no test named sum yet; I'll add one next."
    );
    assert_eq!(t[0]["data"]["usage"]["input_tokens"], 8500);
    assert_eq!(t[0]["data"]["usage"]["cache_read_tokens"], 6000);
    // `search` finds text in an imported call's output.
    search_finds(&w, "zebrafish", "call_Cat1");
}

/// `--since` leaves out what happened before it; a later import without it
/// adds the rest.
#[test]
fn codex_import_since_leaves_out_the_earlier_session() {
    let w = World::initialised();
    let home = codex_home(&w);
    let said = import(&w, &home, &["--since", "2026-12-01T04:30:00Z"]);
    assert!(said.contains("5 events from 1 session, 5 new"), "{said}");
    let s = imported(&w);
    assert_eq!(s.len(), 1);
    assert_eq!(
        s[0][0]["data"]["agent_session"],
        "0199b5c6-d7e8-7f90-8a1b-2c3d4e5f6a7b"
    );
    let said = import(&w, &home, &[]);
    assert!(said.contains("11 events from 2 sessions, 6 new"), "{said}");
}

/// An agent with no import is a usage error that says why, and what to do.
#[test]
fn an_agent_with_no_import_says_why() {
    let w = World::initialised();
    let out = w.devtrace(&["agent", "import", "cursor"], &w.repo);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("does not document"), "{err}");
    assert!(err.contains("devtrace agent install cursor"), "{err}");
    let out = w.devtrace(&["agent", "import", "nosuch"], &w.repo);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("supported: claude-code, cline, codex"),
        "{err}"
    );
    // Nothing was written either time.
    assert!(imported(&w).is_empty());
}

/// Waits until the store holds the prompt an agent's hook sent.
pub fn wait_hooked_prompt(w: &World, agent: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let out = w.devtrace(&["log", "--json", "--agent", agent], &w.repo);
        if parse_lines(&out.stdout)
            .iter()
            .any(|e| e["type"] == "prompt")
        {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{out:?}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
