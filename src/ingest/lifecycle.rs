//! Ingest's life: one per user (an fs2 lock in the runtime directory), its
//! pid and version for the hooks and `doctor`, and how it is started fully
//! detached, or replaced by another version.

use anyhow::{Context, Result};
use fs2::FileExt;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub(super) fn lock_path(dir: &Path) -> PathBuf {
    dir.join("ingest.lock")
}

pub(super) fn pid_path(dir: &Path) -> PathBuf {
    dir.join("ingest.pid")
}

/// Takes the ingest lock, waiting a little for a replaced ingest that may
/// still be finishing its last pass, and as long as it takes a killed one
/// to exit (up to a minute). None: another ingest holds it.
pub(super) fn take_lock(dir: &Path) -> Result<Option<fs::File>> {
    let lock = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC)
        .open(lock_path(dir))
        .context("could not open the ingest lock")?;
    let start = Instant::now();
    let mut held = Vec::new();
    while lock.try_lock_exclusive().is_err() {
        if held.is_empty() {
            held = hold_fifos(dir);
        }
        let waited = start.elapsed();
        if waited > Duration::from_secs(60)
            || waited > Duration::from_secs(3) && !holder(dir).is_some_and(dying)
        {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Kept open until this ingest exits: a FIFO's records live only while
    // someone holds it, and its shell may be gone before our sessions open it.
    std::mem::forget(held);
    Ok(Some(lock))
}

/// Opens every FIFO of the runtime directory, so that the records in them
/// outlive the ingest that holds the lock (killed, it may be exiting) and
/// shells that exit meanwhile, until this ingest reads them.
fn hold_fifos(dir: &Path) -> Vec<fs::File> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "fifo"))
        .filter_map(|e| super::reader::open_fifo(&e.path()))
        .collect()
}

/// The pid ingest's pid file names.
fn holder(dir: &Path) -> Option<i32> {
    let text = fs::read_to_string(pid_path(dir)).ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// The pid and version of the running ingest, if one holds the lock.
pub fn running(dir: &Path) -> Option<(i32, String)> {
    let lock = OpenOptions::new().read(true).open(lock_path(dir)).ok()?;
    if lock.try_lock_exclusive().is_ok() {
        let _ = FileExt::unlock(&lock);
        return None;
    }
    let text = fs::read_to_string(pid_path(dir)).ok()?;
    let mut parts = text.split_whitespace();
    let pid = parts.next()?.parse().ok()?;
    Some((pid, parts.next().unwrap_or("").to_owned()))
}

/// Makes sure an ingest of this version runs; returns its pid. Starts one
/// fully detached (own session, no terminal, stdio on /dev/null) when none
/// runs, and replaces one of another version.
pub fn ensure(dir: &Path) -> Result<i32> {
    match running(dir) {
        // A killed ingest holds its lock until it has fully exited: start a
        // new one, which waits for the lock, and drains what the shells left.
        Some((pid, _)) if dying(pid) => {}
        Some((pid, v)) if v == env!("CARGO_PKG_VERSION") => return Ok(pid),
        Some((pid, _)) => {
            // An older (or newer) binary: ask it to finish and hand over.
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        None => {}
    }
    spawn()
}

/// Whether ingest `pid` is dead or on its way out, though it may still hold
/// its lock: no /proc/PID/exe (its memory is gone), a zombie, or a SIGKILL
/// pending that it has not yet acted on (a process waiting for a CPU can
/// stay so for a while). Such an ingest will read nothing more.
pub fn dying(pid: i32) -> bool {
    if !Path::new(&format!("/proc/{pid}/exe")).exists() {
        return true;
    }
    let Ok(status) = fs::read_to_string(format!("/proc/{pid}/status")) else {
        return true;
    };
    status_says_dying(&status)
}

/// The test of `dying` on the text of /proc/PID/status.
fn status_says_dying(status: &str) -> bool {
    const SIGKILL_BIT: u64 = 1 << (9 - 1);
    status.lines().any(|line| {
        let (key, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.trim();
        match key {
            "State" => value.starts_with('Z') || value.starts_with('X'),
            "SigPnd" | "ShdPnd" => {
                u64::from_str_radix(value, 16).is_ok_and(|m| m & SIGKILL_BIT != 0)
            }
            _ => false,
        }
    })
}

/// The command that runs ingest: devtrace-ingest next to this binary (the
/// ingest process alone, which holds less memory than the full binary),
/// else `devtrace-core ingest`. Either checks that it comes from this
/// build (src/build.rs).
fn ingest_command() -> Result<Command> {
    let me = std::env::current_exe().context("cannot find the devtrace binary")?;
    let ingest = me.with_file_name("devtrace-ingest");
    let mut cmd = if ingest.exists() {
        Command::new(ingest)
    } else {
        let mut core = Command::new(crate::runtime::core_exe()?);
        core.arg("ingest");
        core
    };
    cmd.env(crate::build::FRONT_VAR, crate::build::ID);
    Ok(cmd)
}

fn spawn() -> Result<i32> {
    let mut cmd = ingest_command()?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            nix::unistd::setsid().map_err(std::io::Error::from)?;
            // Nothing of the shell's stays open in ingest (its FIFO least of all).
            nix::libc::syscall(nix::libc::SYS_close_range, 3u32, u32::MAX, 0u32);
            Ok(())
        });
    }
    let child = cmd.spawn().context("could not start devtrace ingest")?;
    Ok(child.id() as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_sigkill_or_a_zombie_is_dying() {
        let alive = "Name:\tdevtrace-core\nState:\tS (sleeping)\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000004000\n";
        assert!(!status_says_dying(alive));
        assert!(status_says_dying(&alive.replace(
            "ShdPnd:\t0000000000004000",
            "ShdPnd:\t0000000000000100"
        )));
        assert!(status_says_dying(&alive.replace(
            "SigPnd:\t0000000000000000",
            "SigPnd:\t0000000000000100"
        )));
        assert!(status_says_dying(
            &alive.replace("S (sleeping)", "Z (zombie)")
        ));
        assert!(!dying(std::process::id() as i32));
    }
}
