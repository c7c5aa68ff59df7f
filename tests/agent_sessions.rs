//! Every hooked agent, a whole session each, from fixtures written after
//! each agent's documented hook payloads (tests/agent_fixtures/NAME.jsonl):
//! the real `devtrace agent hook NAME` binary gets each payload on its
//! standard input, and the store is read back: the prompt, each tool call
//! with what it returned (`output`, `exit_code`), the failing call, the
//! edit and its files, the subagent where the agent has them.

use crate::support::*;
use serde_json::Value;
use std::time::{Duration, Instant};

/// What each agent prints as "no opinion".
fn quiet_answer(agent: &str) -> &'static str {
    match agent {
        "gemini-cli" | "cursor" => "{}\n",
        "cline" => "{\"cancel\":false}\n",
        _ => "",
    }
}

/// Plays `tests/agent_fixtures/AGENT.jsonl` through the hook binary.
pub fn play(w: &World, agent: &str, transcript: &std::path::Path) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/agent_fixtures")
        .join(format!("{agent}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(w.repo.join("billing.rs"), "fn total() {}\n").unwrap();
    let repo = w.repo.to_string_lossy().into_owned();
    // The transcript the agent keeps, in its documented format.
    if let Ok(t) = std::fs::read_to_string(path.with_extension("transcript.jsonl")) {
        std::fs::write(transcript, t.replace("$REPO", &repo)).unwrap();
    }
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let line = line
            .replace("$REPO", &repo)
            .replace("$TRANSCRIPT", &transcript.to_string_lossy());
        let step: Value = serde_json::from_str(&line).unwrap();
        if let Some(file) = step["write"].as_str() {
            std::fs::write(w.repo.join(file), step["text"].as_str().unwrap()).unwrap();
            continue;
        }
        let mut cmd = w.cmd_in(BIN, &w.repo);
        cmd.args(["agent", "hook", agent]);
        if let Some(ev) = step["event"].as_str() {
            cmd.args(["--event", ev]);
        }
        let start = Instant::now();
        let out = output_with_stdin(&mut cmd, step["payload"].to_string().as_bytes());
        assert!(out.status.success(), "{agent}: {out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            quiet_answer(agent),
            "{agent}"
        );
        assert!(out.stderr.is_empty(), "{agent}: {out:?}");
        assert!(start.elapsed() < Duration::from_secs(2), "{agent}");
    }
}

/// The agent's session once its three tool calls, the edit and its end
/// are stored.
pub fn session(w: &World, agent: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let out = w.devtrace(
            &["show", "--session", "latest", "--json", "--agent", agent],
            &w.repo,
        );
        let evs = parse_lines(&out.stdout);
        let calls = evs.iter().filter(|e| e["type"] == "tool_call").count();
        let edits = evs
            .iter()
            .any(|e| e["type"] == "edit_files" && !e["data"]["cause"].is_null());
        // Codex has no hook at a session's end: its turn's end is the last.
        let last = if agent == "codex" {
            "turn_end"
        } else {
            "session_end"
        };
        let ended = evs.iter().any(|e| e["type"] == last);
        if calls >= 3 && edits && ended {
            return evs;
        }
        assert!(Instant::now() < deadline, "{agent}: {evs:#?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The calls of a session, in order.
fn calls(evs: &[Value]) -> Vec<&Value> {
    evs.iter().filter(|e| e["type"] == "tool_call").collect()
}

/// What every agent's session holds, whatever its hooks look like.
fn check_common(agent: &str, evs: &[Value]) {
    for e in evs {
        assert_eq!(e["agent"], agent, "{e}");
    }
    let prompt = evs.iter().find(|e| e["type"] == "prompt").unwrap();
    assert_eq!(
        prompt["data"]["text"], "Rename total to sum in billing.rs and run the tests",
        "{agent}"
    );
    let c = calls(evs);
    let (edit, grep, test) = (c[0], c[1], c[2]);
    // The edit made the file change, and says so.
    let files = evs
        .iter()
        .find(|e| e["type"] == "edit_files" && e["data"]["cause"] == edit["id"])
        .unwrap_or_else(|| panic!("{agent}: no edit_files of the edit: {evs:#?}"));
    assert_eq!(files["data"]["files"][0]["path"], "billing.rs", "{agent}");
    assert_eq!(edit["data"]["is_error"], false, "{agent}: {edit}");
    // What the shell call returned is kept, and found.
    assert_eq!(grep["data"]["is_error"], false, "{agent}: {grep}");
    let out = grep["data"]["output"].as_str().unwrap_or_default();
    assert!(out.contains("zebrafish"), "{agent}: {grep}");
    // The failing call: failed, with its error.
    assert_eq!(test["data"]["is_error"], true, "{agent}: {test}");
    let err = test["data"]["output"].as_str().unwrap_or_default();
    assert!(err.contains("cannot find function"), "{agent}: {test}");
}

/// `search` finds a call by its output; `show --output` prints it.
fn check_found_and_shown(w: &World, agent: &str, evs: &[Value]) {
    let grep = calls(evs)[1];
    let out = w.devtrace(&["search", "zebrafish", "--json"], &w.repo);
    let found = parse_lines(&out.stdout);
    assert_eq!(found.len(), 1, "{agent}: {found:#?}");
    assert_eq!(found[0]["id"], grep["id"], "{agent}");
    let shown = w.devtrace(&["show", "--session", "latest", "--output"], &w.repo);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("fn sum() {} // zebrafish"), "{agent}: {text}");
    let plain = w.devtrace(&["show", "--session", "latest"], &w.repo);
    assert!(
        !String::from_utf8_lossy(&plain.stdout).contains("zebrafish"),
        "{agent}: output shown without --output"
    );
}

fn run_agent(agent: &str) -> (World, Vec<Value>) {
    let w = World::initialised();
    let transcript = w.home.join("transcript.jsonl");
    play(&w, agent, &transcript);
    let evs = session(&w, agent);
    check_common(agent, &evs);
    check_found_and_shown(&w, agent, &evs);
    (w, evs)
}

/// The exit codes each agent gives (or says in its text) for the shell
/// calls: the grep's and the failing test run's.
fn exit_codes(evs: &[Value]) -> (Value, Value) {
    let c = calls(evs);
    (
        c[1]["data"]["exit_code"].clone(),
        c[2]["data"]["exit_code"].clone(),
    )
}

/// The turns' ends of a session.
fn turns(evs: &[Value]) -> Vec<&Value> {
    evs.iter().filter(|e| e["type"] == "turn_end").collect()
}

#[test]
fn claude_code_session_keeps_outputs_and_subagents() {
    let (w, evs) = run_agent("claude-code");
    let c = calls(&evs);
    // Why, in its own words: from the transcript, per call.
    assert_eq!(
        c[0]["data"]["reasoning"],
        "I'll rename `total` to `sum` in billing.rs first."
    );
    assert_eq!(
        c[1]["data"]["reasoning"],
        "Now let me find every caller of sum."
    );
    // The subagent's words are not the session's.
    assert!(c[2]["data"].get("reasoning").is_none(), "{}", c[2]);
    // The subagent's answer, then the turn's: last message, model, tokens.
    let t = turns(&evs);
    assert_eq!(t.len(), 2, "{evs:#?}");
    assert_eq!(t[0]["data"]["subagent"]["type"], "test-runner");
    assert_eq!(
        t[0]["data"]["message"],
        "cargo test fails: total is undefined in tests/billing.rs"
    );
    assert_eq!(
        t[1]["data"]["message"],
        "Renamed total to sum; the tests still fail where total is called in tests/billing.rs."
    );
    assert_eq!(t[1]["data"]["model"], "claude-sonnet-4-5-20250929");
    let u = &t[1]["data"]["usage"];
    assert_eq!(
        (&u["input_tokens"], &u["output_tokens"]),
        (&Value::from(1770), &Value::from(250))
    );
    assert_eq!(
        (&u["cache_read_tokens"], &u["cache_write_tokens"]),
        (&Value::from(40400), &Value::from(200))
    );
    // show and explain say why.
    let shown = w.devtrace(&["show", "--session", "latest"], &w.repo);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("why: Now let me find every caller of sum."),
        "{text}"
    );
    assert!(text.contains("answer: Renamed total to sum"), "{text}");
    assert!(text.contains("↳ test-runner Bash cargo test"), "{text}");
    let out = w.devtrace(&["explain", "billing.rs"], &w.repo);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("in its own words  I'll rename `total` to `sum` in billing.rs first."),
        "{text}"
    );
    // An edit's output is its patch.
    let patch = c[0]["data"]["output"].as_str().unwrap();
    assert!(patch.contains("-fn total() {}\n+fn sum() {}"), "{patch}");
    assert_eq!(exit_codes(&evs), (Value::Null, Value::from(101)));
    // The call a subagent made says which.
    assert_eq!(c[2]["data"]["subagent"]["id"], "a7f3");
    assert_eq!(c[2]["data"]["subagent"]["type"], "test-runner");
    assert!(c[1]["data"].get("subagent").is_none());
}

#[test]
fn codex_session_keeps_outputs() {
    let (_w, evs) = run_agent("codex");
    let c = calls(&evs);
    assert_eq!(
        c[0]["data"]["reasoning"],
        "**Renaming the function**\n\nI'll rename total to sum with a patch."
    );
    assert_eq!(
        c[1]["data"]["reasoning"],
        "Now I'll look for the callers of sum."
    );
    assert!(c[2]["data"].get("reasoning").is_none(), "{}", c[2]);
    let t = turns(&evs);
    assert_eq!(t.len(), 1, "{evs:#?}");
    assert_eq!(
        t[0]["data"]["message"],
        "Renamed total to sum; the tests still fail where total is called."
    );
    assert_eq!(t[0]["data"]["model"], "gpt-5-codex");
    let u = &t[0]["data"]["usage"];
    assert_eq!(
        (
            &u["input_tokens"],
            &u["output_tokens"],
            &u["cache_read_tokens"]
        ),
        (&Value::from(15900), &Value::from(190), &Value::from(13000))
    );
    assert_eq!(exit_codes(&evs), (Value::from(0), Value::from(101)));
    assert_eq!(evs[0]["data"]["model"], "gpt-5-codex");
}

#[test]
fn cursor_session_keeps_outputs() {
    let (_w, evs) = run_agent("cursor");
    assert_eq!(exit_codes(&evs), (Value::from(0), Value::from(101)));
    // Cursor measures its calls itself.
    assert_eq!(calls(&evs)[2]["data"]["duration_ms"], 2300);
}

#[test]
fn copilot_session_keeps_outputs() {
    let (_w, evs) = run_agent("copilot");
    assert_eq!(exit_codes(&evs), (Value::from(0), Value::from(101)));
}

#[test]
fn cline_session_keeps_outputs() {
    let (_w, evs) = run_agent("cline");
    assert_eq!(calls(&evs)[1]["data"]["duration_ms"], 35);
}

#[test]
fn opencode_session_keeps_outputs() {
    let (_w, evs) = run_agent("opencode");
    assert_eq!(exit_codes(&evs), (Value::from(0), Value::from(101)));
}

#[test]
fn gemini_cli_session_keeps_outputs() {
    let (_w, evs) = run_agent("gemini-cli");
    assert_eq!(exit_codes(&evs), (Value::from(0), Value::from(101)));
}

/// opencode's hooks are a plugin: DevTrace's own, as `agent install`
/// writes it, loaded by Node the way opencode loads plugins and called with
/// the inputs opencode's plugin API documents. (opencode itself needs a
/// model to run a session; its plugin runs for real here.)
#[test]
fn opencode_plugin_records_a_session_through_the_real_plugin() {
    require("node");
    let w = World::initialised();
    std::fs::write(w.repo.join("billing.rs"), "fn total() {}\n").unwrap();
    let out = w.devtrace(&["agent", "install", "opencode"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    let host = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/agent_fixtures/opencode_host.mjs");
    let out = w
        .cmd_in("node", &w.repo)
        .arg(&host)
        .arg(w.repo.join(".opencode/plugins/devtrace.js"))
        .arg(&w.repo)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let evs = session(&w, "opencode");
    check_common("opencode", &evs);
    check_found_and_shown(&w, "opencode", &evs);
    assert_eq!(evs[0]["data"]["model"], "anthropic/claude-sonnet-4-5");
}

/// Claude Code's sessions from before DevTrace: its transcript for this
/// repository, recorded as the hooks would have, marked imported; twice is
/// once.
#[test]
fn claude_code_sessions_are_imported_once() {
    let w = World::initialised();
    let repo = w.repo.to_string_lossy().into_owned();
    let project: String = repo
        .trim_end_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let dir = w.home.join(".claude/projects").join(project);
    std::fs::create_dir_all(&dir).unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/agent_fixtures/claude-code.transcript.jsonl");
    let text = std::fs::read_to_string(fixture).unwrap();
    std::fs::write(
        dir.join("9f1c2d3e-0000-4000-8000-0000000c1a0d.jsonl"),
        text.replace("$REPO", &repo),
    )
    .unwrap();
    let out = w.devtrace(&["agent", "import", "claude-code"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("6 events from 1 session, 6 new"), "{said}");
    let evs = w.events(&w.repo, "latest");
    let types: Vec<&str> = evs.iter().map(|e| e["type"].as_str().unwrap()).collect();
    let want = [
        "session_start",
        "prompt",
        "tool_call",
        "tool_call",
        "tool_call",
        "turn_end",
    ];
    assert_eq!(types, want, "{evs:#?}");
    for e in &evs {
        assert_eq!(e["data"]["imported"], true, "{e}");
        assert_eq!(e["agent"], "claude-code");
    }
    let c = calls(&evs);
    assert_eq!(
        c[0]["data"]["reasoning"],
        "I'll rename `total` to `sum` in billing.rs first."
    );
    assert!(c[0]["data"]["output"]
        .as_str()
        .unwrap()
        .contains("-fn total() {}\n+fn sum() {}"));
    assert_eq!(
        c[1]["data"]["output"],
        "./billing.rs:1:fn sum() {} // zebrafish\n"
    );
    assert_eq!(c[1]["data"]["duration_ms"], 1000);
    assert_eq!(c[2]["data"]["tool"], "Task");
    // The subagent it started, by its result's `agentId`.
    assert_eq!(c[2]["data"]["started_subagent"]["id"], "a7f3");
    assert_eq!(c[2]["data"]["started_subagent"]["type"], "test-runner");
    let t = turns(&evs);
    assert_eq!(t[0]["data"]["usage"]["input_tokens"], 1770);
    // Twice is once.
    let out = w.devtrace(&["agent", "import", "claude-code"], &w.repo);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(", 0 new"),
        "{out:?}"
    );
    assert_eq!(w.events(&w.repo, "latest").len(), evs.len());
}
