//! Start-up: the session `devtrace hook` registers for the shell that reads
//! its script, the fallback when something else reads it, and what a
//! script that is never read leaves behind (nothing).

use crate::support::*;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

const SHELLS: [&str; 3] = ["bash", "zsh", "fish"];

/// The metadata of the session a running shell reports in DEVTRACE_SESSION
/// (printed into a file by the shell itself).
fn meta_of_running_shell(w: &World, sh: &mut Pty, ctx: &str) -> Value {
    let out = w.home.join(format!("sid-{ctx}"));
    sh.run(&format!("echo $DEVTRACE_SESSION > {}", out.display()));
    let sid = std::fs::read_to_string(&out).unwrap().trim().to_owned();
    assert!(!sid.is_empty(), "{ctx}: DEVTRACE_SESSION is not set");
    let meta = std::fs::read(w.runtime().join(format!("{sid}.meta"))).unwrap();
    serde_json::from_slice(&meta).unwrap()
}

/// Session files (meta, spool, FIFO, ...) left in the runtime directory.
fn session_files(w: &World) -> Vec<String> {
    std::fs::read_dir(w.runtime())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("ingest.") && n != "pauses.json")
        .collect()
}

fn wait_no_session_files(w: &World) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = session_files(w);
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "left in the runtime directory: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether descriptor flags (octal, as in /proc/PID/fdinfo) say O_NONBLOCK.
fn fifo_fds_of(pid: i32, fifo: &Path) -> Vec<bool> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
    {
        if std::fs::read_link(e.path()).ok().as_deref() != Some(fifo) {
            continue;
        }
        let info = std::fs::read_to_string(format!(
            "/proc/{pid}/fdinfo/{}",
            e.file_name().to_string_lossy()
        ))
        .unwrap();
        let flags = info
            .lines()
            .find_map(|l| l.strip_prefix("flags:"))
            .map(|f| u32::from_str_radix(f.trim(), 8).unwrap())
            .unwrap();
        found.push(flags & 0o4000 != 0);
    }
    found
}

#[test]
fn the_rc_line_takes_the_session_the_hook_registered() {
    let w = World::initialised();
    for shell in SHELLS {
        let mut sh = Pty::spawn(&w, shell, &w.repo);
        let meta = meta_of_running_shell(&w, &mut sh, shell);
        // Registered by `devtrace hook` (lazy), for this very shell.
        assert_eq!(meta["lazy"], true, "{shell}: {meta}");
        assert_eq!(meta["shell_pid"], sh.pid(), "{shell}");
        assert_eq!(meta["shell"], shell, "{shell}");
        if shell == "bash" {
            // The FIFO is made non-blocking in the background; after a
            // few commands the shell's descriptor is so, and exit records
            // go through it rather than into the spool file.
            let sid = meta["session"].as_str().unwrap();
            let fifo = w.runtime().join(format!("{sid}.fifo"));
            for i in 0..5 {
                sh.run(&format!("echo warm {i}"));
            }
            assert_eq!(fifo_fds_of(sh.pid(), &fifo), vec![true], "bash FIFO fd");
            let spool = std::fs::read(w.runtime().join(format!("{sid}.spool"))).unwrap();
            let exits_in_spool = spool.windows(3).filter(|w| w == b"\0E\0").count();
            assert!(
                exits_in_spool <= 1,
                "{exits_in_spool} exit records in the spool"
            );
        }
        sh.run("echo recorded");
        sh.exit();
        let evs = w.ended_session(&w.repo);
        let t = texts(&evs);
        assert!(t.contains(&"echo recorded".to_owned()), "{shell}: {t:?}");
        assert_eq!(evs[0]["type"], "session_start", "{shell}");
    }
    wait_no_session_files(&w);
}

#[test]
fn a_hook_script_that_is_never_read_leaves_nothing_behind() {
    let w = World::initialised();
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    // Each registers a session for this bash, which never takes it.
    sh.run("devtrace hook bash > $HOME/saved.sh");
    sh.run("devtrace hook zsh | cat > /dev/null");
    sh.run("devtrace hook fish | head -c 10 > /dev/null");
    sh.run("echo done");
    let out = sh.output();
    sh.exit();
    assert!(
        !out.contains("devtrace:") && !out.contains("Broken pipe"),
        "the terminal shows: {out}"
    );
    let saved = std::fs::read_to_string(w.home.join("saved.sh")).unwrap();
    assert!(
        saved.contains("__devtrace_init '"),
        "no session in the script"
    );
    w.ended_session(&w.repo);
    let sessions = w.devtrace(&["sessions", "--json"], &w.repo);
    let rows = parse_lines(&sessions.stdout);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    wait_no_session_files(&w);
    w.wait_ingest_gone();
}

#[test]
fn a_script_read_by_another_process_registers_a_session_of_its_own() {
    // The rc line wrapped (the hook's parent is then a subshell), and a
    // script saved once and read by every shell (another shell's pid).
    let w = World::new();
    std::fs::create_dir(w.repo.join(".devtrace")).unwrap();
    for shell in SHELLS {
        let saved = w.home.join(format!("saved.{shell}"));
        let gen = w
            .cmd_in("sh", &w.home)
            .arg("-c")
            .arg(format!(
                "devtrace hook {shell} > '{}'; true",
                saved.display()
            ))
            .status()
            .unwrap();
        assert!(gen.success());
    }
    let cases = [
        ("bash", "eval \"$(devtrace hook bash || true)\""),
        ("bash", "source \"$HOME/saved.bash\""),
        ("zsh", "eval \"$(devtrace hook zsh; :)\""),
        ("zsh", "source \"$HOME/saved.zsh\""),
        ("fish", "source $HOME/saved.fish"),
    ];
    for (shell, line) in cases {
        match shell {
            "bash" => w.write_rc(line, "", ""),
            "zsh" => w.write_rc("", line, ""),
            _ => w.write_rc("", "", line),
        }
        let mut sh = Pty::spawn(&w, shell, &w.repo);
        let meta = meta_of_running_shell(&w, &mut sh, "wrapped");
        assert_eq!(meta["shell_pid"], sh.pid(), "{line}: {meta}");
        assert_eq!(meta.get("lazy"), None, "{line}: {meta}");
        sh.run("echo still recorded");
        let out = sh.output();
        sh.exit();
        assert!(
            !out.contains("devtrace:") && !out.contains("not found"),
            "{line}: the terminal shows: {out}"
        );
        let evs = w.ended_session(&w.repo);
        let t = texts(&evs);
        assert!(
            t.contains(&"echo still recorded".to_owned()),
            "{line}: {t:?}"
        );
    }
    // The sessions registered for the shells that saved the scripts, and
    // for the subshells, never started.
    let rows = parse_lines(&w.devtrace(&["sessions", "--json"], &w.repo).stdout);
    assert_eq!(rows.len(), cases.len(), "{rows:#?}");
    wait_no_session_files(&w);
}
