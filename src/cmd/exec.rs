//! `devtrace exec [--agent NAME] -- CMD...`: runs one command exactly as
//! given (same arguments, standard streams, exit status and signals; no PTY)
//! and records it as a `run_command`, with the files it changed, in a
//! session of the calling process: every `devtrace exec` of one agent
//! process goes into one session, which ends when that process does.

use crate::cli::ExecArgs;
use crate::runtime::{self, Channel};
use crate::wire::{CmdRecord, ExitRecord, Record, Stamp, TextSource};
use anyhow::{Context, Result};
use fs2::FileExt;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::ExitStatusExt;
use std::process::Command;

pub fn run(a: ExecArgs) -> Result<i32> {
    let agent = a.agent.clone().or_else(crate::agent::detect);
    let argv = a.command;
    // Recording is best effort: the command runs whatever happens to it.
    // Typed in a recorded shell, the shell records the line already.
    let rec = if super::send::in_recorded_shell() {
        None
    } else {
        Recorder::start(agent.clone(), &argv).ok()
    };

    // Handlers (not "ignore") for the terminal's signals: the command gets
    // them from the terminal itself, and after exec its dispositions are the
    // defaults again. TERM and HUP sent to us alone are passed on.
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGQUIT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ])?;
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]);
    if let Some(name) = &agent {
        cmd.env("DEVTRACE_AGENT", name);
    }
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            let code = match e.kind() {
                std::io::ErrorKind::NotFound => 127,
                _ => 126,
            };
            let why = if code == 127 {
                "command not found".to_owned()
            } else {
                e.to_string()
            };
            eprintln!("devtrace: {}: {why}", argv[0]);
            if let Some(r) = rec {
                r.finish(Some(code));
            }
            return Ok(code);
        }
    };
    let pid = child.id() as i32;
    let handle = signals.handle();
    let forwarder = std::thread::spawn(move || {
        for sig in signals.forever() {
            if sig == signal_hook::consts::SIGTERM || sig == signal_hook::consts::SIGHUP {
                // SAFETY: plain kill(2) of our own child.
                unsafe { nix::libc::kill(pid, sig) };
            }
        }
    });
    let mut child = child;
    let status = child.wait().context("could not wait for the command")?;
    handle.close();
    let _ = forwarder.join();
    let code = status.code().or_else(|| status.signal().map(|s| 128 + s));
    if let Some(r) = rec {
        r.finish(code);
    }
    if let Some(sig) = status.signal() {
        // Die the way the command died, so the caller sees the same (a
        // signal whose default is to be ignored leaves us here).
        let _ = signal_hook::low_level::emulate_default_handler(sig);
        return Ok(128 + sig);
    }
    Ok(code.unwrap_or(1))
}

/// Writes the command record of `text` run in `cwd` into the session of
/// process `owner` and `agent` (made on first use, with `shell` as its
/// kind). Returns the session's channel, the command's number and when it
/// started.
pub fn begin_record(
    agent: Option<String>,
    owner: i32,
    shell: &str,
    cwd: &str,
    text: &[u8],
) -> Result<(Channel, u64, i64)> {
    let key = format!(
        "{owner} {} {}",
        runtime::process_start_ticks(owner).unwrap_or(0),
        agent.as_deref().unwrap_or("")
    );
    let dir = runtime::ensure_dir()?;
    let chan = session_for(&dir, &key, shell, owner, agent, None)?;
    let seq = next_seq(&chan)?;
    let start_us = runtime::now_us();
    // Redacted before it is written anywhere, the channel included.
    let text = match std::str::from_utf8(text) {
        Ok(t) => crate::redact::text(t).into_owned().into_bytes(),
        Err(_) => text.to_vec(),
    };
    let rec = Record::Cmd(CmdRecord {
        seq,
        at: Stamp::EpochMicros(start_us),
        cwd: cwd.as_bytes().to_vec(),
        source: TextSource::Literal,
        text,
    });
    super::send::append_spool(&chan, &crate::wire::encode(&rec))?;
    Ok((chan, seq, start_us))
}

/// The command's two records, in a session of the calling process.
struct Recorder {
    chan: Channel,
    seq: u64,
    start_us: i64,
}

impl Recorder {
    fn start(agent: Option<String>, argv: &[String]) -> Result<Recorder> {
        let cwd = super::cwd()?;
        let ppid = nix::unistd::getppid().as_raw();
        let text = argv.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ");
        let (chan, seq, start_us) = begin_record(agent, ppid, "exec", &cwd, text.as_bytes())?;
        Ok(Recorder {
            chan,
            seq,
            start_us,
        })
    }

    fn finish(self, code: Option<i32>) {
        let end_us = runtime::now_us();
        let rec = Record::Exit(ExitRecord {
            seq: self.seq,
            at: Stamp::EpochMicros(end_us),
            status: code,
            pipestatus: None,
            duration_ms: Some(((end_us - self.start_us).max(0) / 1000) as u64),
        });
        let _ = super::send::append_spool(&self.chan, &crate::wire::encode(&rec));
    }
}

/// The session of `key` (for exec: the caller's pid, start time and agent),
/// registered on first use for process `ppid`. One lock keeps two first
/// commands from making two sessions.
pub fn session_for(
    dir: &std::path::Path,
    key: &str,
    shell: &str,
    ppid: i32,
    agent: Option<String>,
    link: Option<(String, Option<String>)>,
) -> Result<Channel> {
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(dir.join("exec.lock"))?;
    lock.lock_exclusive()?;
    for e in std::fs::read_dir(dir)?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(sid) = name.strip_suffix(".exec") else {
            continue;
        };
        let chan = Channel::new(dir, sid);
        let owner = std::fs::read_to_string(chan.exec()).unwrap_or_default();
        if owner.lines().next() == Some(key) && chan.meta().exists() {
            return Ok(chan);
        }
    }
    let (sid, dir, _) = crate::register::register(shell, ppid, agent, link, false)?;
    let chan = Channel::new(&dir, &sid);
    runtime::write_atomic(&chan.exec(), format!("{key}\n0\n").as_bytes())?;
    Ok(chan)
}

/// The next command number of the session (parallel commands of one agent
/// get distinct numbers).
pub fn next_seq(chan: &Channel) -> Result<u64> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(chan.exec())?;
    f.lock_exclusive()?;
    let mut text = String::new();
    f.read_to_string(&mut text)?;
    let mut lines = text.lines();
    let key = lines.next().unwrap_or("").to_owned();
    let seq = lines
        .next()
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0)
        + 1;
    f.set_len(0)?;
    f.seek(SeekFrom::Start(0))?;
    f.write_all(format!("{key}\n{seq}\n").as_bytes())?;
    Ok(seq)
}

/// A word as a shell would need it typed.
fn quote(a: &str) -> String {
    let plain = !a.is_empty()
        && a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%^".contains(&b));
    if plain {
        a.to_owned()
    } else {
        format!("'{}'", a.replace('\'', r"'\''"))
    }
}
