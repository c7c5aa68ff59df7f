//! `devtrace exec [--agent NAME] -- CMD...`: runs one command exactly as
//! given (same arguments, standard streams, exit status and signals; no PTY)
//! and records it as a `run_command`, with the files it changed, in a
//! session of the calling process: every `devtrace exec` of one agent
//! process goes into one session, which ends when that process does.

use crate::channel;
use crate::cli::ExecArgs;
use crate::runtime::Channel;
use crate::timestamp::Timestamp;
use crate::wire::{ExitRecord, Record, Stamp};
use anyhow::{Context, Result};
use std::os::unix::process::ExitStatusExt;
use std::process::Command;

pub fn run(a: ExecArgs) -> Result<i32> {
    let agent = a.agent.clone().or_else(crate::agent::detect);
    let argv = a.command;
    // Recording is best effort: the command runs whatever happens to it.
    // Typed in a recorded shell, the shell records the line already.
    let rec = if channel::in_recorded_shell() {
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
                if let Ok(sig) = nix::sys::signal::Signal::try_from(sig) {
                    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig);
                }
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

/// The command's two records, in a session of the calling process.
struct Recorder {
    chan: Channel,
    seq: u64,
    start: Timestamp,
}

impl Recorder {
    fn start(agent: Option<String>, argv: &[String]) -> Result<Recorder> {
        let cwd = crate::resolve::cwd()?;
        let ppid = nix::unistd::getppid().as_raw();
        let text = argv.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ");
        let (chan, seq, start) = channel::begin_record(agent, ppid, "exec", &cwd, text.as_bytes())?;
        Ok(Recorder { chan, seq, start })
    }

    fn finish(self, code: Option<i32>) {
        let end = Timestamp::now();
        let rec = Record::Exit(ExitRecord {
            seq: self.seq,
            at: Stamp::EpochMicros(end.as_micros()),
            status: code,
            // One process: the pipeline of one stage the contract asks for.
            pipestatus: code.map(|c| vec![c]),
            duration: Some(std::time::Duration::from_millis(
                end.since(self.start).as_millis() as u64,
            )),
            outcome: None,
        });
        let _ = channel::append_spool(&self.chan, &crate::wire::encode(&rec));
    }
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
