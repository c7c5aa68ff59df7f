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

#[test]
fn no_shell_starts_a_process_per_command() {
    let bp = std::env::var("DEVTRACE_TEST_BASH_PREEXEC").unwrap_or_default();
    assert!(
        std::path::Path::new(&bp).is_file(),
        "bash-preexec.sh not found: set DEVTRACE_TEST_BASH_PREEXEC to its path (./scripts/test.sh fetches it)"
    );
    let with_bp = format!("source '{bp}'");
    for (shell, rc) in [
        ("bash", ""),
        ("bash", with_bp.as_str()),
        ("zsh", ""),
        ("fish", ""),
    ] {
        let w = World::new();
        w.write_rc(rc, "", "");
        let init = w.devtrace(&["init", "--shell", shell], &w.repo);
        assert!(init.status.success());
        let mut sh = Pty::spawn(&w, shell, &w.repo);
        // Warm up: the first prompt's work (history base, FIFO set-up) done.
        sh.run("true");
        sh.run("true");
        let n = w.wait_events(&w.repo, &["--type", "run_command"], 2).len();
        assert_eq!(n, 2, "{shell}");
        let out = w.tmp.path().join("strace.txt");
        let strace = attach(sh.pid(), &out);
        let lines: Vec<String> = (0..10).flat_map(|_| LINES.map(String::from)).collect();
        for l in &lines {
            sh.run(l);
        }
        // A process the shell does start, as a check that strace sees them.
        sh.run("/bin/true");
        stop(strace);
        let seen = calls(&out);
        let starts = process_starts(&seen);
        // Only /bin/true's own start (a clone or fork; its execve happens
        // in the child, which strace without -f does not follow).
        assert_eq!(
            starts.len(),
            1,
            "{shell} {rc}: {} lines of builtins started processes: {starts:#?}",
            lines.len()
        );
        sh.exit();
        w.wait_events(&w.repo, &["--type", "run_command"], 2 + lines.len() + 2);
    }
}
