//! `devtrace mcp serve` through the Python MCP SDK: the handshake and the
//! 2026-07-28 discovery, the tools' schemas, each tool on a recorded store,
//! bad arguments as tool errors, and nothing but JSON-RPC on stdout.

use super::drive;
use crate::support::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// `devtrace agent hook claude-code` with one payload of session `5e55-mcp`.
fn hook(w: &World, event: &str, extra: Value) {
    let v = json!({
        "session_id": "5e55-mcp", "cwd": w.repo.to_string_lossy(), "hook_event_name": event,
    });
    let out = claude_hook_output(w, with_fields(v, &extra));
    assert!(out.status.success(), "{out:?}");
}

/// Claude's tool call `id` of `tool` with `input`, doing `work` in between.
fn tool_call(w: &World, id: &str, tool: &str, input: Value, work: &dyn Fn(), failed: bool) {
    let call = json!({"tool_name": tool, "tool_use_id": id, "tool_input": input});
    hook(w, "PreToolUse", call.clone());
    work();
    let mut end = call;
    end["error"] = json!("Exit code 101");
    hook(
        w,
        if failed {
            "PostToolUseFailure"
        } else {
            "PostToolUse"
        },
        end,
    );
    std::thread::sleep(Duration::from_millis(50));
}

/// `devtrace exec -- ARGS` as a person.
fn exec(w: &World, args: &[&str]) {
    let out = w
        .cmd_in(BIN, &w.repo)
        .arg("exec")
        .arg("--")
        .args(args)
        .env_remove("DEVTRACE_SESSION")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    std::thread::sleep(Duration::from_millis(50));
}

/// An agent's session (a prompt, a Write, a failing `cargo test`) and a
/// person's commands: a sed on the agent's file, a big file, a secret.
fn record(w: &World) {
    let app = w.repo.join("app.rs");
    hook(w, "SessionStart", json!({}));
    hook(w, "UserPromptSubmit", json!({"prompt": "add the tax rate"}));
    let file = app.to_string_lossy().into_owned();
    tool_call(
        w,
        "t1",
        "Write",
        json!({"file_path": file}),
        &|| std::fs::write(&app, "fn a() {}\nfn b() {}\nfn c() {}\n").unwrap(),
        false,
    );
    let cargo = json!({"command": "cargo test", "description": "Run the test suite"});
    tool_call(w, "t2", "Bash", cargo, &|| {}, true);
    hook(w, "SessionEnd", json!({"reason": "exit"}));
    // Each change stored before the next command: these tests are about
    // what the server answers, not about commands run at once (see
    // tests/attribution.rs), so each command's change is its own.
    let edits = |n| w.wait_events(&w.repo, &["--type", "edit_files"], n);
    edits(1);
    exec(w, &["sed", "-i", "2s/.*/fn b2() {}/", "app.rs"]);
    edits(2);
    exec(w, &["sh", "-c", "seq 1 3000 > numbers.txt"]);
    edits(3);
    exec(w, &["sh", "-c", "echo corp-4242 > token.txt"]);
}

/// Waits until the three commands and their three edits are stored, and
/// the agent's caused edit; returns every event.
fn wait_recorded(w: &World) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let evs = parse_lines(&w.devtrace(&["log", "--json", "-n", "1000"], &w.repo).stdout);
        let caused = evs
            .iter()
            .filter(|e| e["type"] == "edit_files" && e["data"]["cause"].is_string())
            .count();
        if commands(&evs).len() >= 3 && caused >= 4 {
            return evs;
        }
        assert!(Instant::now() < deadline, "{evs:#?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The id of the run_command whose text starts with `text`.
fn command_id(evs: &[Value], text: &str) -> String {
    commands(evs)
        .into_iter()
        .find(|e| e["data"]["command"].as_str().unwrap().starts_with(text))
        .unwrap_or_else(|| panic!("no command {text}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The calls both clients make: good ones, then bad ones.
fn calls(evs: &[Value]) -> Value {
    let agent = evs.iter().find(|e| e["agent"] == "claude-code").unwrap()["session"].clone();
    json!([
        ["list_sessions", {}],
        ["list_sessions", {"limit": 1}],
        ["list_sessions", {"limit": 1, "cursor": "$1.next_cursor"}],
        ["list_events", {"session": agent, "limit": 2}],
        ["list_events", {"session": agent, "limit": 2, "after_seq": "$3.next_after_seq"}],
        ["list_events", {"session": agent, "types": ["prompt"]}],
        ["get_diff", {"event": command_id(evs, "sed")}],
        ["get_diff", {"event": command_id(evs, "sh -c 'seq"), "max_bytes": 1000}],
        ["search_commands", {"query": "cargo test"}],
        ["search_commands", {"query": "sed", "agent": "person"}],
        ["search_commands", {"query": "corp"}],
        ["explain", {"path": "app.rs", "line": 1}],
        ["explain", {"path": "app.rs", "line": 2}],
        // Bad arguments: tool errors that say what was wrong.
        ["list_sessions", {"limit": "x"}],
        ["list_sessions", {"bogus": 1}],
        ["get_diff", {}],
        ["explain", {"path": "../../etc/passwd"}],
        ["list_events", {"session": "ZZZZ"}],
        ["list_events", {"session": agent, "types": ["nope"]}],
    ])
}

fn structured(r: &Value) -> &Value {
    assert_eq!(r["is_error"], false, "{r:#}");
    assert_eq!(r["text_is_structured"], true, "{r:#}");
    &r["structured"]
}

/// The sessions, their pages, and a session's events and their pages.
fn check_listings(r: &[Value]) {
    let all = structured(&r[0])["sessions"].as_array().unwrap().clone();
    assert_eq!(all.len(), 2, "{all:#?}"); // the agent's, the execs' (one parent)
    let p1 = structured(&r[1]);
    let p2 = structured(&r[2]);
    assert_eq!(p1["sessions"][0], all[0]);
    assert_eq!(p2["sessions"][0], all[1]);
    assert!(p1["next_cursor"].is_string());
    assert_eq!(p2["next_cursor"], Value::Null);
    let e1 = structured(&r[3]);
    let e2 = structured(&r[4]);
    let seqs = |p: &Value| -> Vec<u64> {
        p["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(seqs(e1), [1, 2]);
    assert_eq!(seqs(e2), [3, 4]);
    let prompts = structured(&r[5])["events"].as_array().unwrap().clone();
    assert_eq!(prompts.len(), 1);
    assert_eq!(prompts[0]["data"]["text"], "add the tax rate");
}

/// Diffs, cut with a marker; searches; explanations.
fn check_answers(r: &[Value]) {
    let d = structured(&r[6]);
    assert_eq!(
        d["files"],
        json!([{"path": "app.rs", "change": "modified", "from": null}])
    );
    assert!(
        d["diff"]
            .as_str()
            .unwrap()
            .contains("-fn b() {}\n+fn b2() {}\n"),
        "{d:#}"
    );
    let big = structured(&r[7]);
    assert_eq!(big["truncated"], true);
    assert!(big["diff"].as_str().unwrap().len() < 1200);
    assert!(big["diff"].as_str().unwrap().contains("diff cut here"));
    assert!(big["total_bytes"].as_u64().unwrap() > 10_000);
    let cargo = &structured(&r[8])["hits"][0];
    assert_eq!(cargo["command"], "cargo test");
    assert_eq!(cargo["exit_code"], 1);
    assert_eq!(cargo["who"], "claude-code");
    assert_eq!(cargo["intent"], "Run the test suite");
    let sed = &structured(&r[9])["hits"];
    assert_eq!(sed.as_array().unwrap().len(), 1);
    assert_eq!(sed[0]["who"], "person");
    assert_eq!(sed[0]["changed_files"], json!(["app.rs"]));
    // The user's pattern, set after recording, applies to what is served.
    let corp = &structured(&r[10])["hits"][0]["command"];
    assert_eq!(corp, "sh -c 'echo [REDACTED:custom] > token.txt'");
    let l1 = structured(&r[11]);
    assert_eq!(l1["certainty"], "exact");
    assert_eq!(l1["cause"]["data"]["tool"], "Write");
    assert_eq!(l1["prompt"], "add the tax rate");
    let l2 = structured(&r[12]);
    assert_eq!(l2["cause"]["type"], "run_command");
    assert_eq!(l2["prompt"], Value::Null);
}

fn check_bad_arguments(r: &[Value]) {
    let said = |i: usize, what: &str| {
        assert_eq!(r[i]["is_error"], true, "{:#}", r[i]);
        let text = r[i]["text"].as_str().unwrap();
        assert!(text.contains(what), "call {i}: {text}");
    };
    said(13, "limit: invalid type");
    said(14, "unknown field `bogus`");
    said(15, "give exactly one of: event, session, or from and to");
    said(16, "outside the repository");
    said(17, "no session matches 'ZZZZ'");
    said(18, "unknown event type 'nope'");
}

fn check_tools(report: &Value) {
    let tools = report["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "list_sessions",
            "list_events",
            "get_diff",
            "search_commands",
            "explain"
        ]
    );
    for t in tools {
        assert_eq!(t["annotations"]["readOnlyHint"], true, "{t:#}");
        assert_eq!(t["annotations"]["openWorldHint"], false, "{t:#}");
        assert_eq!(t["outputSchema"]["type"], "object", "{t:#}");
    }
}

#[test]
fn python_sdk_clients_of_both_generations_get_the_record() {
    let w = World::initialised();
    record(&w);
    let evs = wait_recorded(&w);
    std::fs::write(
        w.repo.join(".devtrace/config.toml"),
        "[redact]\npatterns = ['corp-[0-9]+']\n",
    )
    .unwrap();
    let calls = calls(&evs);
    let old = drive(&w, "serve_client.py", &["legacy"], &calls);
    assert_eq!(old["protocol_version"], "2025-11-25");
    assert_eq!(old["server_name"], "devtrace");
    assert!(old["instructions"]
        .as_str()
        .unwrap()
        .contains("search_commands"));
    check_tools(&old);
    let results = old["results"].as_array().unwrap();
    check_listings(results);
    check_answers(results);
    check_bad_arguments(results);
    // Sessions as resources.
    assert_eq!(old["resources"].as_array().unwrap().len(), 2);
    let read = &old["resource_read"]["contents"][0];
    assert!(read["uri"]
        .as_str()
        .unwrap()
        .starts_with("devtrace://session/"));
    let events: Value = serde_json::from_str(read["text"].as_str().unwrap()).unwrap();
    assert!(!events["events"].as_array().unwrap().is_empty());
    // The 2026-07-28 revision: discovery, no handshake; the same answers.
    let new = drive(&w, "serve_client.py", &["modern"], &calls);
    assert_eq!(new["protocol_version"], "2026-07-28");
    assert_eq!(new["tools"], old["tools"]);
    assert_eq!(new["results"], old["results"]);
}

/// The TypeScript SDK (its client validates structured results against the
/// output schemas) gets the same answers.
#[test]
fn typescript_sdk_client_gets_the_record() {
    let w = World::initialised();
    record(&w);
    let evs = wait_recorded(&w);
    let calls = calls(&evs);
    let py = drive(&w, "serve_client.py", &["legacy"], &calls);
    let ts = super::drive_node(&w, "ts_client.mjs", &calls);
    assert_eq!(ts["server"]["name"], "devtrace");
    assert!(ts["instructions"].as_str().unwrap().contains("explain"));
    let names: Vec<&Value> = py["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["name"])
        .collect();
    assert_eq!(
        ts["tools"].as_array().unwrap().iter().collect::<Vec<_>>(),
        names
    );
    for (i, (t, p)) in ts["results"]
        .as_array()
        .unwrap()
        .iter()
        .zip(py["results"].as_array().unwrap())
        .enumerate()
    {
        assert_eq!(t["is_error"], p["is_error"], "call {i}: {t:#}");
        assert_eq!(t["text"], p["text"], "call {i}");
        if p["is_error"] == false {
            assert_eq!(t["structured"], p["structured"], "call {i}");
        }
    }
}

/// Raw JSON-RPC in, including a line that is not JSON and bad arguments:
/// every line out is a JSON-RPC message, and the server keeps answering.
#[test]
fn serve_writes_nothing_but_json_rpc_and_survives_garbage() {
    let w = World::initialised();
    let mut child = w
        .cmd_in(BIN, &w.repo)
        .args(["mcp", "serve"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let lines = [
        json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}).to_string(),
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}).to_string(),
        "this is not json {".to_owned(),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_sessions","arguments":{"limit":-1}}}).to_string(),
        json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search_commands","arguments":{"query":"x"}}}).to_string(),
        json!({"jsonrpc":"2.0","id":4,"method":"tools/list"}).to_string(),
    ];
    for l in &lines {
        writeln!(stdin, "{l}").unwrap();
    }
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut seen = Vec::new();
    while seen.len() < 4 {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "server stopped: {seen:#?}"
        );
        let v: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not JSON on stdout ({e}): {line:?}"));
        assert_eq!(v["jsonrpc"], "2.0", "{v}");
        if let Some(id) = v["id"].as_u64() {
            seen.push((id, v));
        }
    }
    let ids: Vec<u64> = seen.iter().map(|(i, _)| *i).collect();
    assert_eq!(ids, [1, 2, 3, 4]);
    assert_eq!(seen[1].1["result"]["isError"], true, "{:#}", seen[1].1);
    assert_eq!(seen[2].1["result"]["structuredContent"]["hits"], json!([]));
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    for line in rest.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["jsonrpc"], "2.0");
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
