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
/// still be finishing its last pass. None: another ingest holds it.
pub(super) fn take_lock(dir: &Path) -> Result<Option<fs::File>> {
    let lock = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC)
        .open(lock_path(dir))
        .context("could not open the ingest lock")?;
    let deadline = Instant::now() + Duration::from_secs(3);
    while lock.try_lock_exclusive().is_err() {
        if Instant::now() > deadline {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(Some(lock))
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
        // A killed ingest holds its lock until it has fully exited, but has
        // no /proc/PID/exe any more: start a new one, which waits for the lock.
        Some((pid, _)) if !std::path::Path::new(&format!("/proc/{pid}/exe")).exists() => {}
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

fn spawn() -> Result<i32> {
    let exe = crate::runtime::core_exe()?;
    let mut cmd = Command::new(exe);
    cmd.arg("ingest")
        .stdin(Stdio::null())
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
