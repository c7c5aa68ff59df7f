//! Codex CLI run for real: the npm package (its native binary inside,
//! installed by scripts/test.sh) against a stand-in for the OpenAI
//! Responses API on loopback (tests/agents_real/fake_codex.py), configured
//! as a custom model provider, with DevTrace's hooks installed by `devtrace
//! agent install codex` beside a hook of the user's own. Its tools run for
//! real (its unified exec shell and apply_patch), so the hooks' payloads,
//! the session file Codex writes and the files the calls change are
//! Codex's own, not fixtures.
//!
//! Codex runs a project's hooks only in a trusted project and only once
//! each hook is trusted (reviewed in its `/hooks`); the test trusts the
//! project in the user's config.toml and passes
//! `--dangerously-bypass-hook-trust`, as an automation would.

use crate::agents_real::{agent_events, edits_of, of_type, FakeModel};
use crate::support::*;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Output, Stdio};

/// The patch the stand-in's third answer applies.
const PATCH: &str = "*** Begin Patch\n*** Update File: made.txt\n@@\n-hi\n+hello\n*** End Patch\n";

/// A hook of the user's own, there before DevTrace's.
const USER_HOOKS: &str = r#"{
  "hooks": {
    "Stop": [
      {"hooks": [{"type": "command", "command": "touch \"$HOME/user-hook-ran\""}]}
    ]
  }
}
"#;

fn codex_cli() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/test-deps/npm/node_modules/@openai/codex/bin/codex.js");
    assert!(
        p.is_file(),
        "Codex CLI is not installed at {}; run ./scripts/test.sh",
        p.display()
    );
    p
}

/// The user's Codex config: the stand-in as a custom provider (the
/// Responses API, streamed), this repository trusted, nothing sent
/// elsewhere; `extra` after it.
fn configure(w: &World, model: &FakeModel, extra: &str) {
    let config = format!(
        r#"model = "gpt-5.5"
model_provider = "stand-in"
check_for_update_on_startup = false

[model_providers.stand-in]
name = "Stand-in"
base_url = "http://127.0.0.1:{port}/v1"
wire_api = "responses"
env_key = "STAND_IN_API_KEY"

[projects."{repo}"]
trust_level = "trusted"

[analytics]
enabled = false
{extra}"#,
        port = model.port,
        repo = w.repo.display()
    );
    std::fs::create_dir_all(w.home.join(".codex")).unwrap();
    std::fs::write(w.home.join(".codex/config.toml"), config).unwrap();
}

/// Runs `codex exec PROMPT` in `w`'s repository, its sandbox and approvals
/// off (so its shell runs here as is) and its hooks run untrusted.
fn run_codex(w: &World, prompt: &str) -> Output {
    let mut c = w.cmd_in("timeout", &w.repo);
    c.arg("120")
        .arg("node")
        .arg(codex_cli())
        .args([
            "exec",
            "--strict-config",
            "--dangerously-bypass-approvals-and-sandbox",
            "--dangerously-bypass-hook-trust",
            prompt,
        ])
        .env("STAND_IN_API_KEY", "test-key")
        .stdin(Stdio::null());
    c.output().unwrap()
}

#[test]
fn codex_run_for_real_is_recorded_by_its_hooks() {
    let w = World::initialised();
    let hooks = w.repo.join(".codex/hooks.json");
    std::fs::create_dir_all(hooks.parent().unwrap()).unwrap();
    std::fs::write(&hooks, USER_HOOKS).unwrap();
    let out = w.devtrace(&["agent", "install", "codex"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    let model = FakeModel::start("fake_codex.py", &w.home.join("model.log"));
    configure(&w, &model, "");
    let out = run_codex(&w, "make a file");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(w.repo.join("made.txt")).unwrap(),
        "hello\n"
    );
    // The user's own hook ran beside DevTrace's.
    assert!(w.home.join("user-hook-ran").exists(), "{out:?}");

    let evs = agent_events(&w, "codex", |evs| {
        !of_type(evs, "turn_end").is_empty() && edits_of(evs, "made.txt").len() >= 2
    });
    let prompts = of_type(&evs, "prompt");
    assert_eq!(prompts.len(), 1, "{evs:#?}");
    assert_eq!(prompts[0]["data"]["text"], "make a file");
    let calls = of_type(&evs, "tool_call");
    assert_eq!(calls.len(), 3, "{evs:#?}");
    let (write, ls, patch) = (&calls[0]["data"], &calls[1]["data"], &calls[2]["data"]);
    assert_eq!(write["tool"], "Bash");
    assert_eq!(write["input"]["command"], "printf 'hi\\n' > made.txt");
    assert_eq!(write["exit_code"], 0, "{write}");
    assert_eq!(write["is_error"], false, "{write}");
    // Its reasoning summary and its text before the call, from the session
    // file Codex was writing.
    assert_eq!(
        write["reasoning"],
        "**Planning the change**\n\nThe file is written first.\n\nI will write the file.",
        "{write}"
    );
    assert_eq!(ls["input"]["command"], "ls no-such-file");
    assert_eq!(ls["reasoning"], "Now I check a file that is not there.");
    assert_eq!(ls["exit_code"], 2, "{ls}");
    assert_eq!(ls["is_error"], true, "{ls}");
    assert_eq!(
        ls["output"], "ls: cannot access 'no-such-file': No such file or directory\n",
        "{ls}"
    );
    assert_eq!(patch["tool"], "apply_patch");
    assert_eq!(patch["input"]["command"], PATCH);
    assert_eq!(patch["reasoning"], "Then I change the file.");
    assert_eq!(patch["exit_code"], 0, "{patch}");
    let said = patch["output"].as_str().unwrap_or_default();
    assert!(
        said.contains("Success. Updated the following files:\nM made.txt"),
        "{patch}"
    );
    // The file: made by the first call, changed by the patch, each exactly.
    let edits = edits_of(&evs, "made.txt");
    assert_eq!(edits.len(), 2, "{evs:#?}");
    assert_eq!(edits[0]["data"]["cause"], calls[0]["id"], "{evs:#?}");
    assert_eq!(edits[1]["data"]["cause"], calls[2]["id"], "{evs:#?}");
    for e in &edits {
        assert_eq!(e["data"]["files"].as_array().unwrap().len(), 1, "{e}");
    }
    // The turn: Stop's last message, the model and the tokens of its four
    // answers, from the session file.
    let turns = of_type(&evs, "turn_end");
    assert_eq!(turns.len(), 1, "{evs:#?}");
    let turn = &turns[0]["data"];
    assert_eq!(turn["message"], "Made the file; no-such-file is missing.");
    assert_eq!(turn["model"], "gpt-5.5", "{turn}");
    assert_eq!(turn["usage"]["input_tokens"], 400, "{turn}");
    assert_eq!(turn["usage"]["output_tokens"], 40, "{turn}");

    // Importing Codex's sessions now adds nothing: its hooks recorded it.
    let out = w.devtrace(&["agent", "import", "codex"], &w.repo);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("0 new (1 session already recorded by its hooks)"),
        "{out:?}"
    );
    session_file_is_read_as_the_hooks_recorded_it(&w, &calls);

    // Uninstalling leaves the user's hooks as they were.
    let out = w.devtrace(&["agent", "install", "codex", "--uninstall"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    let json = |text: &str| serde_json::from_str::<Value>(text).unwrap();
    assert_eq!(
        json(&std::fs::read_to_string(&hooks).unwrap()),
        json(USER_HOOKS)
    );
}

/// Codex spawning a subagent for real (its multi-agent v2, turned on in the
/// user's config; tests/agents_real/fake_codex_subagent.py): the root
/// thread's `spawn_agent` and `wait_agent`, the worker's shell call and both
/// turns' ends, each as Codex's hooks gave them.
#[test]
fn codex_subagent_run_for_real_is_recorded_by_its_hooks() {
    let w = World::initialised();
    let out = w.devtrace(&["agent", "install", "codex"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    let model = FakeModel::start("fake_codex_subagent.py", &w.home.join("model.log"));
    configure(&w, &model, "\n[features]\nmulti_agent_v2 = true\n");
    let out = run_codex(&w, "have a worker write child.txt");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(w.repo.join("child.txt")).unwrap(),
        "from the worker\n"
    );
    let evs = agent_events(&w, "codex", |evs| {
        of_type(evs, "turn_end").len() >= 2
            && of_type(evs, "tool_call").len() >= 3
            && !edits_of(evs, "child.txt").is_empty()
    });
    // The worker's hooks name the root's session: one session.
    let sessions: std::collections::HashSet<&Value> = evs.iter().map(|e| &e["session"]).collect();
    assert_eq!(sessions.len(), 1, "{evs:#?}");
    let calls = of_type(&evs, "tool_call");
    assert_eq!(calls.len(), 3, "{evs:#?}");
    let call = |tool: &str| *calls.iter().find(|c| c["data"]["tool"] == tool).unwrap();
    let spawn = call("collaborationspawn_agent");
    let wait = call("collaborationwait_agent");
    let write = call("Bash");
    // The worker's call says whose, with its words from its session file.
    let worker = &write["data"]["subagent"];
    assert_eq!(worker["type"], "default", "{write}");
    assert_eq!(write["data"]["reasoning"], "I write the file.", "{write}");
    assert_eq!(write["data"]["exit_code"], 0, "{write}");
    // The spawn names it; the root's calls are no subagent's.
    assert_eq!(
        spawn["data"]["started_subagent"]["id"], worker["id"],
        "{spawn}"
    );
    assert_eq!(spawn["data"]["reasoning"], "I hand the file to a worker.");
    for c in [spawn, wait] {
        assert!(c["data"].get("subagent").is_none(), "{c}");
    }
    // The file is the worker's call's.
    let edits = edits_of(&evs, "child.txt");
    assert_eq!(edits.len(), 1, "{evs:#?}");
    assert_eq!(edits[0]["data"]["cause"], write["id"], "{evs:#?}");
    // The worker's turn, then the root's.
    let turns = of_type(&evs, "turn_end");
    assert_eq!(turns.len(), 2, "{evs:#?}");
    assert_eq!(turns[0]["data"]["subagent"]["id"], worker["id"]);
    assert_eq!(turns[0]["data"]["message"], "Wrote child.txt.");
    assert!(turns[1]["data"].get("subagent").is_none(), "{}", turns[1]);
    assert_eq!(turns[1]["data"]["message"], "The worker wrote child.txt.");
}

/// Codex's own session file, imported into another repository's store, is
/// read as its hooks recorded the calls: inputs, outputs, exit codes and
/// reasons.
fn session_file_is_read_as_the_hooks_recorded_it(w: &World, hooked: &[&Value]) {
    let files = files_under(&[w.home.join(".codex/sessions")]);
    assert_eq!(files.len(), 1, "{files:?}");
    let w2 = World::initialised();
    let day = w2.home.join(".codex/sessions/2026/01/01");
    std::fs::create_dir_all(&day).unwrap();
    // The session, as if it had run in the other repository.
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let moved = text.replace(&*w.repo.to_string_lossy(), &w2.repo.to_string_lossy());
    std::fs::write(day.join(files[0].file_name().unwrap()), moved).unwrap();
    let out = w2.devtrace(&["agent", "import", "codex"], &w2.repo);
    assert!(out.status.success(), "{out:?}");
    let got = parse_lines(&w2.devtrace(&["log", "--json"], &w2.repo).stdout);
    let calls = of_type(&got, "tool_call");
    assert_eq!(calls.len(), 3, "{got:#?}");
    for (imported, hooked) in calls.iter().zip(hooked) {
        let (i, h) = (&imported["data"], &hooked["data"]);
        for key in ["input", "exit_code", "is_error", "reasoning"] {
            assert_eq!(i[key], h[key], "{key}: {i} vs {h}");
        }
    }
    assert_eq!(
        calls[1]["data"]["output"],
        "ls: cannot access 'no-such-file': No such file or directory\n"
    );
    let turns = of_type(&got, "turn_end");
    assert_eq!(turns.len(), 1, "{got:#?}");
    assert_eq!(
        turns[0]["data"]["message"],
        "Made the file; no-such-file is missing."
    );
}
