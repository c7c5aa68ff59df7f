//! What sessions did, counted and named truly: agents' tool calls in
//! `sessions` and `stats` (also in an index an older devtrace made), the
//! files each command changed in `log`, and a session's own changes in
//! `diff --session`.

use crate::support::*;
use serde_json::{json, Value};
use std::io::BufRead;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// One tool call, before and after; `ok: false` fails it.
fn tool_call(w: &World, sid: &str, id: &str, command: &str, ok: bool) {
    let input = json!({"command": command});
    claude_hook(
        w,
        sid,
        "PreToolUse",
        json!({"tool_name": "Bash", "tool_use_id": id, "tool_input": input}),
    );
    let after = if ok {
        json!({"tool_name": "Bash", "tool_use_id": id, "tool_input": input,
               "tool_response": {"stdout": "", "stderr": "", "interrupted": false}})
    } else {
        json!({"tool_name": "Bash", "tool_use_id": id, "tool_input": input,
               "error": "Exit code 1"})
    };
    let event = if ok {
        "PostToolUse"
    } else {
        "PostToolUseFailure"
    };
    claude_hook(w, sid, event, after);
}

/// A Claude Code session of four tool calls, the third failing.
fn four_tool_calls(w: &World) {
    let sid = "7a1c2d3e-0000-4000-8000-00000000cafe";
    claude_hook(w, sid, "SessionStart", json!({"source": "startup"}));
    claude_hook(w, sid, "UserPromptSubmit", json!({"prompt": "check"}));
    tool_call(w, sid, "toolu_1", "ls", true);
    tool_call(w, sid, "toolu_2", "cargo build", true);
    tool_call(w, sid, "toolu_3", "cargo test", false);
    tool_call(w, sid, "toolu_4", "git status", true);
    claude_hook(w, sid, "SessionEnd", json!({"reason": "prompt_input_exit"}));
    w.ended_session(&w.repo);
}

fn sessions_json(w: &World) -> Vec<Value> {
    let out = w.devtrace(&["sessions", "--json"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    parse_lines(&out.stdout)
}

/// The agent's row: 4 commands, 1 failed, shell `claude-code`.
fn check_agent_row(rows: &[Value], ctx: &str) {
    let row = rows
        .iter()
        .find(|r| r["agent"] == "claude-code")
        .unwrap_or_else(|| panic!("{ctx}: {rows:#?}"));
    assert_eq!(row["commands"], 4, "{ctx}: {row:#}");
    assert_eq!(row["failures"], 1, "{ctx}: {row:#}");
    assert_eq!(row["shell"], "claude-code", "{ctx}: {row:#}");
}

/// Makes the index look as an older devtrace (schema 2) left it: the
/// agent's session counted nothing.
fn downgrade_index(w: &World) {
    let db = rusqlite::Connection::open(w.repo.join(".devtrace/devtrace.db")).unwrap();
    db.busy_timeout(Duration::from_secs(10)).unwrap();
    db.execute_batch(
        "UPDATE sessions SET commands = 0, failures = 0 WHERE agent = 'claude-code';
         PRAGMA user_version = 2;",
    )
    .unwrap();
}

#[test]
fn agent_sessions_count_their_tool_calls() {
    let w = World::initialised();
    four_tool_calls(&w);
    let rows = sessions_json(&w);
    check_agent_row(&rows, "sessions");

    // The SHELL column holds the agent's name whole.
    let out = w.devtrace(&["sessions"], &w.repo);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.contains("claude-code")).unwrap();
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert!(
        cols.windows(4)
            .any(|c| c == ["claude-code", "claude-code", "4", "1"]),
        "{text}"
    );
    // ... and the columns after it stay under their headings.
    let header = text.lines().next().unwrap();
    for (heading, value) in [("CMDS", "4"), ("FAIL", "1")] {
        let end = header.find(heading).unwrap() + heading.len();
        assert_eq!(&line[end - 1..end], value, "{heading}:\n{text}");
    }

    // stats: the agent in WHO and in the failure rate.
    let out = w.devtrace(&["stats", "--json"], &w.repo);
    let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["commands"], 4, "{stats:#}");
    assert_eq!(stats["failures"], 1, "{stats:#}");
    assert_eq!(stats["sessions"], 1, "{stats:#}");
    let who = &stats["by_who"][0];
    assert_eq!(who["who"], "claude-code", "{stats:#}");
    assert_eq!(who["commands"], 4, "{stats:#}");
    assert_eq!(who["failures"], 1, "{stats:#}");
    assert_eq!(who["failure_rate"], 25.0, "{stats:#}");

    // An index an older devtrace made is brought up to date...
    downgrade_index(&w);
    check_agent_row(&sessions_json(&w), "older index");
    assert_eq!(sessions_json(&w), rows);
    // ...and a rebuilt one gives the same rows.
    let out = w.devtrace(&["reindex"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(sessions_json(&w), rows);
}

/// Reads lines of `log --follow` until one starts with `want`.
fn follow_until(rx: &std::sync::mpsc::Receiver<String>, want: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            let found = line.trim_start().starts_with(want);
            seen.push(line);
            if found {
                return seen;
            }
        }
    }
    panic!("log --follow never named {want}: {seen:#?}");
}

#[test]
fn log_names_the_files_each_command_changed() {
    let w = World::initialised();
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    sh.run("echo one > first.txt");
    w.wait_events(&w.repo, &["--type", "edit_files"], 1);
    let out = w.devtrace(&["log"], &w.repo);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("A first.txt"), "{text}");

    let mut follow = w
        .cmd_in(BIN, &w.repo)
        .args(["log", "--follow", "-n", "1"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = follow.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    // The newest event printed: it follows from there on.
    rx.recv_timeout(Duration::from_secs(15)).unwrap();
    sh.run("echo two > second.txt");
    follow_until(&rx, "A second.txt");
    let _ = follow.kill();
    let _ = follow.wait();
    sh.exit();
}

/// Whether session `sid` holds both snapshots and the edit of mine.txt.
fn stored_both_snapshots_and_the_edit(w: &World, sid: &str) -> bool {
    let out = w.devtrace(&["show", "-s", sid, "--json"], &w.repo);
    let evs = parse_lines(&out.stdout);
    let snaps = evs.iter().filter(|e| e["type"] == "git_snapshot").count();
    let edited = evs.iter().any(|e| {
        e["type"] == "edit_files"
            && e["data"]["files"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["path"] == "mine.txt"))
    });
    snaps >= 2 && edited
}

#[test]
fn diff_of_a_session_shows_only_its_own_changes() {
    let w = World::initialised();
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    let sid_file = w.home.join("sid");
    sh.run(&format!("echo $DEVTRACE_SESSION > {}", sid_file.display()));
    let sid = std::fs::read_to_string(&sid_file)
        .unwrap()
        .trim()
        .to_owned();
    sh.run("devtrace snapshot --label before");
    // Another session writes a file between this session's snapshots.
    let out = w.devtrace(&["exec", "--", "sh", "-c", "echo b > other.txt"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    // Once that change is stored as the other session's, this one's next
    // look at the tree does not see it again (two sessions looking at one
    // tree at the same moment is the attribution issue's, not diff's).
    let edits = w.wait_events(&w.repo, &["--type", "edit_files"], 1);
    assert!(edits[0].to_string().contains("other.txt"), "{edits:?}");
    assert_ne!(edits[0]["session"], sid.as_str(), "{edits:?}");
    sh.run("echo a > mine.txt");
    sh.run("devtrace snapshot --label after");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !stored_both_snapshots_and_the_edit(&w, &sid) {
        if Instant::now() >= deadline {
            let all = w.devtrace(&["log", "--json", "-n", "1000"], &w.repo);
            panic!(
                "the edit or the snapshots of {sid} never came:\n{}",
                String::from_utf8_lossy(&all.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = w.devtrace(&["diff", "--session", &sid, "--name-only"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    let names = String::from_utf8_lossy(&out.stdout);
    assert_eq!(names.lines().collect::<Vec<_>>(), ["mine.txt"], "{names}");

    // A session's id where an event's goes: the way to its diff.
    let out = w.devtrace(&["diff", &sid], &w.repo);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("devtrace diff --session {sid}")),
        "{err}"
    );
    // An id that names nothing: where to find event ids.
    let out = w.devtrace(&["diff", "01NOTHING"], &w.repo);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("devtrace show --ids"), "{err}");
    sh.exit();
}
