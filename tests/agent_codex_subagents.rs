//! Codex's subagents through its hooks, from fixtures written after the
//! input schemas Codex 0.171 generates (codex-rs/hooks/schema/generated/
//! subagent-{start,stop}.command.input.schema.json, and the `agent_id` and
//! `agent_type` of pre-tool-use and post-tool-use) and the hook runtime that
//! fills them (codex-rs/core/src/hook_runtime.rs), in the order Codex 0.171
//! ran them for real: the root thread spawns a worker (multi-agent v2's
//! `spawn_agent`, whose result names the task's path), the worker runs the
//! tests in its own thread, under the root's `session_id`, with its own
//! session file as `transcript_path`.

use crate::support::*;
use serde_json::Value;
use std::time::{Duration, Instant};

const ROOT: &str = "019ae5a0-0000-7000-8000-0000000c0de5";
const CHILD: &str = "019ae5a0-1111-7000-8000-00000000a9e7";

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/agent_fixtures")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

/// Plays `codex.subagent.jsonl` through `devtrace agent hook codex`, with
/// the parent's and the subagent's session files in place.
fn play(w: &World) {
    let repo = w.repo.to_string_lossy().into_owned();
    // Each thread's session file, where Codex writes them.
    let day = w.home.join(".codex/sessions/2026/12/02");
    std::fs::create_dir_all(&day).unwrap();
    let parent = day.join(format!("rollout-2026-12-02T09-00-00-{ROOT}.jsonl"));
    let child = day.join(format!("rollout-2026-12-02T09-00-01-{CHILD}.jsonl"));
    for (file, name) in [
        (&parent, "codex.subagent.transcript.jsonl"),
        (&child, "codex.subagent.child.jsonl"),
    ] {
        std::fs::write(file, fixture(name).replace("$REPO", &repo)).unwrap();
    }
    let text = fixture("codex.subagent.jsonl");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let line = line
            .replace("$REPO", &repo)
            .replace("$TRANSCRIPT", &parent.to_string_lossy())
            .replace("$AGENT_TRANSCRIPT", &child.to_string_lossy());
        let step: Value = serde_json::from_str(&line).unwrap();
        let mut cmd = w.cmd_in(BIN, &w.repo);
        cmd.args(["agent", "hook", "codex"]);
        let out = output_with_stdin(&mut cmd, step["payload"].to_string().as_bytes());
        assert!(out.status.success(), "{out:?}");
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    }
}

/// The session once both calls and both turns' ends are stored.
fn session(w: &World) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let out = w.devtrace(
            &["show", "--session", "latest", "--json", "--agent", "codex"],
            &w.repo,
        );
        let evs = parse_lines(&out.stdout);
        let count = |t: &str| evs.iter().filter(|e| e["type"] == t).count();
        if count("tool_call") >= 2 && count("turn_end") >= 2 {
            return evs;
        }
        assert!(Instant::now() < deadline, "{evs:#?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn of_type<'a>(evs: &'a [Value], t: &str) -> Vec<&'a Value> {
    evs.iter().filter(|e| e["type"] == t).collect()
}

#[test]
fn codex_subagent_calls_say_whose_and_hang_under_their_spawn() {
    let w = World::initialised();
    play(&w);
    let evs = session(&w);
    // One session: the subagent's hooks name the root's `session_id`.
    let sessions: std::collections::HashSet<&Value> = evs.iter().map(|e| &e["session"]).collect();
    assert_eq!(sessions.len(), 1, "{evs:#?}");
    let c = of_type(&evs, "tool_call");
    let (spawn, test) = (c[0], c[1]);
    // The spawn is the root's, and names the subagent it started (found by
    // its task's path in the subagent's session file).
    assert_eq!(spawn["data"]["tool"], "collaborationspawn_agent");
    assert!(spawn["data"].get("subagent").is_none(), "{spawn}");
    assert_eq!(spawn["data"]["started_subagent"]["id"], CHILD, "{spawn}");
    assert_eq!(spawn["data"]["started_subagent"]["type"], "worker");
    assert_eq!(
        spawn["data"]["reasoning"],
        "I'll hand the test run to a worker."
    );
    // The subagent's call says whose, with its words from its own file.
    assert_eq!(test["data"]["subagent"]["id"], CHILD, "{test}");
    assert_eq!(test["data"]["subagent"]["type"], "worker");
    assert_eq!(test["data"]["reasoning"], "Running the test suite now.");
    assert_eq!(test["data"]["is_error"], true, "{test}");
    assert_eq!(test["data"]["exit_code"], 101, "{test}");
    // The subagent's turn, from its own session file; then the root's.
    let t = of_type(&evs, "turn_end");
    assert_eq!(t[0]["data"]["subagent"]["id"], CHILD, "{}", t[0]);
    assert_eq!(
        t[0]["data"]["message"],
        "cargo test fails: total is undefined in tests/billing.rs"
    );
    assert_eq!(t[0]["data"]["model"], "gpt-5.2-codex-mini");
    assert_eq!(t[0]["data"]["usage"]["input_tokens"], 8400);
    assert!(t[1]["data"].get("subagent").is_none(), "{}", t[1]);
    assert_eq!(t[1]["data"]["model"], "gpt-5.2-codex");
    let shown = w.devtrace(&["show", "--session", "latest"], &w.repo);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("↳ worker Bash cargo test"), "{text}");
}

/// An older install (before Codex had subagent hooks) beside a hook of the
/// user's own for a subagent type: install adds the two new events once,
/// uninstall takes out DevTrace's alone.
#[test]
fn codex_install_adds_its_subagent_hooks_once_and_removes_only_them() {
    let w = World::initialised();
    let path = w.repo.join(".codex/hooks.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // DevTrace's entry for an event, as install writes it.
    let ours = serde_json::json!([{"hooks": [{"type": "command",
        "command": "devtrace agent hook codex", "timeout": 5}]}]);
    let mut hooks = serde_json::Map::new();
    for ev in [
        "SessionStart",
        "UserPromptSubmit",
        "PreToolUse",
        "PostToolUse",
        "Stop",
    ] {
        hooks.insert(ev.into(), ours.clone());
    }
    let mine = serde_json::json!({"matcher": "explorer",
        "hooks": [{"type": "command", "command": "./audit.sh"}]});
    hooks.insert("SubagentStart".into(), Value::Array(vec![mine.clone()]));
    let before = serde_json::json!({ "hooks": hooks });
    std::fs::write(&path, serde_json::to_vec_pretty(&before).unwrap()).unwrap();
    let out = w.devtrace(&["agent", "install", "codex"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("added DevTrace's hook to 2 events"), "{said}");
    let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let start = v["hooks"]["SubagentStart"].as_array().unwrap();
    assert_eq!(start.len(), 2, "{v}");
    assert_eq!(start[0], mine);
    // No matcher: every subagent type.
    assert!(start[1].get("matcher").is_none(), "{v}");
    assert_eq!(start[1]["hooks"][0]["command"], "devtrace agent hook codex");
    assert_eq!(v["hooks"]["SubagentStop"], ours);
    // Twice is once.
    let first = std::fs::read(&path).unwrap();
    let out = w.devtrace(&["agent", "install", "codex"], &w.repo);
    assert!(String::from_utf8_lossy(&out.stdout).contains("already there"));
    assert_eq!(first, std::fs::read(&path).unwrap());
    // Uninstall leaves the user's own hook, and nothing of DevTrace's.
    let out = w.devtrace(&["agent", "install", "codex", "--uninstall"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"hooks": {"SubagentStart": [mine]}}),
        "{v}"
    );
}
