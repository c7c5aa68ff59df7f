//! Exactly once per endpoint: retries on 503 and 429 (Retry-After), a
//! bounded one-shot that sends the rest next time, a killed export, a
//! receiver that goes away, `--follow`, and `export status`.

use super::*;
use std::collections::BTreeSet;

/// Runs `n` commands through `devtrace exec` (each a session of its own)
/// and waits until they are stored.
fn commands_run(w: &World, n: usize) {
    let before = w.wait_events(&w.repo, &["--type", "run_command"], 0).len();
    for i in 0..n {
        let out = w
            .cmd_in(BIN, &w.repo)
            .args([
                "exec",
                "--agent",
                "bot",
                "--",
                "sh",
                "-c",
                &format!("exit {}", i % 2),
            ])
            .env_remove("DEVTRACE_SESSION")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some((i % 2) as i32));
    }
    w.wait_events(&w.repo, &["--type", "run_command"], before + n);
}

fn ids(spans: &[Value]) -> Vec<String> {
    spans
        .iter()
        .map(|s| s["span_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every span the store makes, from a fresh endpoint.
fn all_spans(w: &World) -> BTreeSet<String> {
    let rx = Receiver::start(w.tmp.path(), &[]);
    let out = export(w, &["otlp", "--endpoint", &rx.url()]);
    assert!(out.status.success(), "{out:?}");
    ids(&rx.acknowledged()).into_iter().collect()
}

/// Whether a span is the early copy of a session or turn that was still
/// open when it was sent (no time yet; sent again whole when it closes).
fn early_copy(s: &Value, acked: &[Value]) -> bool {
    s["start"] == s["end"]
        && acked
            .iter()
            .any(|t| t["span_id"] == s["span_id"] && t["end"].as_u64() > s["end"].as_u64())
}

/// Each span acknowledged exactly once (early copies of open sessions and
/// turns aside), and all of them.
fn exactly_once(acked: &[Value], all: &BTreeSet<String>) {
    let whole: Vec<Value> = acked
        .iter()
        .filter(|s| !early_copy(s, acked))
        .cloned()
        .collect();
    let got = ids(&whole);
    let unique: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(unique.len(), got.len(), "a span was acknowledged twice");
    assert_eq!(&unique, all, "spans missing or extra");
}

fn status(w: &World, rx: &Receiver) -> Value {
    let out = export(w, &["status", "--json"]);
    assert!(out.status.success(), "{out:?}");
    let url = format!("{}/v1/traces", rx.url());
    parse_lines(&out.stdout)
        .into_iter()
        .find(|r| r["endpoint"] == url.as_str())
        .unwrap()
}

#[test]
fn retries_503_and_429_honouring_retry_after() {
    let w = World::initialised();
    commands_run(&w, 2);
    let rx = Receiver::start(w.tmp.path(), &["503", "429:1", "200"]);
    let out = export(&w, &["otlp", "--endpoint", &rx.url(), "--timeout", "20"]);
    assert!(out.status.success(), "{out:?}");
    let r = rx.requests();
    assert_eq!(r.len(), 3, "{r:#?}");
    assert_eq!(r[0]["spans"], r[2]["spans"], "a retry sends the same spans");
    let gap = |a: usize, b: usize| r[b]["t"].as_f64().unwrap() - r[a]["t"].as_f64().unwrap();
    assert!(gap(0, 1) >= 0.2, "backoff after a 503: {}", gap(0, 1));
    assert!(gap(1, 2) >= 1.0, "Retry-After: 1 honoured: {}", gap(1, 2));
    let st = status(&w, &rx);
    assert_eq!(st["backlog"], 0);
    assert!(st["last_error"].is_null(), "{st}");
    assert_eq!(
        st["spans"].as_u64().unwrap() as usize,
        r[2]["spans"].as_array().unwrap().len()
    );
}

#[test]
fn a_one_shot_export_gives_up_in_bounded_time_and_sends_the_rest_next_time() {
    let w = World::initialised();
    commands_run(&w, 4);
    let all = all_spans(&w);
    let rx = Receiver::start(w.tmp.path(), &["200"]);
    rx.set_mode("503");
    let t0 = Instant::now();
    let out = export(
        &w,
        &[
            "otlp",
            "--endpoint",
            &rx.url(),
            "--batch",
            "3",
            "--timeout",
            "2",
        ],
    );
    let took = t0.elapsed();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(took < Duration::from_secs(6), "gave up after {took:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with(&format!(
            "devtrace: could not export to {}/v1/traces: 503",
            rx.url()
        )),
        "{err}"
    );
    assert!(lines[1].starts_with("hint: "), "{err}");
    let st = status(&w, &rx);
    assert!(
        st["last_error"].as_str().unwrap().starts_with("503"),
        "{st}"
    );
    assert!(st["backlog"].as_i64().unwrap() > 0, "{st}");
    // The cursor: the last event of the acknowledged batch; the backlog:
    // every event stored after it.
    let stored: Vec<String> = parse_lines(&export(&w, &["json"]).stdout)
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    let cursor = st["acknowledged"].as_str().unwrap();
    let at = stored.iter().position(|id| id == cursor).unwrap();
    assert_eq!(at, 2, "one batch of 3 acknowledged: {st}");
    assert_eq!(
        st["backlog"].as_u64().unwrap() as usize,
        stored.len() - at - 1
    );
    let human = String::from_utf8_lossy(&export(&w, &["status"]).stdout).into_owned();
    assert!(human.contains("last error 503"), "{human}");
    assert!(human.contains(&format!("cursor     {cursor}")), "{human}");

    rx.set_mode("200");
    let out = export(&w, &["otlp", "--endpoint", &rx.url(), "--batch", "3"]);
    assert!(out.status.success(), "{out:?}");
    exactly_once(&rx.acknowledged(), &all);
    assert_eq!(status(&w, &rx)["backlog"], 0);
}

#[test]
fn a_killed_export_resumes_without_resending_what_was_acknowledged() {
    let w = World::initialised();
    commands_run(&w, 5);
    let all = all_spans(&w);
    let rx = Receiver::start(w.tmp.path(), &["200", "200", "hang"]);
    let mut child = w
        .cmd_in(BIN, &w.repo)
        .args(["export", "otlp", "--endpoint", &rx.url(), "--batch", "2"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    rx.wait_requests(3, Duration::from_secs(20));
    child.kill().unwrap();
    child.wait().unwrap();
    let hung = ids(rx.requests()[2]["spans"].as_array().unwrap());
    let out = export(&w, &["otlp", "--endpoint", &rx.url(), "--batch", "2"]);
    assert!(out.status.success(), "{out:?}");
    let after = rx.requests();
    assert_eq!(
        ids(after[3]["spans"].as_array().unwrap()),
        hung,
        "the unacknowledged batch first"
    );
    exactly_once(&rx.acknowledged(), &all);
}

#[test]
fn a_receiver_that_goes_away_mid_batch() {
    let w = World::initialised();
    commands_run(&w, 4);
    let all = all_spans(&w);
    // It closes the connection without an answer: the batch is sent again.
    let rx = Receiver::start(w.tmp.path(), &["200", "drop"]);
    let out = export(&w, &["otlp", "--endpoint", &rx.url(), "--batch", "3"]);
    assert!(out.status.success(), "{out:?}");
    let r = rx.requests();
    assert_eq!(r[1]["answer"], "drop");
    assert_eq!(r[1]["spans"], r[2]["spans"]);
    exactly_once(&rx.acknowledged(), &all);

    // It dies mid-batch: the export gives up; restarted, it gets the rest.
    let mut gone = Receiver::start(w.tmp.path(), &["200", "exit"]);
    let port = gone.port;
    let out = export(
        &w,
        &[
            "otlp",
            "--endpoint",
            &gone.url(),
            "--batch",
            "3",
            "--timeout",
            "2",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let first = gone.acknowledged();
    gone.kill();
    let back = Receiver::on_port(w.tmp.path(), &[], port);
    let out = export(&w, &["otlp", "--endpoint", &back.url(), "--batch", "3"]);
    assert!(out.status.success(), "{out:?}");
    let mut acked = first;
    acked.extend(back.acknowledged());
    exactly_once(&acked, &all);
}

#[test]
fn follow_sends_new_events_within_a_second() {
    let w = World::initialised();
    commands_run(&w, 1);
    let rx = Receiver::start(w.tmp.path(), &[]);
    let child = w
        .cmd_in(BIN, &w.repo)
        .args(["export", "otlp", "--follow", "--endpoint", &rx.url()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    rx.wait_requests(1, Duration::from_secs(10));
    for _ in 0..3 {
        let before = w.wait_events(&w.repo, &["--type", "run_command"], 0).len();
        let out = w
            .cmd_in(BIN, &w.repo)
            .args(["exec", "--", "true"])
            .env_remove("DEVTRACE_SESSION")
            .output()
            .unwrap();
        assert!(out.status.success());
        let evs = w.wait_events(&w.repo, &["--type", "run_command"], before + 1);
        let stored = Instant::now();
        let id = evs.last().unwrap()["id"].as_str().unwrap().to_owned();
        let deadline = stored + Duration::from_secs(5);
        loop {
            let sent = rx
                .acknowledged()
                .iter()
                .any(|s| s["attrs"]["devtrace.event.id"][1] == id.as_str());
            if sent {
                break;
            }
            assert!(Instant::now() < deadline, "{id} never sent");
            std::thread::sleep(Duration::from_millis(10));
        }
        let took = stored.elapsed();
        assert!(
            took < Duration::from_secs(1),
            "sent {took:?} after it was stored"
        );
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(status(&w, &rx)["backlog"], 0);
}

#[test]
fn follow_sends_an_open_session_and_turn_before_their_calls() {
    let w = World::initialised();
    let rx = Receiver::start(w.tmp.path(), &[]);
    let mut child = w
        .cmd_in(BIN, &w.repo)
        .args(["export", "otlp", "--follow", "--endpoint", &rx.url()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let sid = "7e8f9a0b-follow-open";
    claude_hook(&w, sid, "SessionStart", json!({"source": "startup"}));
    claude_hook(
        &w,
        sid,
        "UserPromptSubmit",
        json!({"prompt": "look around"}),
    );
    tool_call(&w, sid, "toolu_open", "ls", true);
    let deadline = Instant::now() + Duration::from_secs(10);
    let acked = loop {
        let acked = rx.acknowledged();
        if acked.iter().any(|s| s["name"] == "execute_tool Bash") {
            break acked;
        }
        assert!(Instant::now() < deadline, "the tool call never came");
        std::thread::sleep(Duration::from_millis(20));
    };
    // Each span's parent arrived no later than the span itself, while the
    // session and its turn are still open.
    let at = |id: &Value| acked.iter().position(|s| &s["span_id"] == id);
    let tool = acked
        .iter()
        .find(|s| s["name"] == "execute_tool Bash")
        .unwrap();
    let turn = &acked[at(&tool["parent"]).expect("the turn was sent")];
    assert_eq!(turn["name"], "invoke_agent claude-code");
    assert_eq!(sattr(turn, "input.value"), "look around");
    let root = &acked[at(&turn["parent"]).expect("the session was sent")];
    assert_eq!(root["name"], "session claude-code");
    assert_eq!(root["parent"], "");
    assert!(at(&root["span_id"]) < at(&turn["span_id"]));
    assert!(at(&turn["span_id"]) < at(&tool["span_id"]));
    assert!(attr(root, "devtrace.session.end_reason").is_null());

    // The end sends both again, whole, with the same ids.
    claude_hook(&w, sid, "SessionEnd", json!({"reason": "other"}));
    let deadline = Instant::now() + Duration::from_secs(10);
    let last = loop {
        let acked = rx.acknowledged();
        let roots: Vec<Value> = acked
            .iter()
            .filter(|s| s["span_id"] == root["span_id"])
            .cloned()
            .collect();
        if roots.len() == 2 {
            break acked;
        }
        assert!(Instant::now() < deadline, "the session's end never came");
        std::thread::sleep(Duration::from_millis(20));
    };
    let again =
        |id: &Value| -> Vec<&Value> { last.iter().filter(|s| &s["span_id"] == id).collect() };
    let roots = again(&root["span_id"]);
    assert_eq!(roots[1]["trace_id"], root["trace_id"]);
    assert_eq!(sattr(roots[1], "devtrace.session.end_reason"), "other");
    assert_eq!(roots[1]["start"], root["start"]);
    assert!(roots[1]["end"].as_u64() >= tool["end"].as_u64());
    let turns = again(&turn["span_id"]);
    assert_eq!(turns.len(), 2);
    assert!(turns[1]["end"].as_u64() >= tool["end"].as_u64());
    assert_eq!(again(&tool["span_id"]).len(), 1, "the call is sent once");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
