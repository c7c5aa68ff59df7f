//! `devtrace mcp proxy`: byte for byte in both directions (garbage, NULs,
//! Content-Length framing, a 50 MB message), the server's exit status, and,
//! between the Python SDK and server-everything, answers identical to a
//! direct connection, each tools/call recorded once, no secret on disk.

use crate::support::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A secret in the server's environment, which its `get-env` tool returns.
const SECRET: &str = "ghp_DevTraceProxyTest0123456789abcdefXYZ";

fn everything() -> PathBuf {
    npm_server("server-everything")
}

/// An MCP server from npm, installed by scripts/test.sh.
fn npm_server(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/test-deps/npm/node_modules/@modelcontextprotocol")
        .join(name)
        .join("dist/index.js");
    assert!(
        p.is_file(),
        "{name} is not installed at {}; run ./scripts/test.sh",
        p.display()
    );
    p
}

fn node() -> String {
    require("node");
    let out = std::process::Command::new("sh")
        .args(["-c", "command -v node"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// What a client writes: garbage, a NUL and invalid UTF-8, a framed
/// message, a 50 MB line, calls that are never answered.
fn client_bytes() -> Vec<u8> {
    let call = |id: u32| {
        json!({"jsonrpc":"2.0","id":id,"method":"tools/call","params":{"name":"t","arguments":{"n":id}}})
            .to_string()
    };
    let framed = call(2);
    let mut b = b"not json at all\r\n\x00\xff\xfe {\n".to_vec();
    b.extend_from_slice(format!("{}\n", call(1)).as_bytes());
    b.extend_from_slice(format!("Content-Length: {}\r\n\r\n{framed}", framed.len()).as_bytes());
    let big = "x".repeat(50 << 20);
    b.extend_from_slice(
        format!("{{\"jsonrpc\":\"2.0\",\"method\":\"big\",\"params\":\"{big}\"}}\n").as_bytes(),
    );
    b.extend_from_slice(format!("{}\n", call(3)).as_bytes());
    b
}

#[test]
fn proxy_relays_every_byte_both_ways_and_keeps_the_exit_status() {
    let w = World::initialised();
    let bytes = client_bytes();
    // Client to server: the server keeps what it reads.
    let got = w.tmp.path().join("got");
    let out = output_with_stdin(
        w.cmd_in(BIN, &w.repo)
            .args(["mcp", "proxy", "--name", "cat", "--", "sh", "-c"])
            .arg(format!("cat > '{}'", got.display())),
        &bytes,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert!(
        std::fs::read(&got).unwrap() == bytes,
        "the server did not get the client's bytes"
    );
    // Server to client, and a server that dies of a signal.
    std::fs::write(w.tmp.path().join("send"), &bytes).unwrap();
    let out = w
        .cmd_in(BIN, &w.repo)
        .args(["mcp", "proxy", "--", "sh", "-c"])
        .arg(format!(
            "cat '{}'; kill -SEGV $$",
            w.tmp.path().join("send").display()
        ))
        .stdin(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        out.stdout == bytes,
        "the client did not get the server's bytes"
    );
    assert_eq!(out.status.code(), Some(128 + 11));
    // An exit status, as it is.
    let out = w.devtrace(&["mcp", "proxy", "--", "sh", "-c", "exit 7"], &w.repo);
    assert_eq!(out.status.code(), Some(7));
    // The three calls the `cat` server never answered are recorded as such.
    // (The second server sent them the other way: recorded apart, as "sh".)
    let calls: Vec<Value> = w
        .wait_events(&w.repo, &["--type", "mcp_call"], 6)
        .into_iter()
        .filter(|e| e["data"]["server"] == "cat")
        .collect();
    let args: Vec<&Value> = calls.iter().map(|e| &e["data"]["arguments"]["n"]).collect();
    assert_eq!(args, [&json!(1), &json!(2), &json!(3)], "{calls:#?}");
    for c in &calls {
        assert_eq!(c["data"]["server"], "cat");
        assert_eq!(c["data"]["answered"], false, "{c:#}");
    }
}

/// Waits until the proxied session has ended; returns its mcp_call events.
fn recorded_calls(w: &World, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let evs = parse_lines(&w.devtrace(&["log", "--json", "-n", "1000"], &w.repo).stdout);
        let calls: Vec<Value> = evs
            .iter()
            .filter(|e| e["type"] == "mcp_call")
            .cloned()
            .collect();
        if calls.len() >= n && evs.iter().any(|e| e["type"] == "session_end") {
            return calls;
        }
        assert!(Instant::now() < deadline, "{evs:#?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn check_recorded(calls: &[Value], report: &Value) {
    // The client calls one after another: each call ends before the next
    // begins, so they are stored in the order made.
    let tools: Vec<&str> = calls
        .iter()
        .map(|c| c["data"]["tool"].as_str().unwrap())
        .collect();
    assert_eq!(
        tools,
        report["calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect::<Vec<_>>()
    );
    for c in calls {
        let d = &c["data"];
        assert_eq!(d["server"], "everything", "{c:#}");
        assert_eq!(d["protocol_version"], report["protocol_version"], "{c:#}");
        assert!(d["duration_ms"].is_u64(), "{c:#}");
        assert_ne!(d["answered"], false, "{c:#}");
    }
    assert_eq!(
        calls[0]["data"]["arguments"],
        json!({"message": "hello through the proxy"})
    );
    assert_eq!(calls[0]["data"]["is_error"], false);
    assert_eq!(
        calls[1]["data"]["result"]["content"],
        report["results"][1]["content"]
    );
    // The long-running operation: its time, from call to answer.
    assert!(calls[3]["data"]["duration_ms"].as_u64().unwrap() >= 300);
    let env = calls[5]["data"]["result"].to_string();
    assert!(env.contains("[REDACTED:github-token]"), "{env}");
    assert_eq!(calls[6]["data"]["is_error"], true, "{:#}", calls[6]);
}

#[test]
fn server_everything_through_the_proxy_answers_as_directly_and_is_recorded() {
    let w = World::initialised();
    let env = |c: &mut std::process::Command| {
        c.env("DEVTRACE_NODE", node())
            .env("DEVTRACE_EVERYTHING", everything())
            .env("DEVTRACE_TEST_GH_TOKEN", SECRET);
    };
    let direct = drive_with(&w, "direct", &env);
    let proxied = drive_with(&w, "proxy", &env);
    assert!(direct["tools"].as_array().unwrap().len() > 5);
    assert_eq!(proxied, direct);
    assert!(!direct["progress"].as_array().unwrap().is_empty());
    assert!(direct["results"][4].to_string().contains("sampled: 42"));
    assert!(direct["results"][5].to_string().contains(SECRET));
    let calls = recorded_calls(&w, 7);
    assert_eq!(calls.len(), 7, "{calls:#?}");
    check_recorded(&calls, &direct);
    // Not a trace of the secret on disk: the store, the runtime directory.
    let held = files_holding(&w.repo.join(".devtrace"), SECRET)
        .into_iter()
        .chain(files_holding(&w.run, SECRET))
        .collect::<Vec<_>>();
    assert!(held.is_empty(), "the secret is in {held:?}");
}

fn drive_with(w: &World, mode: &str, env: &dyn Fn(&mut std::process::Command)) -> Value {
    super::drive_env(w, "proxy_client.py", &[mode], &json!(null), env)
}

#[test]
fn server_filesystem_through_the_proxy_answers_as_directly_and_is_recorded() {
    let w = World::initialised();
    std::fs::write(w.repo.join("notes.txt"), "the notes\n").unwrap();
    let env = |c: &mut std::process::Command| {
        c.env("DEVTRACE_NODE", node())
            .env("DEVTRACE_FILESYSTEM", npm_server("server-filesystem"));
    };
    let drive = |mode: &str| {
        super::drive_env(
            &w,
            "proxy_client.py",
            &[mode, "filesystem"],
            &json!(null),
            &env,
        )
    };
    let direct = drive("direct");
    let proxied = drive("proxy");
    assert_eq!(proxied, direct);
    assert!(direct["results"][2].to_string().contains("the notes"));
    assert_eq!(
        direct["results"][3]["isError"], true,
        "{:#}",
        direct["results"][3]
    );
    let calls = recorded_calls(&w, 4);
    let tools: Vec<&str> = calls
        .iter()
        .map(|c| c["data"]["tool"].as_str().unwrap())
        .collect();
    assert_eq!(
        tools,
        [
            "list_allowed_directories",
            "list_directory",
            "read_text_file",
            "read_text_file"
        ]
    );
    for c in &calls {
        assert_eq!(c["data"]["server"], "filesystem", "{c:#}");
    }
    assert_eq!(calls[3]["data"]["is_error"], true, "{:#}", calls[3]);
    assert_eq!(calls[2]["data"]["is_error"], false, "{:#}", calls[2]);
}

/// The TypeScript SDK's client through the proxy: the same answers as
/// straight, each call recorded once.
#[test]
fn typescript_sdk_through_the_proxy_answers_as_directly() {
    let w = World::initialised();
    let server = [
        node(),
        everything().to_string_lossy().into_owned(),
        "stdio".into(),
    ];
    let mut proxied = vec![BIN.to_owned(), "mcp".into(), "proxy".into(), "--".into()];
    proxied.extend(server.iter().cloned());
    let calls = json!([
        ["echo", {"message": "from typescript"}],
        ["get-sum", {"a": 1, "b": 2}],
        ["get-sum", {"a": "x", "b": 2}],
    ]);
    let drive = |cmd: &[String]| {
        let cmd = serde_json::to_string(cmd).unwrap();
        super::drive_node_env(&w, "ts_client.mjs", &calls, &|c| {
            c.env("DEVTRACE_SERVER_CMD", &cmd);
        })
    };
    let direct = drive(&server);
    let through = drive(&proxied);
    assert_eq!(through["results"], direct["results"]);
    assert_eq!(through["tools"], direct["tools"]);
    assert!(direct["results"][1]["text"].as_str().unwrap().contains("3"));
    let recorded = recorded_calls(&w, 3);
    let tools: Vec<&str> = recorded
        .iter()
        .map(|c| c["data"]["tool"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["echo", "get-sum", "get-sum"]);
    let errors: Vec<&Value> = recorded.iter().map(|c| &c["data"]["is_error"]).collect();
    assert_eq!(errors, [false, false, true], "{recorded:#?}");
    assert!(recorded
        .iter()
        .all(|c| c["data"]["server"] == "server-everything"));
}

/// A server that answers at once and a client that calls again as soon as
/// it has its answer: the tightest race between the relay's two directions.
/// Every call is recorded answered, with its own result, in the order made.
#[test]
fn quick_answers_are_each_paired_with_their_call() {
    const N: usize = 300;
    let w = World::initialised();
    let server = "import sys, json\n\
        for line in sys.stdin:\n\
        \x20   m = json.loads(line)\n\
        \x20   r = {'jsonrpc': '2.0', 'id': m['id'], 'result': {'content': [{'type': 'text', 'text': 'r%d' % m['id']}]}}\n\
        \x20   sys.stdout.write(json.dumps(r) + '\\n'); sys.stdout.flush()\n";
    let client = format!(
        "import sys, json, subprocess\n\
         p = subprocess.Popen([sys.argv[1], 'mcp', 'proxy', '--name', 'quick', '--', 'python3', '-c', sys.argv[2]], stdin=subprocess.PIPE, stdout=subprocess.PIPE)\n\
         for i in range(1, {N} + 1):\n\
         \x20   q = {{'jsonrpc': '2.0', 'id': i, 'method': 'tools/call', 'params': {{'name': 'quick', 'arguments': {{'n': i}}}}}}\n\
         \x20   p.stdin.write((json.dumps(q) + '\\n').encode()); p.stdin.flush()\n\
         \x20   assert json.loads(p.stdout.readline())['id'] == i\n\
         p.stdin.close(); sys.exit(p.wait())\n"
    );
    let out = w
        .cmd_in("python3", &w.repo)
        .args(["-c", &client, BIN, server])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = recorded_calls(&w, N);
    assert_eq!(calls.len(), N);
    let unanswered: Vec<&Value> = calls
        .iter()
        .filter(|c| c["data"]["answered"] == false)
        .collect();
    assert!(unanswered.is_empty(), "{} unanswered", unanswered.len());
    for (i, c) in calls.iter().enumerate() {
        let n = i + 1;
        assert_eq!(c["data"]["arguments"]["n"], n, "{c:#}");
        let text = &c["data"]["result"]["content"][0]["text"];
        assert_eq!(text, &json!(format!("r{n}")), "{c:#}");
    }
}
