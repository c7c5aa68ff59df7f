//! Ingest killed while it is still exiting, or unable to read a channel
//! file, while shells go on and exit: nothing recorded is lost, and nothing
//! waits for the next shell to start.

use crate::faults::{assert_quiet, require_root, session_id, wait_commands};
use crate::support::*;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::path::Path;
use std::time::{Duration, Instant};

/// A process held by the cgroup-v1 freezer: a SIGKILL sent to it stays
/// pending, and it keeps its files (ingest: its lock and FIFOs) and its
/// /proc/PID/exe, until it is thawed. This is what a killed ingest looks
/// like while it waits for a CPU on a loaded machine, made to last.
struct Frozen {
    cgroup: std::path::PathBuf,
    pid: i32,
}

impl Frozen {
    fn kill(pid: i32) -> Frozen {
        require_root("freezing ingest");
        let root = Path::new("/sys/fs/cgroup/freezer");
        assert!(
            root.join("cgroup.procs").exists(),
            "this test needs the cgroup-v1 freezer at {}",
            root.display()
        );
        let cgroup = root.join(format!("devtrace-test-{}-{pid}", std::process::id()));
        std::fs::create_dir(&cgroup).unwrap();
        let f = Frozen { cgroup, pid };
        std::fs::write(f.cgroup.join("cgroup.procs"), pid.to_string()).unwrap();
        std::fs::write(f.cgroup.join("freezer.state"), "FROZEN").unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::read_to_string(f.cgroup.join("freezer.state"))
            .unwrap()
            .trim()
            != "FROZEN"
        {
            assert!(Instant::now() < deadline, "ingest {pid} did not freeze");
            std::thread::sleep(Duration::from_millis(10));
        }
        kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        assert!(
            status.contains("SigPnd:\t0000000000000100")
                || status.contains("ShdPnd:\t0000000000000100"),
            "no SIGKILL pending: {status}"
        );
        assert!(Path::new(&format!("/proc/{pid}/exe")).exists());
        f
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        let _ = std::fs::write(self.cgroup.join("freezer.state"), "THAWED");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Path::new(&format!("/proc/{}/exe", self.pid)).exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = std::fs::remove_dir(&self.cgroup);
    }
}

#[test]
fn a_shell_exiting_while_a_killed_ingest_is_still_exiting_loses_nothing() {
    // The killed ingest holds its lock, and looks alive, until it has
    // exited. The shell typing and exiting meanwhile (its FIFO kept, or
    // deleted) must still have every record stored, and its session ended,
    // without waiting for another shell to start.
    for (shell, delete_fifo) in [
        ("bash", false),
        ("bash", true),
        ("zsh", false),
        ("zsh", true),
        ("fish", false),
    ] {
        let ctx = format!("{shell}, FIFO deleted: {delete_fifo}");
        let w = World::initialised();
        let mut sh = Pty::spawn(&w, shell, &w.repo);
        sh.run("echo one");
        wait_commands(&w, &w.repo, 1);
        if delete_fifo {
            let sid = session_id(&w);
            std::fs::remove_file(w.runtime().join(format!("{sid}.fifo"))).unwrap();
        }
        let frozen = Frozen::kill(w.ingest_pid().expect("ingest runs"));
        sh.run("echo two");
        sh.run("echo three");
        let out = sh.output();
        sh.exit();
        // Only now does the killed ingest go (its lock with it).
        drop(frozen);
        assert_quiet(&out, &ctx);
        let evs = w.ended_session(&w.repo);
        assert_eq!(
            texts(&evs),
            ["echo one", "echo two", "echo three", "exit"],
            "{ctx}"
        );
    }
}

#[test]
fn a_spool_that_cannot_be_read_costs_none_of_the_fifo_records() {
    // Records wait in zsh's FIFO (ingest stopped); the spool file is
    // replaced by a symlink, which ingest refuses to read. The FIFO's
    // records, read into the journal in that same pass, are still stored.
    let w = World::initialised();
    let mut sh = Pty::spawn(&w, "zsh", &w.repo);
    sh.run("echo one");
    wait_commands(&w, &w.repo, 1);
    let sid = session_id(&w);
    let spool = w.runtime().join(format!("{sid}.spool"));
    let ingest = Pid::from_raw(w.ingest_pid().expect("ingest runs"));
    kill(ingest, Signal::SIGSTOP).unwrap();
    sh.run("echo held");
    std::fs::remove_file(&spool).unwrap();
    std::os::unix::fs::symlink("/nonexistent", &spool).unwrap();
    kill(ingest, Signal::SIGCONT).unwrap();
    // The marker: ingest has read the journal and failed on the spool.
    let log = w.runtime().join("ingest.log");
    let deadline = Instant::now() + Duration::from_secs(15);
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains(".spool")
    {
        assert!(Instant::now() < deadline, "ingest never tried the spool");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::remove_file(&spool).unwrap();
    sh.run("echo after");
    sh.exit();
    let evs = w.ended_session(&w.repo);
    assert_eq!(texts(&evs), ["echo one", "echo held", "echo after", "exit"]);
}
