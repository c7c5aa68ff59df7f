//! `devtrace ui`: the server as a browser's HTTP client meets it (raw
//! requests over TCP: the token, the Host header, loopback only, nothing
//! but reading), and the page in headless Chromium driven by Playwright
//! (installed by scripts/test.sh into target/test-deps/).

mod browser;
mod http;

use crate::support::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

/// A running `devtrace ui --no-open`, stopped when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub port: u16,
    pub token: String,
}

impl Server {
    /// Starts the server in the world's repository; waits for its URL (the
    /// first line of its output).
    pub fn start(w: &World, extra: &[&str]) -> Server {
        let mut child = w
            .cmd_in(BIN, &w.repo)
            .args(["ui", "--no-open"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().to_owned();
        let rest = url
            .strip_prefix("http://127.0.0.1:")
            .unwrap_or_else(|| panic!("the first line is not the URL: {url:?}"));
        let (port, token) = rest.split_once("/?token=").unwrap();
        Server {
            port: port.parse().unwrap(),
            token: token.to_owned(),
            url: url.clone(),
            child,
        }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn cookie(&self) -> String {
        format!("devtrace_ui_{}={}", self.port, self.token)
    }

    /// `GET path` with the token's cookie and the right Host.
    pub fn get(&self, path: &str) -> Reply {
        request(
            self.port,
            "GET",
            path,
            &[("Host", &self.host()), ("Cookie", &self.cookie())],
        )
    }

    /// A JSON answer of `GET path`, which must be 200.
    pub fn json(&self, path: &str) -> serde_json::Value {
        let r = self.get(path);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        serde_json::from_str(&r.body).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// One HTTP/1.1 request with exactly these headers (and Connection: close).
pub fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("Connection: close\r\nContent-Length: 0\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer to {method} {path}: {text:?}"));
    Reply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// `devtrace exec -- ARGS` in the repository, as a person.
pub fn exec(w: &World, args: &[&str]) {
    let out = w
        .cmd_in(BIN, &w.repo)
        .arg("exec")
        .arg("--")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some(),
        "exec {args:?} did not run: {out:?}"
    );
}
