//! Who ran it: `devtrace exec` as agents' command wrapper (exact pass-through,
//! recorded with its file changes), agent names from the environment,
//! `devtrace shell --agent`, and the `--agent`/`--human` filters.

use crate::support::*;
use serde_json::Value;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `devtrace exec ARGS` from a `sh` that stays alive for a moment after it
/// (its pid is the session's owner), with `env` added.
fn exec_in(w: &World, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut c = w.cmd_in(BIN, &w.repo);
    c.arg("exec").args(args).stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.env_remove("DEVTRACE_SESSION");
    c.output().unwrap()
}

/// Waits until the store holds `n` run_command events; returns all events.
fn wait_commands(w: &World, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let out = w.devtrace(&["log", "--json", "-n", "1000"], &w.repo);
        let evs = parse_lines(&out.stdout);
        if commands(&evs).len() >= n {
            return evs;
        }
        assert!(
            Instant::now() < deadline,
            "only {} commands: {evs:#?}",
            commands(&evs).len()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn exec_passes_everything_through_and_records_the_command() {
    let w = World::initialised();
    // Exit statuses, as they are.
    for code in [0, 1, 130] {
        let out = exec_in(
            &w,
            &[],
            &["--agent", "bot", "--", "sh", "-c", &format!("exit {code}")],
        );
        assert_eq!(out.status.code(), Some(code), "exit {code}");
    }
    // Death by a signal looks the same to the caller.
    let out = exec_in(
        &w,
        &[],
        &["--agent", "bot", "--", "sh", "-c", "kill -TERM $$"],
    );
    assert_eq!(out.status.signal(), Some(15), "{:?}", out.status);
    // Arguments exactly as given; output, error and input untouched.
    let out = output_with_stdin(
        w.cmd_in(BIN, &w.repo)
            .args(["exec", "--agent", "bot", "--", "sh", "-c"])
            .arg("cat; printf '%s|' \"$@\"; echo oops >&2; echo x > made.txt")
            .args(["sh", "a b", "'q'", "--flag", ""])
            .env_remove("DEVTRACE_SESSION"),
        b"from stdin\n",
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "from stdin\na b|'q'|--flag||"
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "oops\n");
    // A missing command: the shells' 127, and a one-line error.
    let out = exec_in(&w, &[], &["--agent", "bot", "--", "no-such-command-here"]);
    assert_eq!(out.status.code(), Some(127));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no-such-command-here: command not found")
    );

    let evs = wait_commands(&w, 6);
    let cmds = commands(&evs);
    assert_eq!(cmds.len(), 6, "{evs:#?}");
    // One session for every command of one calling process and agent.
    let sessions: std::collections::BTreeSet<&str> = cmds
        .iter()
        .map(|c| c["session"].as_str().unwrap())
        .collect();
    assert_eq!(sessions.len(), 1, "{cmds:#?}");
    let codes: Vec<Value> = cmds
        .iter()
        .map(|c| c["data"]["exit_code"].clone())
        .collect();
    assert_eq!(codes, [0, 1, 130, 143, 0, 127].map(Value::from));
    for c in &cmds {
        assert_eq!(c["agent"], "bot");
        assert_eq!(c["data"]["shell"], "exec");
    }
    assert_eq!(cmds[0]["data"]["command"], "sh -c 'exit 0'");
    let made = cmds[4];
    assert_eq!(
        made["data"]["command"],
        "sh -c 'cat; printf '\\''%s|'\\'' \"$@\"; echo oops >&2; echo x > made.txt' sh 'a b' ''\\''q'\\''' --flag ''"
    );
    // Its file change is its own.
    let edit = evs
        .iter()
        .find(|e| e["type"] == "edit_files" && e["data"]["cause"] == made["id"])
        .unwrap_or_else(|| panic!("no edit_files for the command: {evs:#?}"));
    assert_eq!(edit["data"]["files"][0]["path"], "made.txt");
    assert_eq!(edit["data"]["files"][0]["change"], "added");
}

#[test]
fn agents_are_named_from_their_markers_and_filtered() {
    let w = World::initialised();
    assert!(exec_in(&w, &[("CLAUDECODE", "1")], &["--", "true"])
        .status
        .success());
    assert!(exec_in(&w, &[("GEMINI_CLI", "1")], &["--", "true"])
        .status
        .success());
    assert!(exec_in(&w, &[], &["--", "true"]).status.success());
    // A person in Cursor's terminal is a person.
    assert!(
        exec_in(&w, &[("CURSOR_TRACE_ID", "x")], &["--", "false"])
            .status
            .code()
            == Some(1)
    );
    let evs = wait_commands(&w, 4);
    let agents: Vec<Value> = commands(&evs).iter().map(|c| c["agent"].clone()).collect();
    assert_eq!(
        agents,
        [
            Value::from("claude-code"),
            Value::from("gemini-cli"),
            Value::Null,
            Value::Null
        ]
    );

    let count = |args: &[&str]| {
        let out = w.devtrace(args, &w.repo);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        parse_lines(&out.stdout).len()
    };
    assert_eq!(count(&["sessions", "--json", "--agent", "claude-code"]), 1);
    assert_eq!(count(&["sessions", "--json", "--agent", "*"]), 2);
    assert_eq!(count(&["sessions", "--json", "--human"]), 1);
    assert_eq!(
        count(&[
            "log",
            "--json",
            "--type",
            "run_command",
            "--agent",
            "gemini-cli"
        ]),
        1
    );
    assert_eq!(
        count(&["log", "--json", "--type", "run_command", "--human"]),
        2
    );
    let out = w.devtrace(&["sessions", "--agent", "x", "--human"], &w.repo);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn shell_with_an_agent_records_under_its_name() {
    require("bash");
    let w = World::initialised();
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    let bash = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v bash"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    sh.run(&format!(
        "SHELL={} devtrace shell --agent helper-bot",
        bash.trim()
    ));
    sh.run("echo from the agent shell");
    sh.run("exit");
    sh.run("echo back as a person");
    sh.exit();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let out = w.devtrace(
            &["log", "--json", "--type", "run_command", "-n", "100"],
            &w.repo,
        );
        let evs = parse_lines(&out.stdout);
        let by = |text: &str| {
            evs.iter()
                .find(|e| e["data"]["command"] == text)
                .map(|e| e["agent"].clone())
        };
        if let (Some(a), Some(p)) = (by("echo from the agent shell"), by("echo back as a person")) {
            assert_eq!(a, "helper-bot");
            assert_eq!(p, Value::Null);
            break;
        }
        assert!(Instant::now() < deadline, "{evs:#?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The ended agent session of one prompt that led to a tool call which
/// wrote a file, and a tool call that failed.
fn one_turn_session(w: &World) -> Vec<Value> {
    let evs = w.ended_session(&w.repo);
    let types: Vec<&str> = evs.iter().map(|e| e["type"].as_str().unwrap()).collect();
    let want = [
        "session_start",
        "prompt",
        "git_snapshot",
        "tool_call",
        "edit_files",
        "tool_call",
        "git_snapshot",
        "session_end",
    ];
    assert_eq!(types, want, "{evs:#?}");
    evs
}

/// Runs `devtrace agent hook claude-code` with one payload; it must print
/// nothing, succeed, and be quick.
fn hook(w: &World, payload: &Value) {
    hook_of(w, "claude-code", payload, "");
}

fn hook_of(w: &World, agent: &str, payload: &Value, stdout: &str) {
    let start = Instant::now();
    let out = output_with_stdin(
        w.cmd_in(BIN, &w.repo).args(["agent", "hook", agent]),
        payload.to_string().as_bytes(),
    );
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), stdout);
    assert!(out.stderr.is_empty(), "{out:?}");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

/// A Claude Code hook payload of session 9f1c… for `event`, with no extras.
fn claude_base(w: &World, event: &str) -> Value {
    let repo = w.repo.to_string_lossy().into_owned();
    serde_json::json!({
        "session_id": "9f1c2d3e-0000-4000-8000-00000000abcd",
        "transcript_path": "/home/u/.claude/projects/x/9f1c.jsonl",
        "cwd": repo,
        "hook_event_name": event,
    })
}

/// `claude_base(event)` with the fields of `extra` added.
fn claude_with(w: &World, event: &str, extra: Value) -> Value {
    let mut v = claude_base(w, event);
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

/// Claude's Write tool call that creates billing.rs, with its file written.
fn claude_write_call(w: &World) {
    let file = w.repo.join("billing.rs").to_string_lossy().into_owned();
    hook(
        w,
        &claude_with(
            w,
            "PreToolUse",
            serde_json::json!({
                "tool_name": "Write",
                "tool_use_id": "toolu_01",
                "tool_input": {"file_path": file, "content": "fn sum() {}\n".repeat(1000)},
            }),
        ),
    );
    std::fs::write(w.repo.join("billing.rs"), "fn sum() {}\n").unwrap();
    hook(
        w,
        &claude_with(
            w,
            "PostToolUse",
            serde_json::json!({
                "tool_name": "Write",
                "tool_use_id": "toolu_01",
                "tool_input": {"file_path": file},
                "tool_response": {"filePath": file, "success": true},
            }),
        ),
    );
}

/// Claude's Bash tool call `cargo test`, which fails.
fn claude_failing_bash_call(w: &World) {
    hook(
        w,
        &claude_with(
            w,
            "PreToolUse",
            serde_json::json!({
                "tool_name": "Bash",
                "tool_use_id": "toolu_02",
                "tool_input": {"command": "cargo test", "description": "Run the test suite"},
            }),
        ),
    );
    hook(
        w,
        &claude_with(
            w,
            "PostToolUseFailure",
            serde_json::json!({
                "tool_name": "Bash",
                "tool_use_id": "toolu_02",
                "tool_input": {"command": "cargo test"},
                "error": "Exit code 101",
            }),
        ),
    );
}

/// One Claude Code session through its hooks: a prompt, a Write, a failing Bash.
fn play_claude_turn(w: &World) {
    hook(
        w,
        &claude_with(
            w,
            "SessionStart",
            serde_json::json!({"source": "startup", "model": "claude-sonnet-4-5"}),
        ),
    );
    hook(
        w,
        &claude_with(
            w,
            "UserPromptSubmit",
            serde_json::json!({"prompt": "Rename total to sum and run the tests"}),
        ),
    );
    claude_write_call(w);
    std::thread::sleep(Duration::from_millis(100));
    claude_failing_bash_call(w);
    hook(
        w,
        &claude_with(w, "Stop", serde_json::json!({"stop_hook_active": false})),
    );
    hook(
        w,
        &claude_with(
            w,
            "SessionEnd",
            serde_json::json!({"reason": "prompt_input_exit"}),
        ),
    );
}

/// Junk input and a broken runtime directory: the hook still says nothing, at once.
fn check_hook_never_fails_the_agent(w: &World) {
    hook(w, &serde_json::json!("not an object"));
    let start = Instant::now();
    let blocker = w.home.join("not-a-dir");
    std::fs::write(&blocker, "").unwrap();
    let out = output_with_stdin(
        w.cmd_in(BIN, &w.repo)
            .args(["agent", "hook", "claude-code"])
            .env("XDG_RUNTIME_DIR", &blocker),
        claude_base(w, "UserPromptSubmit").to_string().as_bytes(),
    );
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "{out:?}"
    );
    assert!(start.elapsed() < Duration::from_millis(500));
}

/// The stored turn of `play_claude_turn`, field by field.
fn check_claude_turn(evs: &[Value]) {
    for e in evs {
        assert_eq!(e["agent"], "claude-code");
    }
    assert_eq!(evs[0]["data"]["shell"], "claude-code");
    assert_eq!(
        evs[0]["data"]["agent_session"],
        "9f1c2d3e-0000-4000-8000-00000000abcd"
    );
    assert_eq!(evs[0]["data"]["model"], "claude-sonnet-4-5");
    assert_eq!(
        evs[1]["data"]["text"],
        "Rename total to sum and run the tests"
    );
    let write = &evs[3];
    assert_eq!(write["data"]["tool"], "Write");
    assert_eq!(write["data"]["is_error"], false);
    assert_eq!(write["data"]["call_id"], "toolu_01");
    // A tool's input is kept readable, not whole.
    assert!(write["data"]["input"]["content"].as_str().unwrap().len() < 5000);
    assert_eq!(evs[4]["data"]["cause"], write["id"]);
    assert_eq!(evs[4]["data"]["files"][0]["path"], "billing.rs");
    let bash = &evs[5];
    assert_eq!(bash["data"]["intent"], "Run the test suite");
    assert_eq!(bash["data"]["is_error"], true);
    assert_eq!(evs[7]["data"]["reason"], "prompt_input_exit");
}

#[test]
fn claude_code_hooks_record_prompts_tool_calls_and_their_edits() {
    let w = World::initialised();
    play_claude_turn(&w);
    // Junk never fails the agent either, nor does a broken DevTrace.
    check_hook_never_fails_the_agent(&w);

    let evs = one_turn_session(&w);
    check_claude_turn(&evs);
}

#[test]
fn claude_code_install_merges_and_uninstall_restores() {
    let w = World::initialised();
    let settings = w.repo.join(".claude/settings.json");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    let mine = r#"{
  "permissions": {"allow": ["Bash(npm test)"]},
  "hooks": {
    "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./check.sh"}]}]
  }
}
"#;
    std::fs::write(&settings, mine).unwrap();
    let out = w.devtrace(&["agent", "install", "claude-code"], &w.repo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&std::fs::read(&settings).unwrap()).unwrap();
    assert_eq!(v["permissions"]["allow"][0], "Bash(npm test)");
    let pre = v["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(pre.len(), 2);
    assert_eq!(pre[0]["hooks"][0]["command"], "./check.sh");
    assert_eq!(
        pre[1]["hooks"][0]["command"],
        "devtrace agent hook claude-code"
    );
    for ev in [
        "SessionStart",
        "UserPromptSubmit",
        "PostToolUse",
        "PostToolUseFailure",
        "Stop",
        "SessionEnd",
    ] {
        assert_eq!(v["hooks"][ev].as_array().unwrap().len(), 1, "{ev}");
    }
    // Twice is once.
    let first = std::fs::read(&settings).unwrap();
    let out = w.devtrace(&["agent", "install", "claude-code"], &w.repo);
    assert!(String::from_utf8_lossy(&out.stdout).contains("already there"));
    assert_eq!(first, std::fs::read(&settings).unwrap());
    // Uninstall gives back what was there.
    let out = w.devtrace(&["agent", "install", "claude-code", "--uninstall"], &w.repo);
    assert!(out.status.success());
    let back: Value = serde_json::from_slice(&std::fs::read(&settings).unwrap()).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(mine).unwrap());
    // Bad settings are left alone, with an error naming the file.
    std::fs::write(&settings, "{ not json").unwrap();
    let out = w.devtrace(&["agent", "install", "claude-code"], &w.repo);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("settings.json is not valid JSON"));
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), "{ not json");
    let out = w.devtrace(&["agent", "install", "no-such-agent"], &w.repo);
    assert_eq!(out.status.code(), Some(2));
}

/// A Claude Code hook payload of session 5e55-1 for `event`, with `extra` added.
fn explain_payload(w: &World, event: &str, extra: Value) -> Value {
    let repo = w.repo.to_string_lossy().into_owned();
    let mut v = serde_json::json!({
        "session_id": "5e55-1", "cwd": repo, "hook_event_name": event,
    });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

/// Tool call `id` of tool `name` on app.rs, which does `write` in between.
fn explain_tool_call(w: &World, id: &str, name: &str, write: &dyn Fn()) {
    let file = w.repo.join("app.rs").to_string_lossy().into_owned();
    hook(
        w,
        &explain_payload(
            w,
            "PreToolUse",
            serde_json::json!({
                "tool_name": name, "tool_use_id": id, "tool_input": {"file_path": file},
            }),
        ),
    );
    write();
    hook(
        w,
        &explain_payload(
            w,
            "PostToolUse",
            serde_json::json!({
                "tool_name": name, "tool_use_id": id, "tool_input": {"file_path": file},
            }),
        ),
    );
    std::thread::sleep(Duration::from_millis(50));
}

/// Two prompts whose tool calls write app.rs, and a person's `sed` between them.
fn record_two_prompts_and_a_command(w: &World) {
    let app = w.repo.join("app.rs");
    hook(
        w,
        &explain_payload(w, "SessionStart", serde_json::json!({})),
    );
    hook(
        w,
        &explain_payload(
            w,
            "UserPromptSubmit",
            serde_json::json!({"prompt": "add the tax rate"}),
        ),
    );
    explain_tool_call(w, "t1", "Write", &|| {
        std::fs::write(&app, "fn a() {}\nfn b() {}\nfn c() {}\n").unwrap()
    });
    // A person's command changes line 2.
    let out = exec_in(w, &[], &["--", "sed", "-i", "2s/.*/fn b2() {}/", "app.rs"]);
    assert!(out.status.success());
    std::thread::sleep(Duration::from_millis(50));
    hook(
        w,
        &explain_payload(
            w,
            "UserPromptSubmit",
            serde_json::json!({"prompt": "and a header line"}),
        ),
    );
    explain_tool_call(w, "t2", "Edit", &|| {
        std::fs::write(&app, "// header\nfn a() {}\nfn b2() {}\nfn c() {}\n").unwrap()
    });
    hook(
        w,
        &explain_payload(w, "SessionEnd", serde_json::json!({"reason": "exit"})),
    );
}

/// Waits until three edit_files events with a cause are stored.
fn wait_three_caused_edits(w: &World) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let out = w.devtrace(
            &["log", "--json", "--type", "edit_files", "-n", "100"],
            &w.repo,
        );
        let caused = parse_lines(&out.stdout)
            .iter()
            .filter(|e| e["data"]["cause"].is_string())
            .count();
        if caused >= 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `devtrace explain --json TARGET`, retried until it succeeds.
fn explain_json(w: &World, target: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = w.devtrace(&["explain", "--json", target], &w.repo);
        if out.status.success() {
            return serde_json::from_slice(&out.stdout).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "{target}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Each line of app.rs, and the whole file, explained back to its cause.
fn check_explained_lines(w: &World) {
    // Line 1 is the header the second prompt's Edit wrote.
    let l1 = explain_json(w, "app.rs:1");
    assert_eq!(l1["cause"]["data"]["tool"], "Edit");
    assert_eq!(l1["prompt"]["data"]["text"], "and a header line");
    // Line 3 (line 2 when sed changed it) is the person's command.
    let l3 = explain_json(w, "app.rs:3");
    assert_eq!(l3["cause"]["type"], "run_command");
    assert_eq!(l3["cause"]["agent"], Value::Null);
    assert!(l3["cause"]["data"]["command"]
        .as_str()
        .unwrap()
        .starts_with("sed -i"));
    assert_eq!(l3["line_then"], 2);
    // Line 4 (line 3 of the first Write) goes back to the first prompt.
    let l4 = explain_json(w, "app.rs:4");
    assert_eq!(l4["cause"]["data"]["tool"], "Write");
    assert_eq!(l4["prompt"]["data"]["text"], "add the tax rate");
    // The whole file: its newest change.
    assert_eq!(explain_json(w, "app.rs")["cause"]["data"]["tool"], "Edit");
}

/// `devtrace explain` in words, and its error when nothing was recorded.
fn check_explain_text_and_error(w: &World) {
    let out = w.devtrace(&["explain", "app.rs:2"], &w.repo);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("by the tool call  Write"), "{text}");
    assert!(
        text.contains("after the prompt  add the tax rate"),
        "{text}"
    );
    // Nothing recorded: a clear error.
    std::fs::write(w.repo.join("other.rs"), "x\ny\nz\n").unwrap();
    let out = w.devtrace(&["explain", "other.rs:3"], &w.repo);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no recorded change to line 3 of other.rs")
    );
    // No such file: says so.
    let out = w.devtrace(&["explain", "nope.rs:3"], &w.repo);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file: nope.rs"));
}

#[test]
fn explain_walks_back_from_a_line_to_its_change_cause_and_prompt() {
    let w = World::initialised();
    record_two_prompts_and_a_command(&w);
    wait_commands(&w, 1);
    // All three changes stored (two tool calls', one command's).
    wait_three_caused_edits(&w);

    check_explained_lines(&w);
    // In words too.
    check_explain_text_and_error(&w);
}

#[test]
fn gemini_cli_hooks_and_install() {
    let w = World::initialised();
    let repo = w.repo.to_string_lossy().into_owned();
    let ev = |event: &str, extra: Value| {
        let mut v = serde_json::json!({
            "session_id": "gem-7", "transcript_path": "/tmp/t.json", "cwd": repo,
            "hook_event_name": event, "timestamp": "2026-11-23T10:00:00Z",
        });
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let g = |v: Value| hook_of(&w, "gemini-cli", &v, "{}\n");
    g(ev("SessionStart", serde_json::json!({"source": "startup"})));
    g(ev(
        "BeforeAgent",
        serde_json::json!({"prompt": "add a README"}),
    ));
    let input = serde_json::json!({"file_path": "README.md", "content": "# hi\n"});
    g(ev(
        "BeforeTool",
        serde_json::json!({"tool_name": "write_file", "tool_input": input}),
    ));
    std::fs::write(w.repo.join("README.md"), "# hi\n").unwrap();
    g(ev(
        "AfterTool",
        serde_json::json!({
            "tool_name": "write_file", "tool_input": input,
            "tool_response": {"llmContent": "ok", "returnDisplay": "ok"},
        }),
    ));
    let sh = serde_json::json!({"command": "false", "description": "Check the build"});
    g(ev(
        "BeforeTool",
        serde_json::json!({"tool_name": "run_shell_command", "tool_input": sh}),
    ));
    g(ev(
        "AfterTool",
        serde_json::json!({
            "tool_name": "run_shell_command", "tool_input": sh,
            "tool_response": {"llmContent": "", "error": "exit 1"},
        }),
    ));
    g(ev("SessionEnd", serde_json::json!({"reason": "exit"})));
    let evs = one_turn_session(&w);
    assert_eq!(evs[0]["agent"], "gemini-cli");
    assert_eq!(evs[1]["data"]["text"], "add a README");
    assert_eq!(evs[3]["data"]["tool"], "write_file");
    assert_eq!(evs[3]["data"]["is_error"], false);
    assert_eq!(evs[4]["data"]["cause"], evs[3]["id"]);
    assert_eq!(evs[5]["data"]["intent"], "Check the build");
    assert_eq!(evs[5]["data"]["is_error"], true);

    let out = w.devtrace(&["agent", "install", "gemini-cli"], &w.repo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let settings = w.repo.join(".gemini/settings.json");
    let v: Value = serde_json::from_slice(&std::fs::read(&settings).unwrap()).unwrap();
    for e in [
        "SessionStart",
        "BeforeAgent",
        "BeforeTool",
        "AfterTool",
        "SessionEnd",
    ] {
        assert_eq!(
            v["hooks"][e][0]["hooks"][0]["command"], "devtrace agent hook gemini-cli",
            "{e}"
        );
    }
    let out = w.devtrace(&["agent", "install", "gemini-cli", "--uninstall"], &w.repo);
    assert!(out.status.success());
    // Install created the file for its hooks alone: uninstall removes it.
    assert!(!settings.exists());
}

/// `SHELL -c SCRIPT` in `dir` with the world's environment and `env`.
fn shell_c(
    w: &World,
    shell: &str,
    dir: &std::path::Path,
    env: &[(&str, &str)],
    script: &str,
) -> std::process::Output {
    let mut c = w.cmd_in(shell, dir);
    c.args(["-c", script]).stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// `devtrace init --agents`; returns the BASH_ENV file it wrote.
fn install_agent_shells(w: &World) -> std::path::PathBuf {
    let out = w.devtrace(&["init", "--agents"], &w.repo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bash_env = w.home.join(".config/devtrace/agents.bash");
    assert!(bash_env.exists());
    let zshenv = std::fs::read_to_string(w.home.join(".zshenv")).unwrap();
    assert!(zshenv.contains("agents.zsh"), "{zshenv}");
    bash_env
}

/// Output, error and status of `script` are the same with and without
/// DevTrace, in bash and zsh; returns bash's plain run.
fn check_shells_c_unchanged(w: &World, be: &str, script: &str) -> std::process::Output {
    let plain = shell_c(w, "bash", &w.repo, &[("CLAUDECODE", "1")], script);
    let traced = shell_c(
        w,
        "bash",
        &w.repo,
        &[("CLAUDECODE", "1"), ("BASH_ENV", be)],
        script,
    );
    assert_eq!(plain.status.code(), Some(7));
    assert_eq!(
        (plain.status.code(), &plain.stdout, &plain.stderr),
        (traced.status.code(), &traced.stdout, &traced.stderr)
    );
    let z_plain = shell_c(
        w,
        "zsh",
        &w.repo,
        &[("CLAUDECODE", "1"), ("ZDOTDIR", "/nonexistent")],
        script,
    );
    let z_traced = shell_c(w, "zsh", &w.repo, &[("CLAUDECODE", "1")], script);
    assert_eq!(
        (z_plain.status.code(), &z_plain.stdout, &z_plain.stderr),
        (z_traced.status.code(), &z_traced.stdout, &z_traced.stderr)
    );
    plain
}

/// A nested `bash -c`, one with no agent, and one outside every store.
fn run_nested_unnamed_and_outside(w: &World, be: &str) {
    // The scripts' two commands stored (looked at) first: the nested one's
    // edit is then its own, not one of three run at once (the attribution
    // tests' matter, not this one's).
    wait_commands(w, 2);
    let nested = shell_c(
        w,
        "bash",
        &w.repo,
        &[("CLAUDECODE", "1"), ("BASH_ENV", be)],
        "bash -c 'echo x > nested.txt'",
    );
    assert!(nested.status.success());
    assert!(shell_c(w, "bash", &w.repo, &[("BASH_ENV", be)], "true")
        .status
        .success());
    let outside = w.home.join("elsewhere");
    std::fs::create_dir_all(&outside).unwrap();
    assert!(shell_c(
        w,
        "bash",
        &outside,
        &[("CLAUDECODE", "1"), ("BASH_ENV", be)],
        "true"
    )
    .status
    .success());
}

/// Exactly the agent's three commands are stored, the nested one with its edit.
fn check_recorded_once(w: &World, script: &str) {
    wait_commands(w, 3);
    // Nothing more may come: a command recorded after them (the marker)
    // arrives once everything before it is stored.
    let marker = w.devtrace(&["exec", "--agent", "marker", "--", "true"], &w.repo);
    assert!(marker.status.success());
    let evs = wait_commands(w, 4);
    let cmds: Vec<&Value> = commands(&evs)
        .into_iter()
        .filter(|c| c["agent"] != "marker")
        .collect();
    assert_eq!(commands(&evs).len(), cmds.len() + 1, "{evs:#?}");
    let texts: Vec<&str> = cmds
        .iter()
        .map(|c| c["data"]["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [script, script, "bash -c 'echo x > nested.txt'"],
        "{evs:#?}"
    );
    for c in &cmds {
        assert_eq!(c["agent"], "claude-code");
    }
    assert_eq!(cmds[0]["data"]["exit_code"], 7);
    assert_eq!(cmds[1]["data"]["exit_code"], 7);
    let nested_cmd = cmds[2];
    assert!(
        evs.iter()
            .any(|e| e["type"] == "edit_files" && e["data"]["cause"] == nested_cmd["id"]),
        "{evs:#?}"
    );
}

/// A BASH_ENV whose devtrace is missing gives `script` the output of `plain`.
fn check_broken_devtrace_changes_nothing(
    w: &World,
    bash_env: &std::path::Path,
    script: &str,
    plain: &std::process::Output,
) {
    let text = std::fs::read_to_string(bash_env).unwrap();
    let broken = w.home.join("broken.bash");
    std::fs::write(&broken, text.replace(BIN, "/nonexistent/devtrace")).unwrap();
    let b = shell_c(
        w,
        "bash",
        &w.repo,
        &[("CLAUDECODE", "1"), ("BASH_ENV", &broken.to_string_lossy())],
        script,
    );
    assert_eq!(
        (b.status.code(), &b.stdout, &b.stderr),
        (plain.status.code(), &plain.stdout, &plain.stderr)
    );
}

/// `devtrace init --agents --uninstall` takes the lines out of the rc files.
fn check_agent_shells_uninstalled(w: &World) {
    let out = w.devtrace(&["init", "--agents", "--uninstall"], &w.repo);
    assert!(out.status.success());
    // init --agents created ~/.zshenv for its line alone: it is gone.
    assert!(!w.home.join(".zshenv").exists());
    assert!(!std::fs::read_to_string(w.home.join(".bashrc"))
        .unwrap_or_default()
        .contains("BASH_ENV"));
}

#[test]
fn agents_bash_c_and_zsh_c_are_recorded_once_and_left_unchanged() {
    require("bash");
    require("zsh");
    let w = World::initialised();
    let bash_env = install_agent_shells(&w);
    let be = bash_env.to_string_lossy().into_owned();
    let script = "echo out; echo err >&2; printf '%s' \"$0\"; exit 7";
    // Output, error and status are the same with and without DevTrace.
    let plain = check_shells_c_unchanged(&w, &be, script);
    // Nested: once. No agent, or outside every store: not at all.
    run_nested_unnamed_and_outside(&w, &be);

    check_recorded_once(&w, script);

    // A broken DevTrace changes nothing either.
    check_broken_devtrace_changes_nothing(&w, &bash_env, script, &plain);

    check_agent_shells_uninstalled(&w);
}
