//! Commands that tell the truth: `show` picks this shell's session and says
//! when its filters match nothing, `explain` says what is wrong with its
//! target, arguments that make no sense exit 2, counts read as English.

use crate::support::*;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::process::Output;

/// One `devtrace: cause` line and one `hint: ...` line, nothing on stdout.
fn assert_one_error(out: &Output, code: i32, cause: &str, ctx: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{ctx}: {err}");
    assert!(out.stdout.is_empty(), "{ctx}: printed {out:?}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{ctx}: {err}");
    assert!(lines[0].starts_with("devtrace: "), "{ctx}: {err}");
    assert!(lines[0].contains(cause), "{ctx}: {err}");
    assert!(lines[1].starts_with("hint: "), "{ctx}: {err}");
}

/// The command texts of a `show --json`.
fn shown_commands(events: &[Value]) -> Vec<String> {
    texts(events)
}

#[test]
fn show_in_a_recorded_shell_shows_that_shell_and_filters_that_match_nothing_say_so() {
    let w = World::initialised();
    // An agent's session, older than the shells below.
    let out = w.devtrace(&["exec", "--agent", "bot", "--", "true"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    let mut a = Pty::spawn(&w, "bash", &w.repo);
    a.run("echo in-a");
    // A second shell, started later: the latest session of the store.
    let mut b = Pty::spawn(&w, "bash", &w.repo);
    b.run("echo in-b");
    w.wait_events(&w.repo, &["--type", "run_command"], 3);

    let own = w.home.join("own.jsonl");
    a.run(&format!("devtrace show --json > {}", own.display()));
    let evs = parse_lines(&std::fs::read(&own).unwrap());
    let cmds = shown_commands(&evs);
    assert!(cmds.iter().any(|c| c == "echo in-a"), "{cmds:?}");
    assert!(!cmds.iter().any(|c| c == "echo in-b"), "{cmds:?}");
    let sessions: std::collections::HashSet<&str> =
        evs.iter().map(|e| e["session"].as_str().unwrap()).collect();
    assert_eq!(sessions.len(), 1, "{evs:#?}");

    // Outside every recorded shell, the latest.
    let latest = parse_lines(&w.devtrace(&["show", "--json"], &w.repo).stdout);
    assert!(shown_commands(&latest).iter().any(|c| c == "echo in-b"));

    // Filters that match no session say so, and print no header.
    for args in [
        &["show", "--agent", "nobody"][..],
        &["show", "--until", "2001-01-01"],
        &["show", "--type", "prompt"],
        &[
            "show",
            "--since",
            "2001-01-01",
            "--until",
            "2001-01-02",
            "--human",
        ],
    ] {
        let out = w.devtrace(args, &w.repo);
        assert_one_error(&out, 1, &format!("match {}", args[1]), &format!("{args:?}"));
    }
    // A named session that the filters leave empty says so too.
    let sid = evs[0]["session"].as_str().unwrap();
    let out = w.devtrace(&["show", "-s", sid, "--agent", "nobody"], &w.repo);
    assert_one_error(&out, 1, "--agent nobody", "named session");
    // A filter that matches: the latest session it matches.
    let out = w.devtrace(&["show", "--agent", "bot", "--json"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(texts(&parse_lines(&out.stdout)), ["true"], "{out:?}");
    a.exit();
    b.exit();
}

#[test]
fn explain_says_what_is_wrong_with_its_target() {
    let w = World::initialised();
    std::fs::write(w.repo.join("app.rs"), "fn a() {}\nfn b() {}\nfn c() {}\n").unwrap();
    std::fs::write(w.repo.join("one.rs"), "fn a() {}").unwrap();

    let out = w.devtrace(&["explain", "missing.rs"], &w.repo);
    assert_one_error(&out, 1, "no such file: missing.rs", "missing file");
    let out = w.devtrace(&["explain", "missing.rs:3"], &w.repo);
    assert_one_error(&out, 1, "no such file: missing.rs", "missing file, line");

    let out = w.devtrace(&["explain", "app.rs:9"], &w.repo);
    assert_one_error(
        &out,
        1,
        "app.rs has 3 lines; there is no line 9",
        "past the end",
    );
    let out = w.devtrace(&["explain", "one.rs:2"], &w.repo);
    assert_one_error(&out, 1, "one.rs has 1 line;", "one line");

    for bad in ["app.rs:0", "app.rs:abc", "app.rs:-1", "app.rs:"] {
        let out = w.devtrace(&["explain", bad], &w.repo);
        assert_one_error(&out, 2, "is not a line number", bad);
    }
    // A line within the file, never changed: the old answer.
    let out = w.devtrace(&["explain", "app.rs:2"], &w.repo);
    assert_one_error(
        &out,
        1,
        "no recorded change to line 2 of app.rs",
        "unchanged",
    );
}

#[test]
fn arguments_that_make_no_sense_exit_2() {
    let w = World::initialised();
    let cases: &[&[&str]] = &[
        &["log", "--since", "bogus"],
        &["log", "--until", "bogus"],
        &["log", "--type", "bogus"],
        &["log", "--follow", "--type", "bogus"],
        &["show", "--since", "bogus"],
        &["show", "--until", "3x"],
        &["show", "--type", "bogus"],
        &["sessions", "--since", "bogus"],
        &["search", "cargo", "--since", "bogus"],
        &["search", "cargo", "--until", "bogus"],
        &["stats", "--since", "bogus"],
        &["pause", "--for", "bogus"],
        &["explain", "README:0"],
    ];
    // Also where there is no store: the usage error comes first.
    let plain = w.tmp.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    for args in cases {
        let out = w.devtrace(args, &w.repo);
        assert_one_error(&out, 2, "", &format!("{args:?}"));
        let out = w.devtrace(args, &plain);
        assert_one_error(&out, 2, "", &format!("{args:?} without a store"));
    }
}

#[test]
fn counts_of_one_read_as_one_and_glued_separators_are_not_programs() {
    let w = World::initialised();
    std::fs::write(w.repo.join("only.txt"), "x\n").unwrap();
    let out = w.devtrace(&["snapshot"], &w.repo);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(text.contains(": 1 file "), "{text}");

    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    sh.run("clear; true");
    sh.run("true|true");
    sh.exit();
    w.ended_session(&w.repo);
    let out = w.devtrace(&["stats", "--json"], &w.repo);
    let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
    let used: Vec<&str> = stats["most_used"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert!(
        used.contains(&"clear") && used.contains(&"true"),
        "{used:?}"
    );
    assert!(
        !used.iter().any(|c| c.contains([';', '|', '&'])),
        "{used:?}"
    );

    // One session: "1 session", never "1 sessions".
    let out = w.devtrace(&["stats"], &w.repo);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("in 1 session,"), "{text}");
    let out = w.devtrace(&["stats", "--global"], &w.repo);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("# 1 store") && !text.contains("1 stores"),
        "{text}"
    );
}

/// Nothing in the runtime directory is readable by others: a bash session's
/// files (FIFO, spool, traps, metadata, state) are all private.
#[test]
fn every_file_of_a_bash_session_is_private() {
    let w = World::initialised();
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    sh.run("trap 'echo bye' EXIT");
    sh.run("echo marker");
    w.wait_events(&w.repo, &["--type", "run_command"], 2);
    let mut seen = Vec::new();
    for e in std::fs::read_dir(w.runtime()).unwrap().flatten() {
        let mode = e.metadata().unwrap().permissions().mode() & 0o777;
        let name = e.file_name().to_string_lossy().into_owned();
        assert_eq!(mode & 0o077, 0, "{name} has mode {mode:03o}");
        seen.push(name);
    }
    assert!(seen.iter().any(|n| n.ends_with(".traps")), "{seen:?}");
    sh.exit();
}

/// `devtrace exec` records the contract's `pipestatus`: an array, here of
/// the one process it ran.
#[test]
fn exec_records_pipestatus_as_an_array() {
    let w = World::initialised();
    let out = w
        .cmd_in(BIN, &w.repo)
        .args(["exec", "--agent", "bot", "--", "sh", "-c", "exit 3"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let evs = w.wait_events(&w.repo, &["--type", "run_command"], 1);
    assert_eq!(evs[0]["data"]["exit_code"], 3, "{:?}", evs[0]);
    assert_eq!(
        evs[0]["data"]["pipestatus"],
        serde_json::json!([3]),
        "{:?}",
        evs[0]
    );
}

/// The `bash -c` and `zsh -c` commands of `init --agents` record the one
/// documented `shell` value, `exec`, whichever shell ran them.
#[test]
fn agent_shell_commands_record_shell_exec() {
    let w = World::initialised();
    // The agent is this test's process: its pid keys the session.
    let me = std::process::id().to_string();
    for (shell, text) in [("zsh", "echo from zsh"), ("bash", "echo from bash")] {
        let out = w
            .cmd_in(BIN, &w.repo)
            .args(["agent-cmd", "--shell", shell, "--pid", &me, "--", text])
            .env("CLAUDECODE", "1")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert!(
            !out.stdout.is_empty(),
            "nothing recorded for {shell}: {out:?}"
        );
    }
    let starts = w.wait_events(&w.repo, &["--type", "session_start"], 1);
    assert_eq!(starts.len(), 1, "{starts:?}");
    assert_eq!(starts[0]["data"]["shell"], "exec", "{:?}", starts[0]);
}
