//! Claude Code run for real: the npm package (its native binary inside,
//! installed by scripts/test.sh) against a stand-in for the Anthropic
//! Messages API on loopback (`ANTHROPIC_BASE_URL`,
//! tests/agents_real/fake_claude.py), with an API key of the stand-in's and
//! `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC`, so no login and nothing sent
//! elsewhere. DevTrace's hooks are installed by `devtrace agent install
//! claude-code` into project settings that already hold the user's own.
//! Its tools run for real, so the hooks' payloads, the transcript Claude
//! Code writes and the files the calls change are its own, not fixtures.

use crate::agents_real::{agent_events, edits_of, of_type, FakeModel};
use crate::support::*;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Output, Stdio};

/// The user's project settings, there before DevTrace's hooks: the tools
/// the stand-in calls allowed, and a hook of the user's own.
const USER_SETTINGS: &str = r#"{
  "permissions": {"allow": ["Bash", "Write"]},
  "hooks": {
    "Stop": [
      {"hooks": [{"type": "command", "command": "touch \"$HOME/user-hook-ran\""}]}
    ]
  }
}
"#;

fn claude_code() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/test-deps/npm/node_modules/@anthropic-ai/claude-code/bin/claude.exe");
    assert!(
        p.is_file(),
        "Claude Code is not installed at {}; run ./scripts/test.sh",
        p.display()
    );
    p
}

/// Runs `claude -p PROMPT` in `w`'s repository against `model`, the
/// repository trusted (as its dialog does once), so its settings count.
fn run_claude(w: &World, model: &FakeModel, prompt: &str) -> Output {
    let repo = w.repo.to_string_lossy();
    let state = serde_json::json!({"projects": {repo: {"hasTrustDialogAccepted": true}}});
    std::fs::write(w.home.join(".claude.json"), state.to_string()).unwrap();
    let mut c = w.cmd_in("timeout", &w.repo);
    c.arg("120")
        .arg(claude_code())
        .args(["-p", prompt])
        .env(
            "ANTHROPIC_BASE_URL",
            format!("http://127.0.0.1:{}", model.port),
        )
        .env("ANTHROPIC_API_KEY", "test-key")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .stdin(Stdio::null());
    c.output().unwrap()
}

#[test]
fn claude_code_run_for_real_is_recorded_by_its_hooks() {
    let w = World::initialised();
    let settings = w.repo.join(".claude/settings.json");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    std::fs::write(&settings, USER_SETTINGS).unwrap();
    let out = w.devtrace(&["agent", "install", "claude-code"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    let model = FakeModel::start_with("fake_claude.py", &w.home.join("model.log"), &[&w.repo]);
    let out = run_claude(&w, &model, "make a file");
    assert!(out.status.success(), "{out:?}");
    let made = std::fs::read_to_string(w.repo.join("made.txt"));
    assert_eq!(made.ok().as_deref(), Some("hi\n"), "{out:?}");
    assert!(w.home.join("user-hook-ran").exists(), "{out:?}");

    let evs = agent_events(&w, "claude-code", |evs| {
        !of_type(evs, "session_end").is_empty() && edits_of(evs, "notes.txt").len() == 1
    });
    let prompts = of_type(&evs, "prompt");
    assert_eq!(prompts.len(), 1, "{evs:#?}");
    assert_eq!(prompts[0]["data"]["text"], "make a file");
    let calls = of_type(&evs, "tool_call");
    assert_eq!(calls.len(), 3, "{evs:#?}");
    let (write, ls, notes) = (&calls[0]["data"], &calls[1]["data"], &calls[2]["data"]);
    assert_eq!(write["tool"], "Bash");
    assert_eq!(write["input"]["command"], "printf 'hi\\n' > made.txt");
    assert_eq!(write["intent"], "Write the file");
    assert_eq!(write["is_error"], false, "{write}");
    // The text before each call, from the transcript Claude Code writes.
    assert_eq!(write["reasoning"], "I will write the file.", "{write}");
    assert_eq!(
        ls["reasoning"], "Now I check a file that is not there.",
        "{ls}"
    );
    assert_eq!(ls["exit_code"], 2, "{ls}");
    assert_eq!(ls["is_error"], true, "{ls}");
    let said = ls["output"].as_str().unwrap_or_default();
    assert!(said.contains("ls: cannot access 'no-such-file'"), "{ls}");
    assert_eq!(notes["tool"], "Write");
    assert_eq!(notes["reasoning"], "Then I write the notes.");
    assert_eq!(notes["is_error"], false, "{notes}");
    // Each file is the call's that wrote it, exactly.
    for (path, call) in [("made.txt", calls[0]), ("notes.txt", calls[2])] {
        let edits = edits_of(&evs, path);
        assert_eq!(edits.len(), 1, "{path}: {evs:#?}");
        assert_eq!(edits[0]["data"]["cause"], call["id"], "{path}: {evs:#?}");
        assert_eq!(edits[0]["data"]["files"].as_array().unwrap().len(), 1);
    }
    // The turn: Stop's last message, the model and the tokens of its four
    // answers, from the transcript.
    let turns = of_type(&evs, "turn_end");
    assert_eq!(turns.len(), 1, "{evs:#?}");
    let turn = &turns[0]["data"];
    assert_eq!(
        turn["message"],
        "Made the file and the notes; no-such-file is missing."
    );
    assert!(
        turn["model"]
            .as_str()
            .is_some_and(|m| m.starts_with("claude")),
        "{turn}"
    );
    assert_eq!(turn["usage"]["input_tokens"], 400, "{turn}");
    assert_eq!(turn["usage"]["output_tokens"], 40, "{turn}");

    // Importing Claude Code's transcripts now adds nothing.
    let out = w.devtrace(&["agent", "import", "claude-code"], &w.repo);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("0 new (1 session already recorded by its hooks)"),
        "{out:?}"
    );

    // Uninstalling leaves the user's settings as they were.
    let out = w.devtrace(&["agent", "install", "claude-code", "--uninstall"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    let json = |text: &str| serde_json::from_str::<Value>(text).unwrap();
    assert_eq!(
        json(&std::fs::read_to_string(&settings).unwrap()),
        json(USER_SETTINGS)
    );
}
