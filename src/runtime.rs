//! The per-user runtime directory: where each shell's channel (FIFO, spool
//! file) and session metadata live, and where ingest keeps its lock, pid and
//! per-session progress. Everything here is private to the user (0700/0600)
//! and refused when it is not.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::timestamp::Timestamp;

/// `$XDG_RUNTIME_DIR/devtrace`, else `/tmp/devtrace-$UID`.
pub fn dir() -> PathBuf {
    if let Some(base) = crate::paths::runtime_home() {
        return base.join("devtrace");
    }
    PathBuf::from(format!("/tmp/devtrace-{}", nix::unistd::getuid()))
}

/// Why a runtime path is not safe to use.
pub fn check_private(path: &Path, want_dir: bool) -> Result<()> {
    let meta =
        fs::symlink_metadata(path).with_context(|| format!("cannot inspect {}", path.display()))?;
    if meta.file_type().is_symlink() {
        bail!(
            "{} is a symbolic link; refusing to follow it",
            path.display()
        );
    }
    if want_dir && !meta.is_dir() {
        bail!("{} is not a directory", path.display());
    }
    let uid = nix::unistd::getuid().as_raw();
    if meta.uid() != uid {
        bail!(
            "{} is owned by uid {}, not by you (uid {uid}); refusing to use it",
            path.display(),
            meta.uid()
        );
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        bail!(
            "{} has mode {mode:03o}; it must not be readable or writable by others (chmod go-rwx)",
            path.display()
        );
    }
    Ok(())
}

/// The full binary: this one, or devtrace-core next to the `devtrace` front.
pub fn core_exe() -> Result<PathBuf> {
    let me = std::env::current_exe().context("cannot find the devtrace binary")?;
    if me.file_name().is_some_and(|n| n == "devtrace-core") {
        return Ok(me);
    }
    Ok(me.with_file_name("devtrace-core"))
}

/// The `devtrace` command for hook scripts: the front next to
/// devtrace-core, or this binary.
pub fn front_exe() -> PathBuf {
    let me = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("devtrace"));
    let front = me.with_file_name("devtrace");
    if me.file_name().is_some_and(|n| n == "devtrace-core") && front.exists() {
        return front;
    }
    me
}

/// Creates the runtime directory if needed and checks that it is private.
pub fn ensure_dir() -> Result<PathBuf> {
    let dir = dir();
    if let Some(parent) = dir.parent() {
        if !parent.exists() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
    }
    match fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", dir.display())),
    }
    check_private(&dir, true)?;
    Ok(dir)
}

/// The sessions that have a channel in the runtime directory `dir`.
pub fn session_ids(dir: &Path) -> Vec<String> {
    let Ok(rd) = fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_suffix(".meta").map(str::to_owned)
        })
        .collect()
}

/// The files of one shell session in the runtime directory.
#[derive(Debug, Clone)]
pub struct Channel {
    pub dir: PathBuf,
    pub session: String,
}

impl Channel {
    pub fn new(dir: &Path, session: &str) -> Self {
        Channel {
            dir: dir.to_path_buf(),
            session: session.to_owned(),
        }
    }
    fn file(&self, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", self.session))
    }
    /// The FIFO the shell writes small records into (bash, zsh).
    pub fn fifo(&self) -> PathBuf {
        self.file("fifo")
    }
    /// The file the shell appends to when the FIFO cannot take a record.
    pub fn spool(&self) -> PathBuf {
        self.file("spool")
    }
    /// Raw bytes ingest drained from the FIFO, kept until they are stored.
    pub fn journal(&self) -> PathBuf {
        self.file("journal")
    }
    /// Ingest's progress through this session (offsets, pending commands).
    pub fn state(&self) -> PathBuf {
        self.file("state")
    }
    /// The traps set before the bash hook, which it reads from here.
    pub fn traps(&self) -> PathBuf {
        self.file("traps")
    }
    /// Which hooks record a bash shell (`debug` or `bash-preexec`): written
    /// by the hook at the first prompt, read by `doctor`.
    pub fn hooks(&self) -> PathBuf {
        self.file("hooks")
    }
    /// Who the shell is: written once by `session-start`.
    pub fn meta(&self) -> PathBuf {
        self.file("meta")
    }
    /// For a session of `devtrace exec` commands: who it belongs to, and
    /// the number of the last command.
    pub fn exec(&self) -> PathBuf {
        self.file("exec")
    }
    /// For an agent's session: its open tool calls and their numbers.
    pub fn calls(&self) -> PathBuf {
        self.file("calls")
    }
    pub fn all_files(&self) -> Vec<PathBuf> {
        [
            // The DEBUG and EXIT traps set before the bash hook, which it
            // reads from here (`$(trap -p)` would fork a subshell).
            "traps",
            "hooks",
            "exec",
            "calls",
            "fifo",
            "spool",
            "journal",
            "state",
            "meta",
            "meta.tmp",
            "state.tmp",
        ]
        .iter()
        .map(|e| self.file(e))
        .collect()
    }
}

/// What `session-start` learns about a shell, for ingest and `session_start`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionMeta {
    pub session: String,
    pub shell: String,
    pub shell_pid: i32,
    /// The shell process's start time in clock ticks since boot
    /// (/proc/PID/stat field 22): tells a live shell from a reused pid.
    pub shell_start_ticks: Option<u64>,
    pub host: String,
    pub user: String,
    pub tty: Option<String>,
    pub cwd: String,
    pub agent: Option<String>,
    /// When the shell registered, to the millisecond.
    #[serde(rename = "started_ms", with = "crate::timestamp::epoch_ms")]
    pub started: Timestamp,
    /// Wall clock minus uptime, to the centisecond: turns fish's uptime
    /// stamps into wall-clock time.
    #[serde(
        rename = "boot_epoch_cs",
        default,
        with = "crate::timestamp::opt_epoch_cs"
    )]
    pub boot_coarse: Option<Timestamp>,
    /// The same to the microsecond, from the kernel's clocks (exact).
    #[serde(
        rename = "boot_epoch_us",
        default,
        with = "crate::timestamp::opt_epoch_us"
    )]
    pub boot: Option<Timestamp>,
    pub devtrace_version: String,
    /// An agent's own session (recorded through its hooks): the agent's
    /// session id, and the model when the agent says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_session: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Registered by `devtrace hook` before the shell has read the script:
    /// the session exists only once the shell sends its first record (the
    /// script may be piped into a pager or a file instead).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lazy: bool,
}

/// Field 22 of /proc/PID/stat: when the process started.
pub fn process_start_ticks(pid: i32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    after.split(' ').nth(19)?.parse().ok()
}

/// Whether the process that started at `ticks` is still `pid`.
pub fn process_alive(pid: i32, ticks: Option<u64>) -> bool {
    match process_start_ticks(pid) {
        Some(t) => ticks.is_none_or(|want| want == t),
        None => false,
    }
}

/// When the machine booted: the clock /proc/uptime counts from
/// (CLOCK_BOOTTIME), measured to the microsecond, not rounded.
pub fn boot_time() -> Option<Timestamp> {
    use nix::time::{clock_gettime, ClockId};
    let real = clock_gettime(ClockId::CLOCK_REALTIME).ok()?;
    let boot = clock_gettime(ClockId::CLOCK_BOOTTIME).ok()?;
    let us = |t: nix::sys::time::TimeSpec| t.tv_sec() * 1_000_000 + t.tv_nsec() / 1000;
    Some(Timestamp::from_micros(us(real) - us(boot)))
}

/// The uptime to the centisecond, from /proc/uptime (what fish's hook
/// reads too).
pub fn uptime() -> Option<Duration> {
    let s = fs::read_to_string("/proc/uptime").ok()?;
    let first = s.split_whitespace().next()?;
    let (secs, frac) = first.split_once('.').unwrap_or((first, "0"));
    let frac = format!("{frac:0<2}");
    let cs = secs.parse::<u64>().ok()? * 100 + frac[..2].parse::<u64>().ok()?;
    Some(Duration::from_millis(cs * 10))
}

/// Writes `bytes` to `path` atomically (temp file, then rename), mode 0600.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(bytes)?;
    drop(f);
    fs::rename(&tmp, path).with_context(|| format!("cannot rename to {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The metadata file keeps its integer fields, byte for byte: the hooks
    /// and an ingest of the previous version read it.
    #[test]
    fn session_meta_keeps_its_file_form() {
        let json = r#"{"session":"S","shell":"fish","shell_pid":7,"shell_start_ticks":null,"host":"h","user":"u","tty":null,"cwd":"/","agent":null,"started_ms":1700000000123,"boot_epoch_cs":169999000012,"boot_epoch_us":1699990000123456,"devtrace_version":"0"}"#;
        let m: SessionMeta = serde_json::from_str(json).unwrap();
        assert_eq!(m.started, Timestamp::from_millis(1_700_000_000_123));
        assert_eq!(m.boot_coarse, Some(Timestamp::from_centis(169_999_000_012)));
        assert_eq!(m.boot, Some(Timestamp::from_micros(1_699_990_000_123_456)));
        assert_eq!(serde_json::to_string(&m).unwrap(), json);
        let old = r#"{"session":"S","shell":"bash","shell_pid":7,"shell_start_ticks":1,"host":"h","user":"u","tty":null,"cwd":"/","agent":null,"started_ms":5,"boot_epoch_cs":null,"devtrace_version":"0"}"#;
        let m: SessionMeta = serde_json::from_str(old).unwrap();
        assert_eq!((m.boot_coarse, m.boot), (None, None));
    }
}
