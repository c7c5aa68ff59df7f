//! Secrets are redacted before anything reaches the disk: in shells' command
//! lines, agents' tool inputs and prompts, and notes.

use crate::support::*;
use std::time::{Duration, Instant};

const TOKEN: &str = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
const PASSWORD: &str = "hunter2hunter2";

/// Every byte DevTrace wrote for this store and runtime directory.
fn all_bytes(w: &World) -> Vec<u8> {
    let mut out = Vec::new();
    for dir in [w.repo.join(".devtrace"), w.run.clone()] {
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                let Ok(ft) = e.file_type() else { continue };
                if ft.is_dir() {
                    stack.push(p);
                } else if ft.is_file() {
                    // (FIFOs are not read: they would block.)
                    out.extend(std::fs::read(&p).unwrap_or_default());
                }
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn secrets_are_redacted_before_they_reach_the_store() {
    require("bash");
    let w = World::initialised();
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    sh.run(&format!("export GITHUB_TOKEN={TOKEN}"));
    sh.run(&format!("echo deploy --password={PASSWORD} --env prod"));
    sh.run("git status --short");
    sh.exit();
    let evs = w.ended_session(&w.repo);
    let texts = texts(&evs);
    assert_eq!(
        texts,
        [
            "export GITHUB_TOKEN=[REDACTED:github-token]",
            "echo deploy --password=[REDACTED:password-flag] --env prod",
            "git status --short",
            "exit",
        ]
    );
    // An agent's prompt and tool input, and a note.
    let payload = serde_json::json!({
        "session_id": "s-1", "cwd": w.repo, "hook_event_name": "UserPromptSubmit",
        "prompt": format!("use the token {TOKEN} to push"),
    });
    let out = output_with_stdin(
        w.cmd_in(BIN, &w.repo)
            .args(["agent", "hook", "claude-code"]),
        payload.to_string().as_bytes(),
    );
    assert!(out.status.success());
    let out = w.devtrace(&["note", "--json", &format!("rotated {TOKEN}")], &w.repo);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(TOKEN));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = w.devtrace(&["log", "--json", "--type", "prompt,note"], &w.repo);
        let evs = parse_lines(&out.stdout);
        if evs.len() >= 2 {
            for e in &evs {
                let t = e["data"]["text"].as_str().unwrap();
                assert!(t.contains("[REDACTED:github-token]"), "{t}");
            }
            break;
        }
        assert!(Instant::now() < deadline, "{evs:#?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Not in the JSONL, the index, or the runtime files either.
    let bytes = all_bytes(&w);
    assert!(!contains(&bytes, TOKEN), "the token reached the disk");
    assert!(!contains(&bytes, PASSWORD), "the password reached the disk");
}
