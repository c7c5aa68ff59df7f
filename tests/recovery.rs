//! The recorder under faults: ingest killed, ingest crashing between the
//! store and its progress file, a shell killed.

use crate::support::*;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::time::{Duration, Instant};

#[test]
fn killed_ingest_is_restarted_and_nothing_is_lost_or_doubled() {
    for shell in ["bash", "zsh", "fish"] {
        let w = World::initialised();
        let mut sh = Pty::spawn(&w, shell, &w.repo);
        for i in 0..3 {
            sh.run(&format!("echo before {i}"));
        }
        let pid = w.ingest_pid().expect("ingest runs");
        kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::path::Path::new(&format!("/proc/{pid}/status")).exists()
            && !std::fs::read_to_string(format!("/proc/{pid}/status"))
                .unwrap_or_default()
                .contains("State:\tZ")
        {
            assert!(Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(20));
        }
        for i in 0..3 {
            sh.run(&format!("echo after {i}"));
        }
        sh.exit();
        let events = w.ended_session(&w.repo);
        assert_eq!(
            texts(&events),
            vec![
                "echo before 0",
                "echo before 1",
                "echo before 2",
                "echo after 0",
                "echo after 1",
                "echo after 2",
                "exit"
            ],
            "{shell}"
        );
        let ids: std::collections::HashSet<_> = events.iter().map(|e| e["id"].clone()).collect();
        assert_eq!(ids.len(), events.len(), "{shell}: duplicate ids");
        w.wait_ingest_gone();
    }
}

#[test]
fn ingest_crash_between_store_and_progress_duplicates_nothing() {
    let w = World::initialised();
    let marker = w.tmp.path().join("crashed-once");
    // The first ingest aborts right after appending to a store, before it
    // saves how far it has read; the next one re-reads the same records.
    let mut sh = Pty::spawn_with(
        &w,
        "bash",
        &w.repo,
        &[
            ("DEVTRACE_FAULT", "crash-after-store"),
            ("DEVTRACE_FAULT_MARKER", marker.to_str().unwrap()),
        ],
    );
    sh.run("echo one");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !marker.exists() {
        assert!(Instant::now() < deadline, "the fault was never injected");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The crash came right after a store that held a command.
    let jsonl = w.repo.join(".devtrace/events.jsonl");
    let stored = std::fs::read_to_string(&jsonl).unwrap();
    assert!(
        stored.contains("\"echo one\""),
        "ingest crashed before it stored a command:\n{stored}"
    );
    sh.run("echo two");
    sh.run("echo three");
    sh.exit();
    let events = w.ended_session(&w.repo);
    assert_eq!(
        texts(&events),
        vec!["echo one", "echo two", "echo three", "exit"]
    );
    // Every event once in the log, however its replay was written.
    let lines = parse_lines(&std::fs::read(&jsonl).unwrap());
    let ids: std::collections::HashSet<&str> =
        lines.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(lines.len(), ids.len(), "events.jsonl holds an event twice");
    assert_eq!(lines.len(), events.len());
}

#[test]
fn a_killed_shell_is_noticed_and_its_session_closed() {
    for shell in ["bash", "zsh", "fish"] {
        let w = World::initialised();
        let mut sh = Pty::spawn(&w, shell, &w.repo);
        sh.run("echo alive");
        sh.send("sleep 30\r");
        std::thread::sleep(Duration::from_millis(300));
        kill(Pid::from_raw(sh.pid()), Signal::SIGKILL).unwrap();
        sh.wait_exit();
        let events = w.ended_session(&w.repo);
        let texts = texts(&events);
        assert_eq!(texts, vec!["echo alive", "sleep 30"], "{shell}");
        let running = commands(&events)[1];
        assert_eq!(
            running["data"]["exit_code"],
            serde_json::Value::Null,
            "{shell}"
        );
        assert_eq!(events.last().unwrap()["data"]["reason"], "gone", "{shell}");
        w.wait_ingest_gone();
        // The channel files of the gone shell are removed.
        let left: Vec<_> = std::fs::read_dir(w.run.join("devtrace"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with("ingest"))
            .collect();
        assert!(left.is_empty(), "{shell}: left behind {left:?}");
    }
}

#[test]
fn closing_the_terminal_ends_the_session() {
    for shell in ["bash", "zsh", "fish"] {
        let w = World::initialised();
        let mut sh = Pty::spawn(&w, shell, &w.repo);
        sh.run("echo hi");
        kill(Pid::from_raw(sh.pid()), Signal::SIGHUP).unwrap();
        sh.wait_exit();
        let events = w.ended_session(&w.repo);
        assert_eq!(texts(&events), vec!["echo hi"], "{shell}");
        assert_eq!(events.last().unwrap()["type"], "session_end");
    }
}

#[test]
fn a_forgotten_command_is_not_brought_back_by_a_replay() {
    // Ingest crashes right after storing `echo secret-one`, before saving
    // its progress; the command is forgotten while no ingest runs; the next
    // ingest reads the same records again, and must not store it again.
    let w = World::initialised();
    let marker = w.tmp.path().join("crashed-once");
    let mut sh = Pty::spawn_with(
        &w,
        "bash",
        &w.repo,
        &[
            ("DEVTRACE_FAULT", "crash-after-store"),
            ("DEVTRACE_FAULT_MARKER", marker.to_str().unwrap()),
        ],
    );
    sh.run("echo secret-one");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !marker.exists() {
        assert!(Instant::now() < deadline, "the fault was never injected");
        std::thread::sleep(Duration::from_millis(20));
    }
    w.wait_ingest_gone();
    let out = w.devtrace(&["forget", "--match", "secret-one", "--yes"], &w.repo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sh.run("echo two");
    sh.exit();
    let events = w.ended_session(&w.repo);
    assert_eq!(texts(&events), vec!["echo two", "exit"]);
    let jsonl = std::fs::read_to_string(w.repo.join(".devtrace/events.jsonl")).unwrap();
    assert!(
        !jsonl.contains("secret-one"),
        "the replay stored it again:\n{jsonl}"
    );
}

#[test]
fn ingest_crash_before_storing_a_killed_shells_last_commands_loses_nothing() {
    // Ingest is stopped while the shell types two commands and is killed;
    // then, in the one pass that reads those commands and finds the shell
    // gone, ingest dies before storing them. The next ingest stores them:
    // the progress saved must not have passed them.
    let w = World::initialised();
    let marker = w.tmp.path().join("crashed-once");
    let mut sh = Pty::spawn_with(
        &w,
        "bash",
        &w.repo,
        &[
            ("DEVTRACE_FAULT", "crash-before-store"),
            ("DEVTRACE_FAULT_MARKER", marker.to_str().unwrap()),
        ],
    );
    sh.run("echo one");
    w.wait_events(&w.repo, &["--type", "run_command"], 1);
    let ingest = Pid::from_raw(w.ingest_pid().expect("ingest runs"));
    kill(ingest, Signal::SIGSTOP).unwrap();
    sh.run("echo two");
    sh.run("echo three");
    kill(Pid::from_raw(sh.pid()), Signal::SIGKILL).unwrap();
    sh.wait_exit();
    kill(ingest, Signal::SIGCONT).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !marker.exists() {
        assert!(Instant::now() < deadline, "the fault was never injected");
        std::thread::sleep(Duration::from_millis(20));
    }
    w.wait_ingest_gone();
    let out = w.devtrace(&["ingest", "--spawn"], &w.repo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events = w.ended_session(&w.repo);
    assert_eq!(texts(&events), vec!["echo one", "echo two", "echo three"]);
}
