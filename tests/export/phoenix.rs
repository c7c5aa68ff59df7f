//! Arize Phoenix (from PyPI, offline on loopback) as the receiver: a shell
//! session and an agent session exported, read back through Phoenix's REST
//! API, compared with what the receiver of otlp.rs decoded: hierarchy,
//! times, statuses, kinds. Phoenix takes half a minute to start: this is
//! the suite's one test that starts it.

use super::*;
use std::collections::HashMap;

fn phoenix_bin() -> PathBuf {
    let p = std::env::var_os("DEVTRACE_TEST_PHOENIX")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-deps/phoenix-venv/bin/phoenix")
        });
    assert!(
        p.is_file(),
        "Arize Phoenix is missing at {}; run ./scripts/test.sh (it installs arize-phoenix there) or set DEVTRACE_TEST_PHOENIX",
        p.display()
    );
    p
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Phoenix {
    child: Child,
    port: u16,
}

impl Drop for Phoenix {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP GET through curl-free std: Phoenix answers with a length.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n"
    )
    .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    let (head, body) = buf.split_once("\r\n\r\n")?;
    let code = head.split(' ').nth(1)?.parse().ok()?;
    Some((code, body.to_owned()))
}

fn start(dir: &Path) -> Phoenix {
    let port = free_port();
    let work = dir.join("phoenix");
    std::fs::create_dir_all(&work).unwrap();
    let child = Command::new(phoenix_bin())
        .arg("serve")
        .env("PHOENIX_WORKING_DIR", &work)
        .env("PHOENIX_ALLOW_EXTERNAL_RESOURCES", "false")
        .env("PHOENIX_HOST", "127.0.0.1")
        .env("PHOENIX_PORT", port.to_string())
        .env("PHOENIX_GRPC_PORT", free_port().to_string())
        .env("PHOENIX_TELEMETRY_ENABLED", "false")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("phoenix.log")).unwrap())
        .stderr(std::fs::File::create(dir.join("phoenix.err")).unwrap())
        .spawn()
        .unwrap();
    let mut px = Phoenix { child, port };
    let deadline = Instant::now() + Duration::from_secs(300);
    while get(port, "/healthz").map(|r| r.0) != Some(200) {
        assert!(
            px.child.try_wait().unwrap().is_none(),
            "phoenix exited: {}",
            std::fs::read_to_string(dir.join("phoenix.err")).unwrap_or_default()
        );
        assert!(Instant::now() < deadline, "phoenix did not start in 300 s");
        std::thread::sleep(Duration::from_millis(250));
    }
    px
}

/// Phoenix's spans of a project, by span id.
fn spans(px: &Phoenix, want: usize) -> HashMap<String, Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some((200, body)) = get(px.port, "/v1/projects/devtrace/spans?limit=1000") {
            let v: Value = serde_json::from_str(&body).unwrap();
            let data = v["data"].as_array().unwrap();
            if data.len() >= want {
                return data
                    .iter()
                    .map(|s| {
                        (
                            s["context"]["span_id"].as_str().unwrap().to_owned(),
                            s.clone(),
                        )
                    })
                    .collect();
            }
        }
        assert!(
            Instant::now() < deadline,
            "phoenix never listed {want} spans"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// RFC 3339 (any precision, any offset) as nanoseconds.
fn ns(v: &Value) -> i128 {
    let s = v.as_str().unwrap();
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .unwrap()
        .unix_timestamp_nanos()
}

#[test]
fn phoenix_shows_sessions_turns_and_tool_calls_as_sent() {
    let w = recorded_world();
    let px = start(w.tmp.path());
    let rx = Receiver::start(w.tmp.path(), &[]);
    assert!(export(&w, &["otlp", "--endpoint", &rx.url()])
        .status
        .success());
    let sent = rx.acknowledged();
    let out = export(
        &w,
        &[
            "otlp",
            "--endpoint",
            &format!("http://127.0.0.1:{}", px.port),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let got = spans(&px, sent.len());
    assert_eq!(got.len(), sent.len());
    for s in &sent {
        let id = s["span_id"].as_str().unwrap();
        let p = &got[id];
        let what = format!("{} {p:#}", s["name"]);
        assert_eq!(p["name"], s["name"], "{what}");
        assert_eq!(p["context"]["trace_id"], s["trace_id"], "{what}");
        let parent = s["parent"].as_str().unwrap();
        assert_eq!(p["parent_id"].as_str().unwrap_or(""), parent, "{what}");
        assert_eq!(
            p["span_kind"].as_str().unwrap(),
            s["attrs"]["openinference.span.kind"][1].as_str().unwrap(),
            "{what}"
        );
        let status = if s["status"]["code"] == 2 {
            "ERROR"
        } else {
            "OK"
        };
        assert_eq!(p["status_code"], status, "{what}");
        // Phoenix keeps microseconds.
        assert_eq!(
            ns(&p["start_time"]) / 1000,
            s["start"].as_i64().unwrap() as i128 / 1000,
            "{what}"
        );
        assert_eq!(
            ns(&p["end_time"]) / 1000,
            s["end"].as_i64().unwrap() as i128 / 1000,
            "{what}"
        );
        assert_eq!(
            p["events"].as_array().map_or(0, Vec::len),
            s["events"].as_array().unwrap().len(),
            "{what}"
        );
    }
    // The sessions, as Phoenix groups them.
    let sessions: std::collections::BTreeSet<&str> = got
        .values()
        .filter_map(|p| p["attributes"]["session.id"].as_str())
        .collect();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    a_re_sent_root_keeps_its_first_copy(&w, &px, got.len());
}

/// A session exported while open, then again after its end: Phoenix
/// stores a span id once and ignores later copies (its span insert is ON
/// CONFLICT DO NOTHING), so the root keeps the early copy's times while
/// the calls nest in it; the README says so.
fn a_re_sent_root_keeps_its_first_copy(w: &World, px: &Phoenix, before: usize) {
    let url = format!("http://127.0.0.1:{}", px.port);
    let sid = "3c4d5e6f-phoenix-open";
    claude_hook(w, sid, "SessionStart", json!({"source": "startup"}));
    claude_hook(w, sid, "UserPromptSubmit", json!({"prompt": "open turn"}));
    tool_call(w, sid, "toolu_px", "ls", true);
    w.wait_events(&w.repo, &["--type", "tool_call"], 4);
    assert!(export(w, &["otlp", "--endpoint", &url]).status.success());
    let open = spans(px, before + 3);
    assert_eq!(open.len(), before + 3);
    claude_hook(w, sid, "SessionEnd", json!({"reason": "other"}));
    w.ended_session(&w.repo);
    let rx = Receiver::start(w.tmp.path(), &[]);
    assert!(export(w, &["otlp", "--endpoint", &rx.url()])
        .status
        .success());
    assert!(export(w, &["otlp", "--endpoint", &url]).status.success());
    // A later marker: a session of one command (its root and the
    // command), sent after the re-sent root; once Phoenix lists it, it has
    // handled the copies before it.
    let commands = w.wait_events(&w.repo, &["--type", "run_command"], 1).len();
    let out = w
        .cmd_in(BIN, &w.repo)
        .args(["exec", "--", "true"])
        .env_remove("DEVTRACE_SESSION")
        .output()
        .unwrap();
    assert!(out.status.success());
    w.wait_events(&w.repo, &["--type", "run_command"], commands + 1);
    assert!(export(w, &["otlp", "--endpoint", &url]).status.success());
    let after = spans(px, open.len() + 2);
    assert_eq!(after.len(), open.len() + 2, "no span id twice");

    let whole = rx.acknowledged();
    let tool = whole
        .iter()
        .find(|s| s["attrs"]["gen_ai.tool.call.id"][1] == "toolu_px")
        .unwrap();
    let parent = |s: &Value| {
        whole
            .iter()
            .find(|p| p["span_id"] == s["parent"])
            .unwrap()
            .clone()
    };
    let root = parent(&parent(tool));
    assert_eq!(root["name"], "session claude-code");
    assert!(root["end"].as_u64() > root["start"].as_u64());
    let root_id = root["span_id"].as_str().unwrap();
    let kept = &after[root_id];
    assert_eq!(
        ns(&kept["end_time"]),
        ns(&kept["start_time"]),
        "Phoenix kept the early copy: {kept:#}"
    );
    let turn = &after[after[tool["span_id"].as_str().unwrap()]["parent_id"]
        .as_str()
        .unwrap()];
    assert_eq!(
        turn["parent_id"], root_id,
        "the call nests in turn and session"
    );
}
