//! Real interactive bash, zsh and fish on a pseudo-terminal: commands typed,
//! the store read back through `--json`, compared field by field.

use crate::support::*;
use serde_json::{json, Value};
use std::time::Duration;

/// What a typed line must become.
struct Want {
    line: &'static str,
    text: &'static str,
    exit: i64,
    pipestatus: Option<Vec<i64>>,
    cwd: &'static str,
}

fn want(line: &'static str, exit: i64) -> Want {
    Want {
        line,
        text: line,
        exit,
        pipestatus: None,
        cwd: "",
    }
}

fn check(events: &[Value], wants: &[Want], shell: &str, world: &World, base: &std::path::Path) {
    let got = commands(events);
    assert_eq!(
        texts(events),
        wants.iter().map(|w| w.text).collect::<Vec<_>>(),
        "{shell}: recorded commands differ"
    );
    let session = events[0]["session"].as_str().unwrap();
    let mut last_seq = 0;
    for (ev, w) in got.iter().zip(wants) {
        let ctx = format!("{shell}: {:?}", w.line);
        assert_eq!(ev["v"], 1, "{ctx}");
        assert_eq!(ev["session"], session, "{ctx}");
        assert_eq!(ev["agent"], Value::Null, "{ctx}");
        assert_eq!(ev["id"].as_str().unwrap().len(), 26, "{ctx}");
        let seq = ev["seq"].as_u64().unwrap();
        assert!(seq > last_seq, "{ctx}: seq {seq} after {last_seq}");
        last_seq = seq;
        assert_eq!(ev["data"]["exit_code"], json!(w.exit), "{ctx}");
        assert_eq!(ev["data"]["shell"], shell, "{ctx}");
        if let Some(ps) = &w.pipestatus {
            assert_eq!(ev["data"]["pipestatus"], json!(ps), "{ctx}");
        }
        let cwd = if w.cwd.is_empty() {
            base.to_path_buf()
        } else if w.cwd.starts_with('/') {
            std::path::PathBuf::from(w.cwd)
        } else {
            base.join(w.cwd)
        };
        assert_eq!(ev["cwd"], json!(cwd.to_string_lossy()), "{ctx}");
        for k in ["started_at", "ended_at"] {
            let t = ev["data"][k]
                .as_str()
                .unwrap_or_else(|| panic!("{ctx}: no {k}"));
            assert!(t.ends_with('Z') && t.len() >= 24, "{ctx}: {k} = {t}");
        }
        check_times(ev, shell, &ctx);
        assert_eq!(ev["repo"], json!(world.repo.to_string_lossy()), "{ctx}");
    }
}

/// Types the scenario's lines into a fresh `shell` in the world's repo, and
/// exits; returns what each recorded line must become.
fn type_scenario(w: &World, shell: &str) -> Vec<Want> {
    let mut sh = Pty::spawn(w, shell, &w.repo);
    let fish = shell == "fish";
    let mut wants = vec![
        Want {
            pipestatus: Some(vec![0]),
            ..want("echo hello", 0)
        },
        want("false", 1),
        Want {
            pipestatus: Some(vec![1, 0]),
            ..want("false | true", 0)
        },
    ];
    if !fish {
        wants.push(Want {
            pipestatus: Some(vec![0, 3]),
            ..want("true | (exit 3)", 3)
        });
        wants.push(want("(cd /; exit 3)", 3));
        wants.push(want("f() { return 7; }", 0));
    } else {
        wants.push(want("function f; return 7; end", 0));
    }
    wants.push(want("f", 7));
    wants.push(want("true; false", 1));
    wants.push(want("echo 'EXIT 0 @DT1' \"quo\\\"te\" ✓ café", 0));
    for w in &wants {
        sh.run(w.line);
    }
    // A multi-line command: Enter inside quotes continues the line.
    sh.send("echo \"multi\r");
    std::thread::sleep(Duration::from_millis(200));
    sh.run("line\"");
    wants.push(Want {
        text: "echo \"multi\nline\"",
        ..want("echo multi-line", 0)
    });
    // Nothing recorded: empty Enter, Ctrl-C at the prompt, a leading space.
    sh.run("");
    sh.send("\x03");
    if fish {
        std::thread::sleep(Duration::from_millis(300)); // fish redraws nothing
    } else {
        sh.wait_prompt(Duration::from_secs(10));
    }
    sh.run(" echo private");
    sh.run("sleep 0.3");
    wants.push(want("sleep 0.3", 0));
    sh.run_interrupted("sleep 10");
    wants.push(want("sleep 10", 130));
    sh.run("cd sub");
    wants.push(want("cd sub", 0));
    sh.run("pwd");
    wants.push(Want {
        cwd: "sub",
        ..want("pwd", 0)
    });
    sh.run("cd /tmp");
    wants.push(Want {
        cwd: "sub",
        ..want("cd /tmp", 0)
    });
    sh.run("echo outside");
    sh.exit();
    wants
}

/// The session's start and end, the sleep's duration, and no private line.
fn check_session_frame(events: &[Value], shell: &str, w: &World) {
    assert_eq!(events.first().unwrap()["type"], "session_start");
    assert_eq!(events.first().unwrap()["data"]["shell"], shell);
    assert_eq!(
        events.first().unwrap()["repo"],
        json!(w.repo.to_string_lossy())
    );
    let end = events.last().unwrap();
    assert_eq!(end["type"], "session_end");
    assert_eq!(end["data"]["reason"], "exit");
    let sleep = commands(events)
        .into_iter()
        .find(|e| e["data"]["command"] == "sleep 0.3")
        .unwrap();
    let d = sleep["data"]["duration_ms"].as_i64().unwrap();
    assert!((250..5000).contains(&d), "{shell}: sleep 0.3 took {d} ms");
    let all = serde_json::to_string(&events).unwrap();
    assert!(
        !all.contains("private"),
        "{shell}: a space-prefixed line was recorded"
    );
}

/// Outside every initialised repo: the global store, same session.
fn check_global_store(events: &[Value], shell: &str, w: &World) {
    let session = events[0]["session"].as_str().unwrap();
    let out = w.devtrace(
        &["show", "--global", "--session", session, "--json"],
        &w.repo,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let global = parse_lines(&out.stdout);
    assert_eq!(
        texts(&global),
        vec!["echo outside", "exit"],
        "{shell}: global store"
    );
    assert!(global.iter().all(|e| e["session"] == session));
    assert_eq!(commands(&global)[0]["cwd"], "/tmp");
    assert_eq!(commands(&global)[0]["repo"], Value::Null);
}

fn scenario(shell: &str) {
    let w = World::initialised();
    std::fs::create_dir(w.repo.join("sub")).unwrap();
    let wants = type_scenario(&w, shell);

    let events = w.ended_session(&w.repo);
    check(&events, &wants, shell, &w, &w.repo);
    check_session_frame(&events, shell, &w);
    check_global_store(&events, shell, &w);
    w.wait_ingest_gone();
}

#[test]
fn bash_records_every_command_line_exactly() {
    scenario("bash");
}

#[test]
fn zsh_records_every_command_line_exactly() {
    scenario("zsh");
}

#[test]
fn fish_records_every_command_line_exactly() {
    scenario("fish");
}

/// Runs `lines` in a fresh shell of a world prepared by `setup`; returns the
/// terminal output and the session's events.
fn session_with(
    shell: &str,
    bash_rc: &str,
    zsh_rc: &str,
    lines: &[&str],
) -> (World, String, Vec<Value>) {
    let w = World::new();
    w.write_rc(bash_rc, zsh_rc, "");
    assert!(w.devtrace(&["init"], &w.repo).status.success());
    let mut sh = Pty::spawn(&w, shell, &w.repo);
    for l in lines {
        sh.run(l);
    }
    let out = sh.output();
    sh.exit();
    let events = w.ended_session(&w.repo);
    (w, out, events)
}

#[test]
fn bash_keeps_status_pipestatus_and_last_argument_for_the_user() {
    let rc = r#"__user_pc() { __seen="$? ${PIPESTATUS[*]}"; }
PROMPT_COMMAND=__user_pc"#;
    let (_w, out, events) = session_with(
        "bash",
        rc,
        "",
        &[
            "false | (exit 5)",
            "echo \"seen=[$__seen]\"",
            "echo one two",
            "echo \"last=[$_]\"",
            "(exit 9)",
            "echo \"status=[$?]\"",
        ],
    );
    assert!(
        out.contains("seen=[5 1 5]"),
        "PROMPT_COMMAND saw another status:\n{out}"
    );
    assert!(out.contains("last=[two]"), "$_ changed:\n{out}");
    assert!(out.contains("status=[9]"), "$? changed:\n{out}");
    let cmds = commands(&events);
    assert_eq!(cmds[0]["data"]["pipestatus"], json!([1, 5]));
    assert_eq!(cmds.len(), 7);
}

#[test]
fn bash_with_an_array_prompt_command_and_a_debug_trap() {
    let rc = r#"__a() { __sa=$?; }
__b() { __sb=$?; }
PROMPT_COMMAND=(__a __b)
__traps=0
trap '(( __traps++ )) || :' DEBUG"#;
    let (_w, out, events) = session_with(
        "bash",
        rc,
        "",
        &[
            "(exit 4)",
            "echo \"a=$__sa b=$__sb\"",
            "echo \"traps=$(( __traps > 0 ))\"",
            "declare -p PROMPT_COMMAND",
        ],
    );
    assert!(
        out.contains("a=4 b=4"),
        "array PROMPT_COMMAND entries saw another status:\n{out}"
    );
    assert!(
        out.contains("traps=1"),
        "the user's DEBUG trap no longer runs:\n{out}"
    );
    assert!(out.contains("__a"), "{out}");
    assert_eq!(
        texts(&events),
        vec![
            "(exit 4)",
            "echo \"a=$__sa b=$__sb\"",
            "echo \"traps=$(( __traps > 0 ))\"",
            "declare -p PROMPT_COMMAND",
            "exit"
        ]
    );
    assert_eq!(commands(&events)[0]["data"]["exit_code"], 4);
}

#[test]
fn bash_repeats_under_ignoreboth_are_recorded_private_lines_are_not() {
    let (_w, _out, events) = session_with(
        "bash",
        "HISTCONTROL=ignoreboth",
        "",
        &["echo same", "echo same", " echo hidden", "echo after"],
    );
    assert_eq!(
        texts(&events),
        vec!["echo same", "echo same", "echo after", "exit"]
    );
}

#[test]
fn sourcing_the_hook_twice_records_once() {
    for shell in ["bash", "zsh"] {
        let line = format!("eval \"$(devtrace hook {shell})\"");
        let (_w, _o, events) = session_with(
            shell,
            &format!("{line}\n{line}"),
            &format!("{line}\n{line}"),
            &["echo once"],
        );
        assert_eq!(texts(&events), vec!["echo once", "exit"], "{shell}");
    }
}

fn bash_preexec_path() -> String {
    let p = std::env::var("DEVTRACE_TEST_BASH_PREEXEC").unwrap_or_default();
    assert!(
        !p.is_empty() && std::path::Path::new(&p).is_file(),
        "bash-preexec.sh not found: set DEVTRACE_TEST_BASH_PREEXEC to its path (./scripts/test.sh fetches it)"
    );
    p
}

#[test]
fn bash_with_bash_preexec_loaded_before_the_hook() {
    let bp = bash_preexec_path();
    let rc = format!("source '{bp}'\nprecmd() {{ __bp_seen=$?; }}\npreexec() {{ __bp_cmd=$1; }}");
    let (_w, out, events) = session_with(
        "bash",
        &rc,
        "",
        &[
            "false | (exit 6)",
            "echo \"bp=$__bp_seen cmd=$__bp_cmd\"",
            "(cd /; exit 2)",
        ],
    );
    assert!(
        out.contains("bp=6 cmd=echo"),
        "bash-preexec hooks changed:\n{out}"
    );
    assert_eq!(
        texts(&events),
        vec![
            "false | (exit 6)",
            "echo \"bp=$__bp_seen cmd=$__bp_cmd\"",
            "(cd /; exit 2)",
            "exit"
        ]
    );
    let cmds = commands(&events);
    assert_eq!(cmds[0]["data"]["exit_code"], 6);
    assert_eq!(cmds[0]["data"]["pipestatus"], json!([1, 6]));
    assert_eq!(cmds[2]["data"]["exit_code"], 2);
}

#[test]
fn bash_with_bash_preexec_loaded_after_the_hook() {
    let bp = bash_preexec_path();
    let w = World::new();
    w.write_rc("", "", "");
    assert!(w
        .devtrace(&["init", "--shell", "bash"], &w.repo)
        .status
        .success());
    w.append_rc(
        "bash",
        &format!("source '{bp}'\nprecmd() {{ __bp_seen=$?; }}"),
    );
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    for l in ["(exit 3)", "echo \"bp=$__bp_seen\"", "echo done"] {
        sh.run(l);
    }
    let out = sh.output();
    sh.exit();
    let events = w.ended_session(&w.repo);
    assert!(out.contains("bp=3"), "{out}");
    assert_eq!(
        texts(&events),
        vec!["(exit 3)", "echo \"bp=$__bp_seen\"", "echo done", "exit"]
    );
    assert_eq!(commands(&events)[0]["data"]["exit_code"], 3);
}

#[test]
fn zsh_keeps_other_precmd_hooks_and_status() {
    let rc = "autoload -Uz add-zsh-hook\n__u() { __zs=\"$? ${pipestatus[*]}\" }\nadd-zsh-hook precmd __u";
    let (_w, out, events) =
        session_with("zsh", "", rc, &["false | (exit 5)", "echo \"zs=[$__zs]\""]);
    assert!(out.contains("zs=[5 1 5]"), "{out}");
    assert_eq!(commands(&events)[0]["data"]["pipestatus"], json!([1, 5]));
}

#[test]
fn commands_route_to_the_nearest_store() {
    let w = World::initialised();
    let inner = w.repo.join("inner");
    std::fs::create_dir(&inner).unwrap();
    assert!(w
        .devtrace(&["init", "--no-rc", "--dir", "inner"], &w.repo)
        .status
        .success());
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    sh.run("echo top");
    sh.run("cd inner");
    sh.run("echo nested");
    sh.run("cd ..");
    sh.exit();
    let top = w.ended_session(&w.repo);
    let session = top[0]["session"].as_str().unwrap().to_owned();
    assert_eq!(texts(&top), vec!["echo top", "cd inner", "exit"]);
    let nested = w.events(&inner, &session);
    assert_eq!(texts(&nested), vec!["echo nested", "cd .."]);
    assert_eq!(nested[0]["type"], "session_start");
    assert!(nested.iter().all(|e| e["session"] == session.as_str()));
}

#[test]
fn log_follow_prints_new_commands_as_they_finish() {
    let w = World::initialised();
    let mut sh = Pty::spawn(&w, "zsh", &w.repo);
    let (mut follow, rx) = follow(&w);
    sh.run("echo followed");
    let (_, line) = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("log --follow printed nothing");
    let ev: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(ev["data"]["command"], "echo followed");
    // Ctrl-C (SIGINT) ends it cleanly.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(follow.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let status = follow.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    sh.exit();
}

/// A command's times agree: `ended_at - started_at` is its `duration_ms`
/// (to the millisecond; fish's clock reads 10 ms steps, while its duration
/// is its own exact `CMD_DURATION`).
fn check_times(ev: &Value, shell: &str, ctx: &str) {
    let at = |k: &str| {
        let t = ev["data"][k]
            .as_str()
            .unwrap_or_else(|| panic!("{ctx}: no {k}"));
        devtrace::timestamp::Timestamp::parse_rfc3339(t)
            .unwrap_or_else(|| panic!("{ctx}: {k} = {t}"))
            .as_micros()
    };
    let (start, end) = (at("started_at"), at("ended_at"));
    assert!(end >= start, "{ctx}: ended before it started: {ev}");
    let d = ev["data"]["duration_ms"]
        .as_i64()
        .unwrap_or_else(|| panic!("{ctx}: no duration_ms"));
    let slack = if shell == "fish" { 20_000 } else { 1_000 };
    assert!(
        ((end - start) - d * 1000).abs() <= slack,
        "{ctx}: ended_at - started_at = {} us, duration_ms = {d}: {ev}",
        end - start
    );
}
