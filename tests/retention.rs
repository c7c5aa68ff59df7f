//! Retention and rebuilding keep the store readable: `gc` with
//! `max_events` never leaves a session without its start, and `reindex`
//! says which lines of events.jsonl it could not read.

use crate::support::*;
use serde_json::{json, Value};
use std::io::Write;

/// A timestamp `secs` seconds after a fixed time an hour ago.
fn ts(secs: i64) -> String {
    let t =
        time::OffsetDateTime::now_utc() - time::Duration::hours(1) + time::Duration::seconds(secs);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// Writes to events.jsonl a session `session` (fish) starting at `at`
/// seconds with `n` commands after it.
fn add_session(w: &World, session: &str, at: i64, n: usize) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(w.repo.join(".devtrace/events.jsonl"))
        .unwrap();
    let start = json!({
        "v": 1, "id": format!("{session}-start"), "session": session, "seq": 0,
        "type": "session_start", "ts": ts(at), "agent": null, "cwd": w.repo, "repo": w.repo,
        "data": {"shell": "fish", "shell_pid": 42, "host": "h", "user": "u", "tty": null,
                 "devtrace_version": "0.1.0"},
    });
    writeln!(f, "{start}").unwrap();
    for i in 0..n {
        let t = ts(at + 1 + i as i64);
        let ev = json!({
            "v": 1, "id": format!("{session}-{i:05}"), "session": session, "seq": i + 1,
            "type": "run_command", "ts": t, "agent": null, "cwd": w.repo, "repo": w.repo,
            "data": {"command": format!("echo {session} {i}"), "exit_code": 0, "pipestatus": [0],
                     "duration_ms": 1, "started_at": t, "ended_at": t, "shell": "fish"},
        });
        writeln!(f, "{ev}").unwrap();
    }
}

fn ok(w: &World, args: &[&str]) -> std::process::Output {
    let out = w.devtrace(args, &w.repo);
    assert!(out.status.success(), "{args:?}: {out:?}");
    out
}

fn sessions(w: &World) -> Vec<Value> {
    parse_lines(&ok(w, &["sessions", "--json"]).stdout)
}

#[test]
fn gc_max_events_keeps_every_remaining_session_readable() {
    let w = World::initialised();
    std::fs::write(w.repo.join(".devtrace/events.jsonl"), "").unwrap();
    add_session(&w, "OLDA", 0, 10); // 11 events, the oldest
    add_session(&w, "MIDB", 100, 10); // 11 events
    add_session(&w, "NEWC", 200, 3); // 4 events
    ok(&w, &["reindex"]);
    let before = sessions(&w);
    let cfg = w.repo.join(".devtrace/config.toml");
    // 26 events, keep 10: OLDA goes whole, MIDB loses its oldest commands
    // but keeps its start; NEWC is untouched.
    std::fs::write(&cfg, "[retention]\nmax_events = 10\n").unwrap();
    ok(&w, &["gc"]);
    let rows = sessions(&w);
    assert_eq!(rows.len(), 2, "{rows:#?}");
    for row in &rows {
        let was = before
            .iter()
            .find(|b| b["session"] == row["session"])
            .unwrap();
        assert_eq!(row["shell"], "fish", "{row:#}");
        assert_eq!(row["started_at"], was["started_at"], "{row:#}");
    }
    let evs = parse_lines(&ok(&w, &["show", "--session", "MIDB", "--json"]).stdout);
    assert_eq!(evs[0]["type"], "session_start");
    assert!(evs.len() < 11 && evs.len() > 1, "{}", evs.len());
    let total = std::fs::read_to_string(w.repo.join(".devtrace/events.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert!(total <= 10, "{total}");
}

#[test]
fn reindex_reports_skipped_lines_with_their_numbers() {
    let w = World::initialised();
    let jsonl = w.repo.join(".devtrace/events.jsonl");
    std::fs::write(&jsonl, "").unwrap();
    add_session(&w, "GOOD", 0, 2);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&jsonl)
        .unwrap();
    writeln!(f, "{{ not json").unwrap(); // line 4
    writeln!(f, "{{\"v\": 1}}").unwrap(); // line 5: JSON, not an event
    for _ in 0..12 {
        writeln!(f, "garbage").unwrap(); // lines 6-17
    }
    drop(f);
    add_session(&w, "LATE", 10, 1);
    let out = ok(&w, &["reindex"]);
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 11, "{err}");
    assert!(
        lines[0].contains("skipped line 4 of") && lines[0].contains("not valid JSON"),
        "{err}"
    );
    assert!(
        lines[1].contains("skipped line 5 of") && lines[1].contains("not an event"),
        "{err}"
    );
    assert!(lines[9].contains("skipped line 13 of"), "{err}");
    assert!(
        lines[10].contains("skipped 4 more malformed lines"),
        "{err}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("(5 events)"),
        "{out:?}"
    );
}
