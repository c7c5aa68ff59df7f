//! An agent's own CLI, run for real: Gemini CLI (from npm, installed by
//! scripts/test.sh) against a stand-in for the Gemini API on loopback
//! (tests/agents_real/fake_gemini.py), with DevTrace's hooks installed by
//! `devtrace agent install gemini-cli`. Its tools run for real, so the
//! hooks, the chat file Gemini writes and the files the calls change are
//! Gemini's own, not fixtures.
//!
//! Codex CLI and Claude Code are run the same way, in
//! `agents_real_codex.rs` and `agents_real_claude.rs`, with this file's
//! [`FakeModel`] and helpers. The other agents' CLIs cannot run here:
//! Cursor, Copilot CLI and Cline need an account before their first hook
//! fires.

use crate::support::*;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn gemini_cli() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/test-deps/npm/node_modules/@google/gemini-cli/bundle/gemini.js");
    assert!(
        p.is_file(),
        "Gemini CLI is not installed at {}; run ./scripts/test.sh",
        p.display()
    );
    p
}

/// A stand-in model (a script of tests/agents_real/), until dropped.
pub struct FakeModel {
    child: Child,
    pub port: u16,
}

impl FakeModel {
    pub fn start(script: &str, log: &Path) -> FakeModel {
        FakeModel::start_with(script, log, &[])
    }

    /// `start`, with more arguments for the script after the log's path.
    pub fn start_with(script: &str, log: &Path, args: &[&Path]) -> FakeModel {
        require("python3");
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/agents_real")
            .join(script);
        let mut child = Command::new("python3")
            .arg(script)
            .arg(log)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the fake model's port");
        FakeModel { child, port }
    }
}

impl Drop for FakeModel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `gemini -p PROMPT --yolo` in `w`'s repository against `model`.
fn run_gemini(w: &World, model: &FakeModel, prompt: &str) -> std::process::Output {
    // The user's settings: an API key (the stand-in's), no folder-trust
    // question, nothing sent elsewhere.
    let settings = serde_json::json!({
        "security": {"auth": {"selectedType": "gemini-api-key"}, "folderTrust": {"enabled": false}},
        "general": {"disableAutoUpdate": true, "disableUpdateNag": true},
        "privacy": {"usageStatisticsEnabled": false},
        "telemetry": {"enabled": false},
    });
    std::fs::create_dir_all(w.home.join(".gemini")).unwrap();
    std::fs::write(w.home.join(".gemini/settings.json"), settings.to_string()).unwrap();
    let mut c = w.cmd_in("timeout", &w.repo);
    c.arg("120")
        .arg("node")
        .arg(gemini_cli())
        .args(["-p", prompt, "--yolo"])
        .env("GEMINI_API_KEY", "test-key")
        .env(
            "GOOGLE_GEMINI_BASE_URL",
            format!("http://127.0.0.1:{}", model.port),
        )
        .stdin(Stdio::null());
    c.output().unwrap()
}

pub fn of_type<'a>(evs: &'a [Value], t: &str) -> Vec<&'a Value> {
    evs.iter().filter(|e| e["type"] == t).collect()
}

/// The store's events of `agent` once `done` holds of them (up to 30 s).
pub fn agent_events(w: &World, agent: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let all = parse_lines(
            &w.devtrace(&["log", "--json", "-n", "100000"], &w.repo)
                .stdout,
        );
        let evs: Vec<Value> = all.into_iter().filter(|e| e["agent"] == agent).collect();
        if done(&evs) {
            return evs;
        }
        assert!(Instant::now() < deadline, "never complete: {evs:#?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The `edit_files` events that changed `path`.
pub fn edits_of<'a>(evs: &'a [Value], path: &str) -> Vec<&'a Value> {
    of_type(evs, "edit_files")
        .into_iter()
        .filter(|e| {
            e["data"]["files"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["path"] == path))
        })
        .collect()
}

#[test]
fn gemini_cli_run_for_real_is_recorded_by_its_hooks() {
    let w = World::initialised();
    let out = w.devtrace(&["agent", "install", "gemini-cli"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    let model = FakeModel::start("fake_gemini.py", &w.home.join("model.log"));
    let out = run_gemini(&w, &model, "make a file");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(w.repo.join("made.txt")).unwrap(),
        "hi\n"
    );

    let evs = w.wait_events(&w.repo, &["--type", "turn_end"], 1);
    let evs: Vec<Value> = {
        let all = w.wait_events(&w.repo, &[], evs.len());
        all.into_iter()
            .filter(|e| e["agent"] == "gemini-cli")
            .collect()
    };
    let prompts = of_type(&evs, "prompt");
    assert_eq!(prompts.len(), 1, "{evs:#?}");
    assert_eq!(prompts[0]["data"]["text"], "make a file");
    let calls = of_type(&evs, "tool_call");
    assert_eq!(calls.len(), 2, "{evs:#?}");
    let (write, ls) = (&calls[0]["data"], &calls[1]["data"]);
    assert_eq!(write["tool"], "run_shell_command");
    assert_eq!(write["input"]["command"], "printf 'hi\\n' > made.txt");
    assert_eq!(write["is_error"], false, "{write}");
    // The model's thoughts and text before each call, read by the hooks
    // from the chat Gemini was writing.
    assert_eq!(
        write["reasoning"],
        "Planning the change: The file is written first.\n\nI will write the file.",
        "{write}"
    );
    assert_eq!(
        ls["reasoning"], "Now I check a file that is not there.",
        "{ls}"
    );
    assert_eq!(ls["input"]["command"], "ls no-such-file");
    assert_eq!(ls["exit_code"], 2, "{ls}");
    assert!(
        ls["output"].as_str().unwrap().contains("no-such-file"),
        "{ls}"
    );
    // The file the first call wrote is that call's, exactly (the settings
    // `agent install` wrote were changed between calls).
    let edits: Vec<&Value> = of_type(&evs, "edit_files")
        .into_iter()
        .filter(|e| e["data"]["files"][0]["path"] == "made.txt")
        .collect();
    assert_eq!(edits.len(), 1, "{evs:#?}");
    assert_eq!(edits[0]["data"]["cause"], calls[0]["id"], "{evs:#?}");
    assert_eq!(edits[0]["data"]["files"].as_array().unwrap().len(), 1);
    // AfterAgent's `prompt_response` is all the text of the turn.
    let turns = of_type(&evs, "turn_end");
    let said = turns[0]["data"]["message"].as_str().unwrap();
    assert!(said.starts_with("I will write the file."), "{said}");
    assert!(
        said.ends_with("\nMade the file; no-such-file is missing."),
        "{said}"
    );
    // Its model and the tokens of its three answers, from the chat.
    let model = turns[0]["data"]["model"].as_str().unwrap_or_default();
    assert!(model.starts_with("gemini"), "{:#?}", turns[0]);
    assert_eq!(
        turns[0]["data"]["usage"]["input_tokens"], 300,
        "{:#?}",
        turns[0]
    );
    assert_eq!(
        turns[0]["data"]["usage"]["output_tokens"], 30,
        "{:#?}",
        turns[0]
    );

    // Importing Gemini's chats now adds nothing: its hooks recorded it.
    let mut c = w.cmd_in(BIN, &w.repo);
    let out = c
        .args(["agent", "import", "gemini-cli"])
        .env("GEMINI_CLI_HOME", &w.home)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("0 new (1 session already recorded by its hooks)"),
        "{out:?}"
    );

    chat_is_read_as_the_hooks_recorded_it(&w, &write["input"]);
}

/// Gemini's own chat file, imported into another repository's store, is
/// read as its hooks recorded it, with the thoughts and text as reasons.
fn chat_is_read_as_the_hooks_recorded_it(w: &World, input: &Value) {
    let chats: Vec<PathBuf> = glob_chats(&w.home.join(".gemini/tmp"));
    assert_eq!(chats.len(), 1, "{chats:?}");
    let w2 = World::initialised();
    let dir = w2.home.join("g/.gemini/tmp/repo");
    std::fs::create_dir_all(dir.join("chats")).unwrap();
    std::fs::write(
        dir.join(".project_root"),
        w2.repo.to_string_lossy().as_bytes(),
    )
    .unwrap();
    std::fs::copy(
        &chats[0],
        dir.join("chats").join(chats[0].file_name().unwrap()),
    )
    .unwrap();
    let mut c = w2.cmd_in(BIN, &w2.repo);
    let out = c
        .args(["agent", "import", "gemini-cli"])
        .env("GEMINI_CLI_HOME", w2.home.join("g"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let got = parse_lines(&w2.devtrace(&["log", "--json"], &w2.repo).stdout);
    let types: Vec<&str> = got.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "session_start",
            "prompt",
            "tool_call",
            "tool_call",
            "turn_end"
        ],
        "{got:#?}"
    );
    assert_eq!(got[1]["data"]["text"], "make a file");
    assert_eq!(&got[2]["data"]["input"], input);
    let reasons = got[2]["data"]["reasoning"].as_str().unwrap_or_default();
    assert!(reasons.contains("Planning the change"), "{got:#?}");
    assert!(reasons.contains("I will write the file."), "{got:#?}");
    assert_eq!(got[3]["data"]["exit_code"], 2, "{got:#?}");
    assert_eq!(
        got[4]["data"]["message"],
        "Made the file; no-such-file is missing."
    );
    assert!(
        got[4]["data"]["usage"]["input_tokens"].as_u64() > Some(0),
        "{got:#?}"
    );
}

/// The chat files under Gemini's `tmp` folder.
fn glob_chats(tmp: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in std::fs::read_dir(tmp).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(d.path().join("chats"))
            .into_iter()
            .flatten()
            .flatten()
        {
            if f.file_name().to_string_lossy().starts_with("session-") {
                out.push(f.path());
            }
        }
    }
    out
}
