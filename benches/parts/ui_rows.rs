//! `devtrace ui` on a 10,000-event session: the server's time for
//! everything the session page's first screen loads (the page, its script
//! and styles, the stores, the first page of events), over raw HTTP.

use super::*;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;

/// One GET with the server's cookie; the body's length.
fn get(port: u16, cookie: &str, path: &str) -> usize {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    assert!(
        raw.starts_with(b"HTTP/1.1 200"),
        "{path}: {}",
        String::from_utf8_lossy(&raw[..raw.len().min(200)])
    );
    raw.len()
}

pub fn ui_rows(t: &mut Table, z: &Sizes) {
    let events = 10_000u64;
    let w = fill(events, 1);
    let mut child = w
        .cmd_in(BIN, &w.repo)
        .args(["ui", "--no-open"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let rest = url
        .trim()
        .strip_prefix("http://127.0.0.1:")
        .unwrap()
        .to_owned();
    let (port, token) = rest.split_once("/?token=").unwrap();
    let port: u16 = port.parse().unwrap();
    let cookie = format!("devtrace_ui_{port}={token}");
    let session = String::from_utf8_lossy(&w.devtrace(&["sessions", "--json"], &w.repo).stdout)
        .split("\"session\":\"")
        .nth(1)
        .map(|s| s[..26].to_owned())
        .unwrap();
    let first_screen = [
        "/".to_owned(),
        "/assets/app.js".into(),
        "/assets/app.css".into(),
        "/assets/highlight.css".into(),
        "/api/stores".into(),
        format!("/api/events?session={session}"),
    ];
    let n = if z.smoke { 5 } else { 50 };
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..n {
        let t0 = Instant::now();
        bytes = first_screen
            .iter()
            .map(|p| get(port, &cookie, p))
            .sum::<usize>();
        times.push(ms(t0.elapsed()));
    }
    let _ = child.kill();
    let _ = child.wait();
    let (med, p99) = stats(times);
    t.row(
        &format!(
            "ui: first screen of a {events}-event session (server, {} KB)",
            bytes / 1024
        ),
        format!("{med:.1} / {p99:.1} ms"),
        "< 200 ms",
        verdict(p99 < 200.0),
    );
}
