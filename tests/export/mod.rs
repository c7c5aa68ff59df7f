//! `devtrace export`: JSON Lines and CSV for analysis (table.rs); OTLP spans
//! against a real OTLP/HTTP receiver that decodes them with the
//! `opentelemetry-proto` PyPI package (otlp.rs, delivery.rs).

mod content;
mod delivery;
mod env;
mod otlp;
mod phoenix;
mod table;

use crate::support::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python that runs the receiver: scripts/test.sh makes a virtual
/// environment with opentelemetry-proto (pinned) in target/test-deps/.
fn receiver_python() -> PathBuf {
    let p = std::env::var_os("DEVTRACE_TEST_OTLP_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-deps/otlp-venv/bin/python")
        });
    assert!(
        p.is_file(),
        "the receiver's Python (with opentelemetry-proto) is missing at {}; run ./scripts/test.sh \
         (it installs it there) or set DEVTRACE_TEST_OTLP_PYTHON",
        p.display()
    );
    p
}

/// A real OTLP/HTTP receiver (tests/export/receiver.py).
pub struct Receiver {
    child: Child,
    pub port: u16,
    log: PathBuf,
    mode: PathBuf,
}

impl Receiver {
    /// A receiver answering `plan` request by request, then 200.
    pub fn start(dir: &Path, plan: &[&str]) -> Receiver {
        Receiver::on_port(dir, plan, 0)
    }

    pub fn on_port(dir: &Path, plan: &[&str], port: u16) -> Receiver {
        let n = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
        let port_file = dir.join(format!("receiver{n}.port"));
        let log = dir.join(format!("receiver{n}.log"));
        let mode = dir.join(format!("receiver{n}.mode"));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/export/receiver.py");
        let child = Command::new(receiver_python())
            .arg(script)
            .args([&port_file, &log, &mode])
            .arg(port.to_string())
            .args(plan)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let port = loop {
            if let Ok(p) = std::fs::read_to_string(&port_file) {
                break p.trim().parse().unwrap();
            }
            assert!(Instant::now() < deadline, "the receiver did not start");
            std::thread::sleep(Duration::from_millis(20));
        };
        Receiver {
            child,
            port,
            log,
            mode,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// How it answers once its plan is used up.
    pub fn set_mode(&self, answer: &str) {
        std::fs::write(&self.mode, answer).unwrap();
    }

    /// Every request so far, decoded.
    pub fn requests(&self) -> Vec<Value> {
        parse_lines(&std::fs::read(&self.log).unwrap_or_default())
    }

    /// Waits until it has had `n` requests.
    pub fn wait_requests(&self, n: usize, within: Duration) -> Vec<Value> {
        let deadline = Instant::now() + within;
        loop {
            let r = self.requests();
            if r.len() >= n {
                return r;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {n} requests",
                r.len()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The spans of the requests it acknowledged (answered 2xx).
    pub fn acknowledged(&self) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["answer"] == "200")
            .flat_map(|r| r["spans"].as_array().unwrap().clone())
            .collect()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One Bash tool call of an agent, before and after.
pub fn tool_call(w: &World, sid: &str, id: &str, command: &str, ok: bool) {
    let input = json!({"command": command});
    let pre = json!({"tool_name": "Bash", "tool_use_id": id, "tool_input": input});
    claude_hook(w, sid, "PreToolUse", pre);
    if ok {
        let after = json!({"tool_name": "Bash", "tool_use_id": id, "tool_input": input,
               "tool_response": {"stdout": "done", "stderr": "", "interrupted": false}});
        claude_hook(w, sid, "PostToolUse", after);
    } else {
        let after = json!({"tool_name": "Bash", "tool_use_id": id, "tool_input": input,
               "error": "Exit code 1"});
        claude_hook(w, sid, "PostToolUseFailure", after);
    }
}

/// A recorded store: a bash session (a command that succeeds, one that
/// fails, one that writes a file, a note), then a Claude Code session of
/// two prompt turns with three tool calls, the last failing.
pub fn recorded_world() -> World {
    let w = World::initialised();
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    sh.run("true");
    sh.run("ls /no-such-dir-here");
    sh.run("echo hi > made.txt");
    sh.run(&format!("{BIN} note 'why: to show a note'"));
    sh.exit();
    w.ended_session(&w.repo);
    let sid = "0f1e2d3c-agent-session";
    claude_hook(
        &w,
        sid,
        "SessionStart",
        json!({"source": "startup", "model": "claude-opus-4"}),
    );
    claude_hook(
        &w,
        sid,
        "UserPromptSubmit",
        json!({"prompt": "list the files"}),
    );
    tool_call(&w, sid, "toolu_1", "ls", true);
    tool_call(&w, sid, "toolu_2", "git status", true);
    claude_hook(
        &w,
        sid,
        "UserPromptSubmit",
        json!({"prompt": "run the tests"}),
    );
    tool_call(&w, sid, "toolu_3", "cargo test", false);
    claude_hook(
        &w,
        sid,
        "SessionEnd",
        json!({"reason": "prompt_input_exit"}),
    );
    w.ended_session(&w.repo);
    w
}

/// `devtrace export ARGS` in the world's repository.
pub fn export(w: &World, args: &[&str]) -> std::process::Output {
    let mut a = vec!["export"];
    a.extend_from_slice(args);
    w.devtrace(&a, &w.repo)
}

pub fn attr<'a>(span: &'a Value, key: &str) -> &'a Value {
    &span["attrs"][key]
}

/// A string attribute's value.
pub fn sattr<'a>(span: &'a Value, key: &str) -> &'a str {
    let a = attr(span, key);
    assert_eq!(a[0], "string_value", "{key} of {}: {a}", span["name"]);
    a[1].as_str().unwrap()
}
