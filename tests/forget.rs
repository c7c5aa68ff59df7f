//! Forgetting events and retention: what goes is gone from events.jsonl, the
//! index and search; what is recorded at the same time is all kept.

use crate::support::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn jsonl(w: &World) -> String {
    std::fs::read_to_string(w.repo.join(".devtrace/events.jsonl")).unwrap()
}

fn all_events(w: &World) -> Vec<Value> {
    let out = w.devtrace(&["log", "--json", "-n", "1000000"], &w.repo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_lines(&out.stdout)
}

/// The index and the JSONL hold the same events, and a rebuilt index too.
fn assert_consistent(w: &World) {
    let from_index: Vec<String> = all_events(w)
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    let mut from_file: Vec<String> = jsonl(w)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut sorted = from_index.clone();
    sorted.sort();
    from_file.sort();
    assert_eq!(sorted, from_file, "index and events.jsonl differ");
    let doctor = w.devtrace(&["doctor", "--json"], &w.repo);
    assert!(String::from_utf8_lossy(&doctor.stdout).contains("the index matches events.jsonl"));
    let sessions_before = w.devtrace(&["sessions", "--json"], &w.repo).stdout;
    assert!(w.devtrace(&["reindex"], &w.repo).status.success());
    assert_eq!(
        w.devtrace(&["sessions", "--json"], &w.repo).stdout,
        sessions_before,
        "session rows differ from a rebuilt index"
    );
}

/// A finished bash session of 20 `echo drop-me` and 20 `echo keep` lines and a note.
fn record_drop_and_keep(w: &World) {
    let mut sh = Pty::spawn(w, "bash", &w.repo);
    let lines: Vec<String> = (0..40)
        .map(|i| {
            if i % 2 == 0 {
                format!("echo drop-me {i}")
            } else {
                format!("echo keep {i}")
            }
        })
        .collect();
    sh.run_many(&lines, 10);
    sh.run("devtrace note remember drop-me too");
    sh.exit();
    w.ended_session(&w.repo);
}

/// Without a terminal, `forget` needs --yes (or a selection) and changes nothing.
fn check_forget_needs_yes(w: &World) {
    let before = jsonl(w);
    let out = w.devtrace(&["forget", "--match", "drop-me"], &w.repo);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("22 events from 1 session"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    assert_eq!(jsonl(w), before);
    let out = w.devtrace(&["forget"], &w.repo);
    assert_eq!(out.status.code(), Some(2));
}

/// `forget` on a terminal shows the events and asks; "n" keeps them. Returns
/// the shell, still open.
fn check_forget_asks_on_a_terminal(w: &World) -> Pty {
    let mut sh = Pty::spawn(w, "bash", &w.repo);
    sh.send("devtrace forget --match drop-me\r");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !sh.output().contains("for good? [y/N]") {
        assert!(Instant::now() < deadline, "{}", sh.output());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(sh.output().contains("echo drop-me 38"), "{}", sh.output());
    sh.run("n");
    assert!(sh.output().contains("nothing forgotten"));
    assert!(jsonl(w).contains("drop-me 0"));
    sh
}

/// `forget --yes` over and over while `sh` types 300 commands; then `sh` exits.
fn forget_while_a_shell_types(w: &World, mut sh: Pty) {
    let late: Vec<String> = (0..300).map(|i| format!("echo late-{i}")).collect();
    std::thread::scope(|s| {
        let typing = s.spawn(|| sh.run_many(&late, 20));
        std::thread::sleep(Duration::from_millis(50));
        let mut rewrites = 0;
        while rewrites == 0 || !typing.is_finished() {
            let out = w.devtrace(&["forget", "--match", "drop-me", "--yes"], &w.repo);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            rewrites += 1;
        }
        typing.join().unwrap();
        eprintln!("forget ran {rewrites} times while the shell typed");
    });
    sh.exit();
    w.ended_session(&w.repo);
}

/// The forgotten events are gone everywhere, each late command is stored
/// once, the kept ones all are; returns all events.
fn check_forgotten_gone_and_rest_kept(w: &World) -> Vec<Value> {
    let text = jsonl(w);
    assert!(!text.contains("drop-me"), "left in events.jsonl");
    let evs = all_events(w);
    assert!(!evs.iter().any(|e| e.to_string().contains("drop-me")));
    let got = texts(&evs);
    for i in 0..300 {
        let n = got
            .iter()
            .filter(|t| **t == format!("echo late-{i}"))
            .count();
        assert_eq!(n, 1, "echo late-{i} recorded {n} times");
    }
    assert_eq!(
        got.iter().filter(|t| t.starts_with("echo keep")).count(),
        20
    );
    let out = w.devtrace(&["search", "--json", "drop"], &w.repo);
    assert_eq!(
        out.status.code(),
        Some(1),
        "search still finds forgotten commands"
    );
    assert_consistent(w);
    evs
}

/// `forget --id` (a prefix), `--before` and `--session`, from the events `evs`.
fn check_forget_by_id_before_and_session(w: &World, evs: &[Value]) {
    let keep = evs
        .iter()
        .find(|e| e["data"]["command"] == "echo keep 1")
        .unwrap();
    let id = keep["id"].as_str().unwrap();
    let out = w.devtrace(&["forget", "--id", &id[..id.len() - 2], "--yes"], &w.repo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!jsonl(w).contains(id));
    let out = w.devtrace(&["forget", "--id", "ZZZZ", "--yes"], &w.repo);
    assert_eq!(out.status.code(), Some(1));
    let out = w.devtrace(&["forget", "--before", "2001-01-01", "--yes"], &w.repo);
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing forgotten"));
    let first = keep["session"].as_str().unwrap();
    let out = w.devtrace(&["forget", "--session", first, "--yes"], &w.repo);
    assert!(out.status.success());
    let sessions = parse_lines(&w.devtrace(&["sessions", "--json"], &w.repo).stdout);
    assert!(!sessions.iter().any(|s| s["session"] == first));
    assert_eq!(sessions.len(), 1);
    assert_consistent(w);
}

#[test]
fn forget_removes_what_it_showed_and_ingest_loses_nothing_meanwhile() {
    require("bash");
    let w = World::initialised();
    record_drop_and_keep(&w);

    // Without a terminal it needs --yes, and changes nothing.
    check_forget_needs_yes(&w);

    // On a terminal it shows them and asks; "n" keeps everything.
    let sh = check_forget_asks_on_a_terminal(&w);

    // Meanwhile another shell records commands as fast as it can.
    forget_while_a_shell_types(&w, sh);
    let evs = check_forgotten_gone_and_rest_kept(&w);

    // --id (a prefix), --session, --before.
    check_forget_by_id_before_and_session(&w, &evs);
}

/// Appends `n` synthetic commands of one session, `days_ago` old, to the JSONL.
pub(crate) fn add_old(w: &World, session: &str, n: usize, days_ago: i64) {
    use std::io::Write;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(w.repo.join(".devtrace/events.jsonl"))
        .unwrap();
    for i in 0..n {
        let t = now - days_ago * 86_400 - 3600 + i as i64;
        let ts = time::OffsetDateTime::from_unix_timestamp(t)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let ev = json!({
            "v": 1, "id": format!("{session}-{i:05}"), "session": session, "seq": i + 1,
            "type": "run_command", "ts": ts, "agent": null, "cwd": w.repo, "repo": w.repo,
            "data": {"command": format!("echo old {session} {i}"), "exit_code": 0, "pipestatus": [0],
                     "duration_ms": 1, "started_at": ts, "ended_at": ts, "shell": "bash"},
        });
        writeln!(f, "{ev}").unwrap();
    }
}

#[test]
fn retention_removes_old_events_on_demand_and_once_a_day() {
    require("bash");
    let w = World::initialised();
    std::fs::write(w.repo.join(".devtrace/events.jsonl"), "").unwrap();
    add_old(&w, "OLDA", 100, 10);
    add_old(&w, "NEWB", 50, 0);
    let out = w.devtrace(&["gc"], &w.repo);
    assert!(String::from_utf8_lossy(&out.stdout).contains("no retention set"));
    let cfg = w.repo.join(".devtrace/config.toml");
    std::fs::write(&cfg, "[retention]\nkeep_days = 7\n").unwrap();
    let out = w.devtrace(&["gc", "--dry-run"], &w.repo);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("would remove 100 events older than 7 days")
    );
    assert_eq!(all_events(&w).len(), 150);
    let out = w.devtrace(&["gc"], &w.repo);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("removed 100 events"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(all_events(&w).len(), 50);
    assert_consistent(&w);
    std::fs::write(&cfg, "[retention]\nmax_events = 20\n").unwrap();
    assert!(w.devtrace(&["gc"], &w.repo).status.success());
    let left = texts(&all_events(&w));
    assert_eq!(left.len(), 20);
    assert_eq!(left[0], "echo old NEWB 30");

    // Automatically: ingest starts gc after storing, at most once a day.
    std::fs::write(&cfg, "[retention]\nkeep_days = 7\n").unwrap();
    add_old(&w, "OLDC", 30, 9);
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    sh.run("echo fresh");
    let deadline = Instant::now() + Duration::from_secs(15);
    while jsonl(&w).contains("OLDC") {
        assert!(Instant::now() < deadline, "gc did not run by itself");
        std::thread::sleep(Duration::from_millis(100));
    }
    // It ran once today: more old events stay until tomorrow (or `devtrace gc`).
    add_old(&w, "OLDD", 5, 9);
    sh.run("echo fresher");
    sh.exit();
    w.ended_session(&w.repo);
    assert!(jsonl(&w).contains("OLDD"));
    let out = w.devtrace(&["gc", "--auto"], &w.repo);
    assert!(out.status.success() && out.stdout.is_empty());
    assert!(jsonl(&w).contains("OLDD"), "gc --auto ran twice in a day");
    assert!(texts(&all_events(&w)).contains(&"echo fresher".to_owned()));
}

/// `forget` leaves the forgotten text in no file of the store, also while
/// a shell goes on recording (its ingest holds the index open): not in the
/// SQLite WAL, not in free pages, not in the search index.
#[test]
fn forgotten_text_is_in_no_file_of_the_store_while_shells_record() {
    let w = World::initialised();
    let secret = "quokka-zebra-7731";
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    for i in 0..30 {
        sh.run(&format!("echo keep {i}"));
        if i % 10 == 0 {
            sh.run(&format!("echo {secret} {i}"));
        }
    }
    w.wait_events(&w.repo, &["--type", "run_command"], 33);
    // Search has indexed the secret too (the index is where words linger).
    let hits = w.devtrace(&["search", secret, "--json"], &w.repo);
    assert_eq!(parse_lines(&hits.stdout).len(), 3, "{hits:?}");
    let store = w.repo.join(".devtrace");
    assert!(!files_holding(&store, secret).is_empty());

    let out = w.devtrace(&["forget", "--match", secret, "--yes"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    let left = files_holding(&store, secret);
    assert!(left.is_empty(), "forgotten text still in {left:?}");

    // The shell goes on recording, and the text stays gone.
    sh.run("echo after-forget");
    let after = w.wait_events(&w.repo, &["--type", "run_command"], 31);
    assert!(after
        .iter()
        .any(|e| e["data"]["command"] == "echo after-forget"));
    let left = files_holding(&store, secret);
    assert!(left.is_empty(), "forgotten text back in {left:?}");
    sh.exit();
}

/// No command fails with "database is locked" while ingest writes: a shell
/// types 300 commands as fast as its prompt allows while `forget`,
/// `search`, `sessions`, `stats` and `gc` run in a loop from another
/// process; each of the 300 is stored once.
#[test]
fn readers_and_writers_never_meet_a_locked_database() {
    let w = World::initialised();
    std::fs::write(
        w.repo.join(".devtrace/config.toml"),
        "[retention]\nmax_events = 1000000\n",
    )
    .unwrap();
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    sh.run("echo drop-me first");
    let lines: Vec<String> = (0..300)
        .map(|i| {
            if i % 50 == 0 {
                format!("echo drop-me {i}")
            } else {
                format!("echo fast-{i}")
            }
        })
        .collect();
    let loops = [
        &["forget", "--match", "drop-me", "--yes"][..],
        &["search", "fast", "--json"],
        &["sessions", "--json"],
        &["stats", "--json"],
        &["gc"],
    ];
    std::thread::scope(|s| {
        let typing = s.spawn(|| sh.run_many(&lines, 1));
        let mut rounds = 0;
        while rounds == 0 || !typing.is_finished() {
            for args in loops {
                let out = w.devtrace(args, &w.repo);
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(!err.contains("locked"), "devtrace {args:?}: {err}");
                // search exits 1 when nothing matches yet.
                let ok =
                    out.status.success() || (args[0] == "search" && out.status.code() == Some(1));
                assert!(ok, "devtrace {args:?} failed: {err}");
            }
            rounds += 1;
        }
        typing.join().unwrap();
        eprintln!("{rounds} rounds of readers and writers while the shell typed");
    });
    sh.exit();
    let evs = w.ended_session(&w.repo);
    let got = texts(&evs);
    for i in (0..300).filter(|i| i % 50 != 0) {
        let n = got
            .iter()
            .filter(|t| **t == format!("echo fast-{i}"))
            .count();
        assert_eq!(n, 1, "echo fast-{i} recorded {n} times");
    }
}
