//! The server as any HTTP client meets it: raw requests over TCP.

use super::{exec, request, Server};
use crate::support::*;
use serde_json::Value;

/// A store with one person's session: a file made, a failure.
fn recorded() -> World {
    let w = World::initialised();
    exec(&w, &["sh", "-c", "printf 'fn a() {}\\n' > app.rs"]);
    exec(&w, &["false"]);
    exec(&w, &["echo", "secret-free"]);
    w.wait_events(&w.repo, &["--type", "run_command"], 3);
    w
}

const ROUTES: &[&str] = &[
    "/",
    "/assets/app.js",
    "/assets/app.css",
    "/assets/highlight.css",
    "/api/stores",
    "/api/sessions",
    "/api/search?q=echo",
    "/api/events?session=latest",
    "/api/file?path=app.rs",
    "/e/01ABC",
];

#[test]
fn ui_answers_only_requests_with_its_token() {
    let w = recorded();
    let s = Server::start(&w, &[]);
    let host = s.host();
    for path in ROUTES {
        let r = request(s.port, "GET", path, &[("Host", &host)]);
        assert_eq!(r.status, 403, "{path} without the token: {}", r.body);
        assert!(!r.body.contains("secret-free") && !r.body.contains("<script"));
        let wrong = format!("devtrace_ui_{}={}", s.port, "0".repeat(32));
        let r = request(s.port, "GET", path, &[("Host", &host), ("Cookie", &wrong)]);
        assert_eq!(r.status, 403, "{path} with a wrong token");
    }
    let r = request(
        s.port,
        "GET",
        &format!("/api/sessions?token={}", "f".repeat(32)),
        &[("Host", &host)],
    );
    assert_eq!(r.status, 403);

    // The URL's token lets in, and sets a cookie the browser keeps, that
    // script cannot read and other sites cannot send.
    let r = request(
        s.port,
        "GET",
        &format!("/?token={}", s.token),
        &[("Host", &host)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let cookie = r
        .head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .expect("no cookie set")
        .to_owned();
    assert!(cookie.contains(&s.cookie()), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(r
        .head
        .to_ascii_lowercase()
        .contains("content-security-policy: default-src 'none'"));
    for path in ROUTES {
        let r = s.get(path);
        assert!(
            r.status == 200 || r.status == 303,
            "{path} with the cookie: {} {}",
            r.status,
            r.body
        );
    }
}

#[test]
fn ui_refuses_a_foreign_host_header() {
    let w = recorded();
    let s = Server::start(&w, &[]);
    let port = s.port.to_string();
    let with_token = format!("/api/sessions?token={}", s.token);
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        "127.0.0.1".to_owned(),
        format!("localhost:{}", s.port + 1),
    ] {
        let r = request(
            s.port,
            "GET",
            &with_token,
            &[("Host", &host), ("Cookie", &s.cookie())],
        );
        assert_eq!(r.status, 421, "Host {host}: {}", r.body);
        assert!(
            !r.body.contains("secret-free") && !r.body.contains("sessions\""),
            "{}",
            r.body
        );
    }
    let r = request(s.port, "GET", &with_token, &[]);
    assert_eq!(r.status, 421, "no Host at all");
    // Its own names pass.
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        let r = request(s.port, "GET", &with_token, &[("Host", &host)]);
        assert_eq!(r.status, 200, "Host {host}");
    }
}

/// The machine's addresses other than loopback (from `hostname -I`).
fn other_addresses() -> Vec<std::net::IpAddr> {
    let out = std::process::Command::new("hostname").arg("-I").output();
    let text = out
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    text.split_whitespace()
        .filter_map(|a| a.parse().ok())
        .filter(|a: &std::net::IpAddr| !a.is_loopback())
        .collect()
}

#[test]
fn ui_listens_on_loopback_only() {
    let w = recorded();
    let s = Server::start(&w, &[]);
    // The kernel's own list of listening sockets: this port, on 127.0.0.1
    // alone (0100007F), nowhere on IPv6.
    let hex = format!(":{:04X}", s.port);
    let tcp = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let listening: Vec<&str> = tcp
        .lines()
        .skip(1)
        .filter(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() > 3 && f[1].ends_with(&hex) && f[3] == "0A"
        })
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(listening, vec![format!("0100007F{hex}")], "{tcp}");
    let tcp6 = std::fs::read_to_string("/proc/net/tcp6").unwrap_or_default();
    assert!(
        !tcp6.lines().any(|l| l
            .split_whitespace()
            .nth(1)
            .is_some_and(|a| a.ends_with(&hex))),
        "listening on IPv6 too: {tcp6}"
    );
    let others = other_addresses();
    assert!(
        !others.is_empty(),
        "this machine has no address but loopback; cannot test from outside it"
    );
    for ip in others {
        let tried = std::net::TcpStream::connect_timeout(
            &std::net::SocketAddr::new(ip, s.port),
            std::time::Duration::from_secs(2),
        );
        assert!(tried.is_err(), "the server answers on {ip}");
    }
}

/// What the store holds, as bytes and as the reader commands print it.
fn store_state(w: &World) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let jsonl = std::fs::read(w.repo.join(".devtrace/events.jsonl")).unwrap();
    let log = w
        .devtrace(&["log", "--json", "-n", "100000"], &w.repo)
        .stdout;
    let sessions = w.devtrace(&["sessions", "--json"], &w.repo).stdout;
    (jsonl, log, sessions)
}

#[test]
fn ui_no_method_but_get_changes_anything() {
    let w = recorded();
    let s = Server::start(&w, &[]);
    let before = store_state(&w);
    let session = s.json("/api/sessions")["sessions"][0]["session"]
        .as_str()
        .unwrap()
        .to_owned();
    let events = s.json(&format!("/api/events?session={session}"));
    let some_id = events["events"][1]["id"].as_str().unwrap().to_owned();
    let mut paths: Vec<String> = ROUTES.iter().map(|p| p.to_string()).collect();
    paths.push(format!("/api/event?id={some_id}"));
    paths.push(format!("/api/diff?id={some_id}"));
    paths.push("/api/forget".into());
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        for path in &paths {
            let with_token = format!(
                "{path}{}token={}",
                if path.contains('?') { "&" } else { "?" },
                s.token
            );
            let r = request(
                s.port,
                method,
                &with_token,
                &[("Host", &s.host()), ("Cookie", &s.cookie())],
            );
            assert_eq!(r.status, 405, "{method} {path}: {}", r.body);
        }
    }
    // Reading everything changes nothing either.
    for path in &paths {
        s.get(path);
    }
    assert!(before == store_state(&w), "the store changed");
    // A HEAD is a read.
    let r = request(
        s.port,
        "HEAD",
        "/api/sessions",
        &[("Host", &s.host()), ("Cookie", &s.cookie())],
    );
    assert_eq!(r.status, 200);
}

#[test]
fn ui_sessions_have_the_numbers_sessions_prints() {
    let w = recorded();
    let s = Server::start(&w, &[]);
    let cli = parse_lines(&w.devtrace(&["sessions", "--json"], &w.repo).stdout);
    let web = s.json("/api/sessions")["sessions"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(web.len(), cli.len());
    for row in &cli {
        let same = web
            .iter()
            .find(|r| r["session"] == row["session"])
            .expect("session missing");
        for k in [
            "commands",
            "failures",
            "shell",
            "agent",
            "started_at",
            "cwd",
        ] {
            assert_eq!(same[k], row[k], "{k}");
        }
    }
    assert_eq!(cli[0]["failures"], 1);
    // The search index finds the session by its commands' words.
    let found = s.json("/api/search?q=secret-free");
    assert_eq!(
        found["sessions"][cli[0]["session"].as_str().unwrap()],
        1,
        "{found}"
    );
    let none = s.json("/api/search?q=nothingmatches");
    assert_eq!(none["sessions"], serde_json::json!({}));
}

#[test]
fn ui_pages_a_long_session() {
    let w = World::initialised();
    let repo = w.repo.to_str().unwrap();
    let out = w.devtrace(
        &[
            "bench-fill",
            "--dir",
            repo,
            "--events",
            "1200",
            "--sessions",
            "1",
        ],
        &w.repo,
    );
    assert!(out.status.success(), "{out:?}");
    let s = Server::start(&w, &[]);
    let first = s.json("/api/events?session=latest");
    let evs = first["events"].as_array().unwrap();
    assert_eq!(evs.len(), 500);
    assert_eq!(
        (first["more"].as_bool(), first["total"].as_u64()),
        (Some(true), Some(1200))
    );
    let seqs: Vec<u64> = evs.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=500).collect::<Vec<u64>>());
    let mut after = first["after"].as_u64().unwrap();
    let mut seen = 500;
    loop {
        let next = s.json(&format!("/api/events?session=latest&after={after}"));
        let evs = next["events"].as_array().unwrap();
        assert_eq!(evs[0]["seq"].as_u64().unwrap(), after + 1);
        seen += evs.len();
        after = next["after"].as_u64().unwrap();
        if next["more"] == false {
            break;
        }
    }
    assert_eq!(seen, 1200);
}

#[test]
fn ui_bad_arguments_are_one_line_errors() {
    let w = recorded();
    let s = Server::start(&w, &[]);
    // The port it holds is taken.
    let out = w.devtrace(&["ui", "--no-open", "--port", &s.port.to_string()], &w.repo);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("devtrace: cannot listen on 127.0.0.1:"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // Outside every store (the home has the global one).
    let out = w.devtrace(&["ui", "--no-open"], &w.run);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no DevTrace store"));
    let out = w.devtrace(&["ui", "--port", "x"], &w.repo);
    assert_eq!(out.status.code(), Some(2));
    // A missing session, event or file is a 404 with why.
    let r = s.get("/api/events?session=ZZZZ");
    assert_eq!(r.status, 404);
    assert!(r.body.contains("no session matches"), "{}", r.body);
    let r = s.get("/api/file?path=../etc/passwd");
    assert_eq!(r.status, 404);
    let r = s.get("/api/file?path=.devtrace/events.jsonl");
    assert_eq!(r.status, 404);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert!(v["error"]
        .as_str()
        .unwrap()
        .contains("DevTrace's or git's own"));
}
