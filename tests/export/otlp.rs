//! `devtrace export otlp`: the spans as a real OTLP/HTTP receiver decodes
//! them: names, kinds, nesting, times, statuses, attribute names and types.

use super::*;
use std::collections::{BTreeSet, HashMap};

fn by_name<'a>(spans: &'a [Value], name: &str) -> Vec<&'a Value> {
    spans.iter().filter(|s| s["name"] == name).collect()
}

fn one<'a>(spans: &'a [Value], name: &str) -> &'a Value {
    let found = by_name(spans, name);
    assert_eq!(found.len(), 1, "spans named {name}: {spans:#?}");
    found[0]
}

const OK: i64 = 1;
const ERROR: i64 = 2;
const INTERNAL: i64 = 1;
const CLIENT: i64 = 3;

/// The shell session: a root span, a CLIENT span per command named by its
/// program, the exit status as an int, ERROR iff it is not 0, the file a
/// command wrote as its span event, the note on the root.
fn check_shell(spans: &[Value], events: &[Value]) {
    let root = one(spans, "session bash");
    let sid = events
        .iter()
        .find(|e| e["data"]["shell"] == "bash")
        .unwrap()["session"]
        .as_str()
        .unwrap();
    assert_eq!(root["parent"], "");
    assert_eq!(sattr(root, "session.id"), sid);
    assert_eq!(sattr(root, "langfuse.session.id"), sid);
    assert_eq!(sattr(root, "openinference.span.kind"), "CHAIN");
    assert!(!sattr(root, "host.name").is_empty() && !sattr(root, "user.name").is_empty());
    let note = root["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "devtrace.note");
    assert_eq!(
        note.unwrap()["attrs"]["devtrace.note.text"][1],
        "why: to show a note"
    );
    let commands: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "run_command" && e["session"] == sid)
        .collect();
    for (name, code) in [("true", 0), ("ls", 2), ("echo", 0)] {
        let span = one(spans, name);
        let ev = commands
            .iter()
            .find(|e| e["data"]["command"].as_str().unwrap().split(' ').next() == Some(name))
            .unwrap();
        assert_eq!(span["trace_id"], root["trace_id"]);
        assert_eq!(span["parent"], root["span_id"], "{name}");
        assert_eq!(span["kind"], CLIENT);
        assert_eq!(sattr(span, "process.executable.name"), name);
        // Redacted with the pattern added after it was recorded.
        let line = ev["data"]["command"]
            .as_str()
            .unwrap()
            .replace("no-such-dir-here", "[REDACTED:custom]");
        assert_eq!(sattr(span, "process.command_line"), line);
        assert_eq!(sattr(span, "process.working_directory"), ev["cwd"]);
        assert_eq!(attr(span, "process.exit.code"), &json!(["int_value", code]));
        // The shell that ran it, as its session recorded it.
        let shell = events
            .iter()
            .find(|e| e["type"] == "session_start" && e["session"] == sid)
            .unwrap()["data"]["shell_pid"]
            .as_i64()
            .unwrap();
        assert_eq!(
            attr(span, "process.parent_pid"),
            &json!(["int_value", shell])
        );
        let started = time_ns(&ev["data"]["started_at"]);
        assert_eq!(
            span["start"].as_u64().unwrap(),
            started,
            "{name}: start as recorded"
        );
        assert_eq!(
            span["end"].as_u64().unwrap(),
            time_ns(&ev["data"]["ended_at"])
        );
        if code == 0 {
            assert_eq!(span["status"]["code"], OK);
            assert!(span["attrs"].get("error.type").is_none());
        } else {
            assert_eq!(span["status"]["code"], ERROR);
            assert_eq!(sattr(span, "error.type"), code.to_string());
        }
    }
    let change = &one(spans, "echo")["events"][0];
    assert_eq!(change["name"], "devtrace.file_change");
    assert_eq!(change["attrs"]["file.path"][1], "made.txt");
    assert_eq!(change["attrs"]["devtrace.change"][1], "added");
}

/// RFC 3339 with microseconds, as nanoseconds since the epoch.
fn time_ns(v: &Value) -> u64 {
    let s = v.as_str().unwrap();
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap();
    t.unix_timestamp_nanos() as u64
}

/// The agent session: `invoke_agent` per prompt (the prompt its input),
/// `execute_tool` spans nested in their turn, the failed one an ERROR.
fn check_agent(spans: &[Value]) {
    let root = one(spans, "session claude-code");
    assert_eq!(sattr(root, "openinference.span.kind"), "AGENT");
    assert_eq!(sattr(root, "gen_ai.agent.name"), "claude-code");
    let turns = by_name(spans, "invoke_agent claude-code");
    assert_eq!(turns.len(), 2, "{spans:#?}");
    let first = turns
        .iter()
        .find(|t| attr(t, "input.value")[1] == "list the files")
        .unwrap();
    let second = turns
        .iter()
        .find(|t| attr(t, "input.value")[1] == "run the tests")
        .unwrap();
    for t in [first, second] {
        assert_eq!(t["parent"], root["span_id"]);
        assert_eq!(t["trace_id"], root["trace_id"]);
        assert_eq!(sattr(t, "gen_ai.operation.name"), "invoke_agent");
        assert_eq!(sattr(t, "openinference.span.kind"), "AGENT");
        assert_eq!(sattr(t, "langfuse.observation.type"), "agent");
    }
    let tools = by_name(spans, "execute_tool Bash");
    assert_eq!(tools.len(), 3);
    let ids: HashMap<&str, &Value> = tools
        .iter()
        .map(|t| (sattr(t, "gen_ai.tool.call.id"), *t))
        .collect();
    for (id, turn, ok) in [
        ("toolu_1", first, true),
        ("toolu_2", first, true),
        ("toolu_3", second, false),
    ] {
        let t = ids[id];
        assert_eq!(t["parent"], turn["span_id"], "{id} nests in its turn");
        assert_eq!(t["kind"], INTERNAL);
        assert_eq!(sattr(t, "gen_ai.operation.name"), "execute_tool");
        assert_eq!(sattr(t, "gen_ai.tool.name"), "Bash");
        assert_eq!(sattr(t, "openinference.span.kind"), "TOOL");
        let args: Value = serde_json::from_str(sattr(t, "gen_ai.tool.call.arguments")).unwrap();
        assert!(args["command"].is_string());
        assert_eq!(
            sattr(t, "input.value"),
            sattr(t, "gen_ai.tool.call.arguments")
        );
        assert_eq!(t["status"]["code"], if ok { OK } else { ERROR }, "{id}");
        assert!(t["start"].as_u64() <= t["end"].as_u64());
        assert!(
            turn["start"].as_u64() <= t["start"].as_u64(),
            "{id} starts in its turn"
        );
        assert!(
            t["end"].as_u64() <= turn["end"].as_u64(),
            "{id} ends in its turn"
        );
    }
    assert!(attr(tools[0], "mcp.session.id").is_null());
}

#[test]
fn spans_follow_the_conventions_and_keep_their_ids() {
    let w = recorded_world();
    let events = parse_lines(
        &w.devtrace(&["log", "--json", "-n", "100000"], &w.repo)
            .stdout,
    );
    // A pattern added after recording still applies to what leaves.
    std::fs::write(
        w.repo.join(".devtrace/config.toml"),
        "[redact]\npatterns = ['no-such-dir-here']\n",
    )
    .unwrap();
    let rx = Receiver::start(w.tmp.path(), &[]);
    let mut c = w.cmd_in(BIN, &w.repo);
    c.args(["export", "otlp", "--header", "X-Extra=1"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", rx.url())
        .env(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "Authorization=Basic%20dXNlcjpwdw==,X-Extra=0",
        );
    let out = c.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let reqs = rx.requests();
    assert_eq!(reqs[0]["path"], "/v1/traces");
    assert_eq!(reqs[0]["content_type"], "application/x-protobuf");
    assert_eq!(reqs[0]["headers"]["authorization"], "Basic dXNlcjpwdw==");
    assert_eq!(
        reqs[0]["headers"]["x-extra"], "1",
        "--header wins over the variable"
    );
    assert_eq!(
        reqs[0]["resource"]["service.name"],
        json!(["string_value", "devtrace"])
    );
    let spans = rx.acknowledged();
    assert!(!serde_json::to_string(&spans)
        .unwrap()
        .contains("no-such-dir-here"));
    check_shell(&spans, &events);
    check_agent(&spans);
    // Every span once.
    let ids: BTreeSet<&str> = spans
        .iter()
        .map(|s| s["span_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), spans.len());

    // Again to the same endpoint: nothing new to send.
    let out = c.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(rx.requests().len(), reqs.len());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("0 events"),
        "{out:?}"
    );
    // To another endpoint: the same spans, the same ids.
    let rx2 = Receiver::start(w.tmp.path(), &[]);
    let out = export(&w, &["otlp", "--endpoint", &rx2.url()]);
    assert!(out.status.success(), "{out:?}");
    let again: BTreeSet<(String, String, String)> = rx2
        .acknowledged()
        .iter()
        .map(|s| {
            (
                s["trace_id"].to_string(),
                s["span_id"].to_string(),
                s["parent"].to_string(),
            )
        })
        .collect();
    let first: BTreeSet<(String, String, String)> = spans
        .iter()
        .map(|s| {
            (
                s["trace_id"].to_string(),
                s["span_id"].to_string(),
                s["parent"].to_string(),
            )
        })
        .collect();
    assert_eq!(again, first);
}

#[test]
fn export_otlp_refuses_bad_input() {
    let w = World::initialised();
    let out = w
        .cmd_in(BIN, &w.repo)
        .args(["export", "otlp"])
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("devtrace: no endpoint to export to\nhint: "),
        "{err}"
    );
    let out = export(&w, &["otlp", "--endpoint", "localhost:4318"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = export(
        &w,
        &[
            "otlp",
            "--endpoint",
            "http://127.0.0.1:9",
            "--header",
            "novalue",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    // A receiver that refuses (404): exit 1 at once, a clear line.
    let rx = Receiver::start(w.tmp.path(), &["404"]);
    w.devtrace(&["note", "something to send"], &w.repo);
    w.wait_events(&w.repo, &["--type", "note"], 1);
    let out = export(&w, &["otlp", "--endpoint", &rx.url()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refused the spans: 404"), "{err}");
}

#[test]
fn the_export_section_names_the_endpoints_and_the_types() {
    let w = World::initialised();
    for code in ["0", "3"] {
        let out = w
            .cmd_in(BIN, &w.repo)
            .args([
                "exec",
                "--agent",
                "bot",
                "--",
                "sh",
                "-c",
                &format!("exit {code}"),
            ])
            .env_remove("DEVTRACE_SESSION")
            .output()
            .unwrap();
        assert_eq!(out.status.code().unwrap().to_string(), code);
    }
    w.devtrace(&["note", "not a command"], &w.repo);
    w.wait_events(&w.repo, &["--type", "run_command"], 2);
    w.wait_events(&w.repo, &["--type", "note"], 1);
    // --since: nothing older leaves.
    let rx = Receiver::start(w.tmp.path(), &[]);
    let out = export(
        &w,
        &["otlp", "--endpoint", &rx.url(), "--since", "2099-01-01"],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(rx.requests().is_empty());
    let rx = Receiver::start(w.tmp.path(), &[]);
    let cfg = w.repo.join(".devtrace/config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[export]\nendpoints = [\"{}\"]\ntypes = [\"run_command\"]\n",
            rx.url()
        ),
    )
    .unwrap();
    let shown = parse_lines(&w.devtrace(&["config", "--json"], &w.repo).stdout);
    assert_eq!(shown[0]["export.endpoints"]["value"], json!([rx.url()]));
    assert_eq!(shown[0]["export.types"]["value"], json!(["run_command"]));
    let out = w
        .cmd_in(BIN, &w.repo)
        .args(["export", "otlp"])
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let spans = rx.acknowledged();
    let commands: Vec<&Value> = spans.iter().filter(|s| s["name"] == "sh").collect();
    assert_eq!(commands.len(), 2, "{spans:#?}");
    for s in &spans {
        let name = s["name"].as_str().unwrap();
        assert!(name == "sh" || name.starts_with("session "), "{name}");
        assert!(!s.to_string().contains("not a command"), "a note left: {s}");
    }

    // A type that does not exist: the file and line, exit 1.
    std::fs::write(&cfg, "[export]\n\ntypes = [\"commands\"]\n").unwrap();
    let out = export(&w, &["otlp", "--endpoint", &rx.url()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config.toml:3: unknown event type \"commands\""),
        "{err}"
    );
}

#[test]
fn a_one_shot_export_gives_up_after_30_seconds_unless_told() {
    // The delivery tests run the give-up with a short --timeout; the
    // default is what a user who gives none gets.
    let w = World::new();
    let out = w.devtrace(&["export", "otlp", "--help"], &w.repo);
    let help = String::from_utf8_lossy(&out.stdout);
    let line = help
        .lines()
        .skip_while(|l| !l.contains("--timeout <SECS>"))
        .take(4)
        .collect::<String>();
    assert!(line.contains("[default: 30]"), "{help}");
}
