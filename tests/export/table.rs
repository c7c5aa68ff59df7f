//! `devtrace export json|csv`: every event the filters select, oldest first.

use super::*;

#[test]
fn json_and_csv_hold_every_event_the_filters_select() {
    let w = recorded_world();
    // A command whose text needs quoting in CSV.
    let out = w
        .cmd_in(BIN, &w.repo)
        .args([
            "exec",
            "--agent",
            "bot",
            "--",
            "sh",
            "-c",
            "echo 'a,\"b\"\nc'",
        ])
        .env_remove("DEVTRACE_SESSION")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let all = w.wait_events(&w.repo, &["--agent", "bot", "--type", "run_command"], 1);
    assert_eq!(all.len(), 1);
    let logged = parse_lines(
        &w.devtrace(&["log", "--json", "-n", "100000"], &w.repo)
            .stdout,
    );

    // JSON Lines: the contract, exactly what `log --json` prints, in order.
    let out = export(&w, &["json"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(parse_lines(&out.stdout), logged);

    // Filters: a type and a session.
    let out = export(&w, &["json", "--type", "tool_call"]);
    let tools = parse_lines(&out.stdout);
    assert_eq!(tools.len(), 3, "{tools:#?}");
    assert!(tools.iter().all(|e| e["type"] == "tool_call"));
    let sid = logged[0]["session"].as_str().unwrap();
    let out = export(&w, &["json", "--session", &sid[..10]]);
    let one = parse_lines(&out.stdout);
    assert!(!one.is_empty() && one.iter().all(|e| e["session"] == sid));
    assert_eq!(
        one.len(),
        logged.iter().filter(|e| e["session"] == sid).count()
    );

    // CSV: a header, one row per event, fields as the events hold them.
    let out = export(&w, &["csv"]);
    assert!(out.status.success(), "{out:?}");
    let mut r = csv::Reader::from_reader(&out.stdout[..]);
    let head: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(head[..5], ["id", "session", "seq", "type", "ts"]);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), logged.len());
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    for (row, ev) in rows.iter().zip(&logged) {
        assert_eq!(&row[col("id")], ev["id"].as_str().unwrap());
        assert_eq!(&row[col("type")], ev["type"].as_str().unwrap());
        let data: Value = serde_json::from_str(&row[col("data")]).unwrap();
        assert_eq!(data, ev["data"]);
    }
    let quoted = rows
        .iter()
        .find(|r| &r[col("agent")] == "bot" && &r[col("type")] == "run_command")
        .unwrap();
    let text = all[0]["data"]["command"].as_str().unwrap();
    assert!(text.contains("a,\"b\"\nc"), "{text}");
    assert_eq!(&quoted[col("command")], text);
    let failed = rows
        .iter()
        .find(|r| r[col("command")].starts_with("ls /no-such"))
        .unwrap();
    assert_eq!(&failed[col("exit_code")], "2");

    // A pattern added after recording applies to what is exported.
    std::fs::write(
        w.repo.join(".devtrace/config.toml"),
        "[redact]\npatterns = ['no-such-dir-here']\n",
    )
    .unwrap();
    for format in ["json", "csv"] {
        let out = export(&w, &[format]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("[REDACTED:custom]"), "{format}: {text}");
        assert!(!text.contains("no-such-dir-here"), "{format}: {text}");
    }

    // Bad input: an unknown type is a usage error.
    let out = export(&w, &["csv", "--type", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("devtrace: unknown event type"));
}

#[test]
fn a_closed_pipe_ends_an_export_quietly() {
    let w = World::new();
    let out = w.devtrace(
        &[
            "bench-fill",
            "--dir",
            ".",
            "--events",
            "20000",
            "--sessions",
            "20",
        ],
        &w.repo,
    );
    assert!(out.status.success(), "{out:?}");
    for format in ["csv", "json"] {
        let mut child = w
            .cmd_in(BIN, &w.repo)
            .args(["export", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}: {out:?}");
        assert!(
            out.stderr.is_empty(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_filters_select_by_agent_person_and_time() {
    let w = World::initialised();
    let out = w
        .cmd_in(BIN, &w.repo)
        .args(["exec", "--agent", "bot", "--", "true"])
        .env_remove("DEVTRACE_SESSION")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    w.wait_events(&w.repo, &["--type", "run_command"], 1);
    w.devtrace(&["note", "by hand, \"quoted\", 2 lines\nsecond"], &w.repo);
    let all = w.wait_events(&w.repo, &["--type", "note"], 1);
    let note = &all[0];
    let json = |args: &[&str]| {
        let mut a = vec!["json"];
        a.extend_from_slice(args);
        let out = export(&w, &a);
        assert!(out.status.success(), "{args:?}: {out:?}");
        parse_lines(&out.stdout)
    };
    let bot = json(&["--agent", "bot"]);
    assert!(bot.iter().any(|e| e["type"] == "run_command"), "{bot:#?}");
    assert!(bot.iter().all(|e| e["agent"] == "bot"), "{bot:#?}");
    let agents = json(&["--agent", "*"]);
    assert_eq!(agents, bot);
    let human = json(&["--human"]);
    assert!(human.iter().all(|e| e["agent"].is_null()), "{human:#?}");
    assert!(human.iter().any(|e| e["id"] == note["id"]));
    // Time: from the note on; before all of it; after all of it.
    let ts = note["ts"].as_str().unwrap();
    let since = json(&["--since", ts]);
    assert!(since.iter().any(|e| e["id"] == note["id"]));
    assert!(
        since.iter().all(|e| e["ts"].as_str().unwrap() >= ts),
        "{since:#?}"
    );
    assert!(json(&["--until", "2000-01-01"]).is_empty());
    let out = export(&w, &["csv", "--since", "2099-01-01"]);
    assert!(out.status.success(), "{out:?}");
    let mut r = csv::Reader::from_reader(&out.stdout[..]);
    assert!(r.headers().is_ok_and(|h| h.len() > 5));
    assert_eq!(r.records().count(), 0);
    // The note's text, quoted as CSV readers expect.
    let out = export(&w, &["csv", "--type", "note"]);
    let mut r = csv::Reader::from_reader(&out.stdout[..]);
    let head = r.headers().unwrap().clone();
    let text = head.iter().position(|h| h == "text").unwrap();
    let row = r.records().next().unwrap().unwrap();
    assert_eq!(&row[text], "by hand, \"quoted\", 2 lines\nsecond");
    let out = export(&w, &["json", "--since", "not a time"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
