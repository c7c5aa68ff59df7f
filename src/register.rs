//! A shell's session begins here: `devtrace hook` (prints the script and
//! registers the session of the shell that reads it), `session-start` (the
//! script registers itself) and `nonblock` (for bash's FIFO descriptor).
//! Shared by the `devtrace` front, which runs these at every shell start,
//! and devtrace-core (`devtrace exec` registers its sessions here too).

use crate::runtime::{self, Channel, SessionMeta};
use crate::shell_kind::Shell;
use crate::timestamp::Timestamp;
use anyhow::{Context, Result};
use nix::sys::stat::Mode;

/// `devtrace session-start`: creates the shell's channel and metadata,
/// makes sure ingest runs, and prints `SESSION<TAB>RUNTIME_DIR<TAB>INGEST_PID`
/// for the hook to keep.
pub fn session_start(shell: Shell, pid: i32) -> Result<i32> {
    let (session, dir, ingest_pid) =
        register(shell.name(), pid, crate::agent::detect(), None, false)?;
    println!("{session}\t{}\t{ingest_pid}", dir.display());
    Ok(0)
}

/// `devtrace hook SHELL`: prints the script. When its output goes to a
/// program (the rc line's `eval "$(…)"` or `… | source`), the parent is the
/// shell that will read it: its session is registered here, saving the
/// shell a `session-start` process. The session is lazy: it exists once
/// the shell sends a record, so a script piped into a pager or a file
/// leaves nothing behind. The script checks that the pid is its own
/// (`$$`) and else registers itself.
pub fn hook(shell: Shell) -> Result<i32> {
    use std::io::{IsTerminal, Write};
    let exe = runtime::front_exe().to_string_lossy().into_owned();
    let parent = nix::unistd::getppid().as_raw();
    let registered = if std::io::stdout().is_terminal() || parent <= 1 {
        None
    } else {
        // Any failure here is met again, and stays quiet, in the script's
        // own `session-start`.
        register(shell.name(), parent, crate::agent::detect(), None, true).ok()
    };
    // (A runtime directory that is not UTF-8 cannot go into the script.)
    let ready = registered.as_ref().and_then(|(session, dir, ingest_pid)| {
        Some(crate::hook::Ready {
            session,
            runtime_dir: dir.to_str()?,
            ingest_pid: *ingest_pid,
            shell_pid: parent,
        })
    });
    let script = crate::hook::render(shell, &exe, ready.as_ref());
    let mut out = std::io::stdout().lock();
    match out.write_all(script.as_bytes()).and_then(|()| out.flush()) {
        // `devtrace hook bash | head`: the reader had enough.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        res => res.map(|()| 0).context("could not print the hook script"),
    }
}

/// `devtrace nonblock`: makes standard input, a FIFO, non-blocking (the
/// flag is on the open file, which the bash hook shares).
pub fn nonblock() -> Result<i32> {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    use std::os::unix::fs::FileTypeExt;
    let stdin = std::io::stdin();
    let meta = std::fs::File::from(
        std::os::fd::AsFd::as_fd(&stdin)
            .try_clone_to_owned()
            .context("no standard input")?,
    )
    .metadata()?;
    anyhow::ensure!(meta.file_type().is_fifo(), "standard input is not a FIFO");
    let flags = OFlag::from_bits_truncate(fcntl(0, FcntlArg::F_GETFL)?);
    fcntl(0, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    Ok(0)
}

/// Makes the channel and metadata of a new session for process `pid`
/// (a shell, or the caller of `devtrace exec`), and makes sure ingest runs.
/// Returns the session id, the runtime directory and ingest's pid.
/// `link`: an agent's own session id and model, for a session of its hooks.
/// `lazy`: see [`SessionMeta::lazy`].
/// Creates an empty file that only the user can read (a new file: an
/// existing one, or a link, is an error).
fn create_private(path: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .append(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)
        .with_context(|| format!("could not create {}", path.display()))?;
    Ok(())
}

pub fn register(
    shell: &str,
    pid: i32,
    agent: Option<String>,
    link: Option<(String, Option<String>)>,
    lazy: bool,
) -> Result<(String, std::path::PathBuf, i32)> {
    let dir = runtime::ensure_dir()?;
    let now = Timestamp::now().floor_millis();
    let session = crate::ids::new_session_id(now);
    let chan = Channel::new(&dir, &session);
    nix::unistd::mkfifo(&chan.fifo(), Mode::from_bits_truncate(0o600))
        .with_context(|| format!("could not create {}", chan.fifo().display()))?;
    // Made here, private; the shell only ever appends to it.
    create_private(&chan.spool())?;
    if shell == "bash" {
        // bash rewrites it in place (`>|`), which keeps this mode.
        create_private(&chan.traps())?;
        create_private(&chan.hooks())?;
    }
    let cwd = std::env::var("PWD")
        .ok()
        .filter(|p| {
            std::path::Path::new(p).is_absolute()
                && std::fs::canonicalize(p).ok() == std::env::current_dir().ok()
        })
        .or_else(|| {
            std::env::current_dir()
                .ok()
                .map(|d| d.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "/".into());
    let meta = SessionMeta {
        session: session.clone(),
        shell: shell.into(),
        shell_pid: pid,
        shell_start_ticks: runtime::process_start_ticks(pid),
        host: nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_default(),
        user: std::env::var("USER").unwrap_or_else(|_| {
            nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|u| u.name)
                .unwrap_or_default()
        }),
        tty: nix::unistd::ttyname(std::io::stdin())
            .ok()
            .map(|p| p.to_string_lossy().into_owned()),
        cwd,
        agent,
        started: now,
        boot_coarse: runtime::uptime()
            .map(|up| Timestamp::from_centis(now.as_centis() - (up.as_millis() / 10) as i64)),
        boot: runtime::boot_time(),
        devtrace_version: env!("CARGO_PKG_VERSION").into(),
        agent_session: link.as_ref().map(|l| l.0.clone()),
        model: link.and_then(|l| l.1),
        lazy,
    };
    runtime::write_atomic(&chan.meta(), &serde_json::to_vec(&meta)?)?;
    let ingest_pid = crate::ingest::ensure(&dir)?;
    Ok((session, dir, ingest_pid))
}
