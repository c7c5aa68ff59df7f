//! Lines the shell rejects (a syntax error), in every shell that lets a
//! hook see them, and the edges of bash's history settings: typed on a
//! pseudo-terminal, read back through `--json`.

use crate::support::*;
use serde_json::{json, Value};

/// A recorded `shell` whose rc file has `extra` before the hook line: types
/// each of `lines` (fish: a rejected line stays on fish's command line,
/// so Ctrl-C clears it), then ends the shell with Ctrl-D, or with `exit`.
/// Returns the terminal output and the session's events.
fn session(shell: &str, extra: &str, lines: &[&str], ctrl_d: bool) -> (String, Vec<Value>) {
    let w = World::new();
    match shell {
        "bash" => w.write_rc(extra, "", ""),
        "zsh" => w.write_rc("", extra, ""),
        _ => w.write_rc("", "", extra),
    }
    let init = w.devtrace(&["init", "--shell", shell], &w.repo);
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let mut sh = Pty::spawn(&w, shell, &w.repo);
    for l in lines {
        sh.run(l);
        if shell == "fish" && REJECTED_BY_FISH.contains(&l.trim()) {
            clear_rejected(&mut sh);
        }
    }
    if ctrl_d {
        sh.send("\x04");
    } else {
        sh.send("exit\r");
    }
    sh.wait_exit();
    (sh.output(), w.ended_session(&w.repo))
}

/// Clears the line fish keeps after rejecting it (Ctrl-C), and waits for
/// the prompt drawn after the `^C`. fish draws a rejected line's prompt
/// twice, so a prompt not seen before may be the second of those, and the
/// next line would then be typed after the rejected one.
fn clear_rejected(sh: &mut Pty) {
    let from = sh.output().len().saturating_sub(8);
    sh.send("\x03");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let out = sh.output().into_bytes();
        let after = &out[from.min(out.len())..];
        let cleared = after.windows(2).position(|w| w == b"^C").is_some_and(|i| {
            after[i..]
                .windows(PROMPT.len())
                .any(|w| w == PROMPT.as_bytes())
        });
        if cleared {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "fish did not clear the rejected line:\n{}",
            sh.tail(2000)
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    sh.wait_prompts(0);
}

const REJECTED_BY_FISH: [&str; 3] = ["echo )", "end", "case x"];

/// The session's commands as (text, exit status, per-stage statuses).
fn recorded(events: &[Value]) -> Vec<(String, Value, Value)> {
    commands(events)
        .iter()
        .map(|c| {
            let d = &c["data"];
            (
                d["command"].as_str().unwrap_or_default().to_string(),
                d["exit_code"].clone(),
                d["pipestatus"].clone(),
            )
        })
        .collect()
}

fn want(lines: &[(&str, i64)]) -> Vec<(String, Value, Value)> {
    lines
        .iter()
        .map(|(t, s)| (t.to_string(), json!(s), json!([s])))
        .collect()
}

#[test]
fn zsh_records_lines_it_rejects_with_status_1() {
    let lines = [
        "echo )",
        "echo ok",
        "fi",
        "echo \"s=$?\"",
        "false",
        "",
        "# a comment",
        " echo ) private",
        "echo ;;",
    ];
    let (out, events) = session("zsh", "setopt interactive_comments", &lines, false);
    assert!(out.contains("s=1"), "$? changed:\n{out}");
    assert_eq!(
        recorded(&events),
        want(&[
            ("echo )", 1),
            ("echo ok", 0),
            ("fi", 1),
            ("echo \"s=$?\"", 0),
            ("false", 1),
            ("echo ;;", 1),
            // `exit` exits with $?, which the rejected line set.
            ("exit", 1),
        ]),
        "a blank line, a comment and a private line are no rejected lines"
    );
}

#[test]
fn fish_records_lines_it_rejects_with_status_123() {
    let lines = [
        "false",
        "echo )",
        "echo \"s=$status\"",
        "end",
        " case x",
        "echo ok",
    ];
    let (out, events) = session("fish", "", &lines, false);
    // fish leaves $status as it was: the rejected line ran nothing.
    assert!(out.contains("s=1"), "$status changed:\n{out}");
    assert_eq!(
        recorded(&events),
        want(&[
            ("false", 1),
            ("echo )", 123),
            ("echo \"s=$status\"", 0),
            ("end", 123),
            ("echo ok", 0),
            ("exit", 0),
        ]),
        "a private rejected line is not recorded either"
    );
}

#[test]
fn bash_rejected_lines_at_the_edges_of_its_history_settings() {
    // Ctrl-D right after a rejected line: recorded, and the session ends.
    let (_, events) = session("bash", "", &["echo ("], true);
    assert_eq!(recorded(&events), want(&[("echo (", 2)]), "then Ctrl-D");
    assert_eq!(events.last().unwrap()["type"], "session_end");

    // ignorespace: a private rejected line stays private.
    let lines = [" echo ( private", "echo ok", "echo \"s=$?\""];
    let (_, events) = session("bash", "HISTCONTROL=ignorespace", &lines, false);
    let got = recorded(&events);
    assert_eq!(
        got,
        want(&[("echo ok", 0), ("echo \"s=$?\"", 0), ("exit", 0)])
    );

    // ignoredups and erasedups: a rejected line that repeats one in history
    // leaves history as it was, which bash shows a hook no differently
    // from an empty Enter: it is not recorded (README, Limits). Every other
    // line is, and an empty Enter after a rejected line records nothing.
    let lines = [
        "echo (",
        "echo (",
        "",
        "echo a",
        "echo a",
        "echo (",
        "echo \"s=$?\"",
    ];
    let (out, events) = session("bash", "HISTCONTROL=ignoredups", &lines, false);
    assert!(out.contains("s=2"), "$? changed:\n{out}");
    let expect = [
        ("echo (", 2),
        ("echo a", 0),
        ("echo a", 0),
        ("echo (", 2),
        ("echo \"s=$?\"", 0),
        ("exit", 0),
    ];
    assert_eq!(recorded(&events), want(&expect), "ignoredups");

    let lines = ["echo (", "echo a", "echo (", "echo b", "echo \"s=$?\""];
    let (_, events) = session("bash", "HISTCONTROL=erasedups", &lines, false);
    let expect = [
        ("echo (", 2),
        ("echo a", 0),
        ("echo b", 0),
        ("echo \"s=$?\"", 0),
        ("exit", 0),
    ];
    assert_eq!(recorded(&events), want(&expect), "erasedups");
}
