//! The page in headless Debian Chromium, driven by Playwright for Python
//! (tests/ui/driver.py), on a store recorded by an agent's hooks and by a
//! person's real bash, which stays open for the live check.

use super::Server;
use crate::support::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

/// The venv's Python with Playwright (scripts/test.sh makes it); missing,
/// the test fails saying how to get it.
fn python() -> PathBuf {
    let p = std::env::var_os("DEVTRACE_TEST_UI_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-deps/ui-venv/bin/python")
        });
    assert!(
        p.is_file(),
        "Playwright for Python is not installed at {}; run ./scripts/test.sh (it installs playwright==1.65.2 there)",
        p.display()
    );
    assert!(
        Path::new(CHROMIUM).is_file(),
        "{CHROMIUM} is missing; run `sudo apt-get install -y chromium` (or ./scripts/test.sh)"
    );
    p
}

/// An agent's session through Claude Code's hooks: a prompt, a Write of
/// app.rs, a failing `cargo test` with its stated reason.
fn agent_session(w: &World) {
    let sid = "5e55-ui";
    let app = w.repo.join("app.rs");
    claude_hook(w, sid, "SessionStart", json!({}));
    claude_hook(
        w,
        sid,
        "UserPromptSubmit",
        json!({"prompt": "add the tax rate"}),
    );
    let write = json!({"tool_name": "Write", "tool_use_id": "t1",
        "tool_input": {"file_path": app.to_string_lossy(), "content": "fn a() {}\nfn b() {}\nfn c() {}\n"}});
    claude_hook(w, sid, "PreToolUse", write.clone());
    std::fs::write(&app, "fn a() {}\nfn b() {}\nfn c() {}\n").unwrap();
    claude_hook(w, sid, "PostToolUse", write);
    let bash = json!({"tool_name": "Bash", "tool_use_id": "t2",
        "tool_input": {"command": "cargo test", "description": "Run the test suite"}});
    claude_hook(w, sid, "PreToolUse", bash.clone());
    let mut failed = bash;
    failed["error"] = json!("Exit code 101");
    claude_hook(w, sid, "PostToolUseFailure", failed);
    claude_hook(w, sid, "SessionEnd", json!({"reason": "exit"}));
}

/// The run_command of `text` in `events`, once stored.
fn command_id(w: &World, text: &str) -> String {
    let evs = w.wait_events(&w.repo, &["--type", "run_command"], 1);
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut evs = evs;
    loop {
        if let Some(e) = evs.iter().find(|e| {
            e["data"]["command"]
                .as_str()
                .is_some_and(|c| c.contains(text))
        }) {
            return e["id"].as_str().unwrap().to_owned();
        }
        assert!(Instant::now() < deadline, "{text} never stored: {evs:#?}");
        std::thread::sleep(Duration::from_millis(50));
        evs = parse_lines(
            &w.devtrace(
                &["log", "--json", "-n", "1000", "--type", "run_command"],
                &w.repo,
            )
            .stdout,
        );
    }
}

#[test]
fn ui_in_chromium_shows_sessions_diffs_files_and_live_commands() {
    let py = python();
    let w = World::initialised();
    agent_session(&w);
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    sh.run("sed -i 's/^fn b() {}$/fn b2() {}/' app.rs");
    sh.run("ls /nonexistent-dir");
    sh.run("echo still-here");
    let sed = command_id(&w, "sed -i");
    let failing = command_id(&w, "ls /nonexistent-dir");
    command_id(&w, "echo still-here");
    // The sed's edit is stored with it as its cause.
    let edits = w.wait_events(&w.repo, &["--type", "edit_files"], 2);
    assert!(
        edits.iter().any(|e| e["data"]["cause"] == sed.as_str()),
        "the sed's change is not given to it: {edits:#?}"
    );
    let sessions = parse_lines(&w.devtrace(&["sessions", "--json"], &w.repo).stdout);
    let id_of = |pred: &dyn Fn(&Value) -> bool| {
        sessions
            .iter()
            .find(|s| pred(s))
            .map(|s| s["session"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let shell = id_of(&|s| s["shell"] == "bash");
    let agent = id_of(&|s| s["agent"] == "claude-code");

    let server = Server::start(&w, &[]);
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/ui-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let ids = json!({"shell": shell, "agent": agent, "sed": sed, "failing": failing});
    let report = drive(&w, &py, &server, &shots, &ids, &mut sh);
    assert_eq!(report["foreign"], json!([]));
    let live = report["live_ms"].as_array().unwrap();
    assert!(
        live.len() == 2 && live.iter().all(|t| t.as_u64().unwrap() < 3000),
        "{report}"
    );
    for shot in [
        "sessions",
        "diff-unified",
        "diff-split",
        "live",
        "agent",
        "file",
        "dark",
    ] {
        assert!(
            shots.join(format!("{shot}.png")).is_file(),
            "no screenshot {shot}"
        );
    }
    eprintln!("ui browser: {report}");
    sh.exit();
}

/// Runs the driver against the server; types into `sh` each time it asks
/// for a live command. Its report.
fn drive(w: &World, py: &Path, server: &Server, shots: &Path, ids: &Value, sh: &mut Pty) -> Value {
    let mut driver = w
        .cmd_in(py.to_str().unwrap(), &w.repo)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/driver.py"))
        .arg(&server.url)
        .arg(shots)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut to = driver.stdin.take().unwrap();
    writeln!(to, "{ids}").unwrap();
    let mut report = None;
    let mut typed = 0;
    for line in BufReader::new(driver.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if line == "WAIT live" {
            typed += 1;
            sh.run(&format!("echo typed-live-{typed}"));
            writeln!(to, "go typed-live-{typed}").unwrap();
        } else if line.starts_with('{') {
            report = Some(serde_json::from_str::<Value>(&line).unwrap());
        }
    }
    let out = driver.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the browser run failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    report.expect("the driver said nothing")
}
