//! "No process per command", checked from the outside: strace attached to
//! a recorded interactive shell counts every fork, clone and execve the
//! shell makes while commands that are builtins are typed. Each one would
//! be the hook's (or a test line's own, which none of them has).

use crate::support::*;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Lines that start no process in any of the shells: builtins, no pipes.
const LINES: [&str; 5] = ["true", "false", "echo x", "cd .", "pwd"];

/// strace attached to `pid`, writing the process-creating calls to `out`.
fn attach(pid: i32, out: &std::path::Path) -> Child {
    require("strace");
    let mut c = Command::new("strace")
        .args(["-e", "trace=fork,vfork,clone,clone3,execve", "-qq", "-o"])
        .arg(out)
        .args(["-p", &pid.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Attached once the shell shows strace as its tracer.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let tracer = status
            .lines()
            .find_map(|l| l.strip_prefix("TracerPid:"))
            .map(str::trim)
            .unwrap_or("0");
        if tracer == c.id().to_string() {
            return c;
        }
        if let Some(st) = c.try_wait().unwrap() {
            panic!("strace exited ({st}) before it attached to {pid}");
        }
        assert!(Instant::now() < deadline, "strace never attached to {pid}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn stop(mut strace: Child) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(strace.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    strace.wait().unwrap();
}

/// The calls that start a process (a thread is none: fish starts some).
fn process_starts(calls: &[String]) -> Vec<&String> {
    calls
        .iter()
        .filter(|c| {
            ["fork(", "vfork(", "clone(", "clone3(", "execve("]
                .iter()
                .any(|s| c.starts_with(s))
        })
        .filter(|c| !c.contains("CLONE_THREAD"))
        .collect()
}

/// The calls strace saw in `out`, one a line.
fn calls(out: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(out)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// The process starts of `shell` (rc file `rc`, DevTrace's hook line after
/// it when `hooked`, then `after`) while 50 lines of builtins and then
/// `/bin/true` are typed, as strace attached to it saw them.
fn starts_while_typing(shell: &str, rc: &str, hooked: bool, after: &str) -> Vec<String> {
    let w = World::new();
    w.write_rc(rc, "", "");
    if hooked {
        let init = w.devtrace(&["init", "--shell", shell], &w.repo);
        assert!(init.status.success());
    }
    w.append_rc(shell, after);
    let mut sh = Pty::spawn(&w, shell, &w.repo);
    // Warm up: the first prompt's work (history base, FIFO set-up) done.
    sh.run("true");
    sh.run("true");
    if hooked {
        w.wait_events(&w.repo, &["--type", "run_command"], 2);
    }
    let out = w.tmp.path().join("strace.txt");
    let strace = attach(sh.pid(), &out);
    for _ in 0..10 {
        for l in LINES {
            sh.run(l);
        }
    }
    // A process the shell does start: strace must see it.
    sh.run("/bin/true");
    stop(strace);
    sh.exit();
    if hooked {
        let n = 2 + 10 * LINES.len() + 2;
        assert_eq!(
            w.wait_events(&w.repo, &["--type", "run_command"], n).len(),
            n
        );
    }
    process_starts(&calls(&out)).into_iter().cloned().collect()
}

#[test]
fn no_shell_starts_a_process_per_command() {
    let bp = std::env::var("DEVTRACE_TEST_BASH_PREEXEC").unwrap_or_default();
    assert!(
        std::path::Path::new(&bp).is_file(),
        "bash-preexec.sh not found: set DEVTRACE_TEST_BASH_PREEXEC to its path (./scripts/test.sh fetches it)"
    );
    let with_bp = format!("source '{bp}'");
    for (shell, rc, after) in [
        ("bash", "", ""),
        ("zsh", "", ""),
        ("fish", "", ""),
        // bash-preexec starts a subshell per command of its own
        // (`$(history 1)`): DevTrace may add none.
        ("bash", with_bp.as_str(), ""),
        // No hook at the first prompt: PS0 puts our entry back.
        ("bash", "", "unset PROMPT_COMMAND"),
    ] {
        let with = starts_while_typing(shell, rc, true, after);
        let without = if rc.is_empty() {
            // Only /bin/true's own start (a clone or fork; its execve happens
            // in the child, which strace without -f does not follow).
            1
        } else {
            starts_while_typing(shell, rc, false, after).len()
        };
        assert!(
            without >= 1,
            "{shell} {rc}: strace saw not even /bin/true start"
        );
        assert_eq!(
            with.len(),
            without,
            "{shell} {rc} {after}: 50 lines of builtins started processes: {with:#?}"
        );
    }
}
