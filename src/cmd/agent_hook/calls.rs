//! The calls a session has open (started, not yet ended), kept in the
//! session's runtime directory so that a call's end finds its start; and
//! the agent's own process, whose end ends the session.

use crate::runtime::Channel;
use anyhow::Result;
use fs2::FileExt;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;

fn calls_file(chan: &Channel) -> Result<std::fs::File> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(chan.calls())?;
    f.lock_exclusive()?;
    Ok(f)
}

pub fn remember_call(chan: &Channel, call_id: &str, seq: u64) -> Result<()> {
    let mut f = calls_file(chan)?;
    writeln!(f, "{call_id} {seq}")?;
    Ok(())
}

/// The number of the oldest open call with this id (one Gemini tool run
/// twice with the same input ends in order), which is then closed.
pub fn recall_call(chan: &Channel, call_id: &str) -> Result<Option<u64>> {
    let mut f = calls_file(chan)?;
    let mut text = String::new();
    f.read_to_string(&mut text)?;
    let mut lines: Vec<&str> = text.lines().collect();
    let hit = lines.iter().position(|l| {
        l.rsplit_once(' ')
            .is_some_and(|(id, seq)| id == call_id && seq.parse::<u64>().is_ok())
    });
    let Some(i) = hit else {
        return Ok(None);
    };
    let seq = lines[i].rsplit_once(' ').and_then(|(_, s)| s.parse().ok());
    lines.remove(i);
    f.set_len(0)?;
    let mut rest = lines.join("\n");
    if !rest.is_empty() {
        rest.push('\n');
    }
    f.write_all(rest.as_bytes())?;
    Ok(seq)
}

/// The agent's own process: the nearest ancestor that is not a shell (Claude
/// runs hooks through one). The session ends when it exits.
pub fn agent_process() -> i32 {
    let mut pid = nix::unistd::getppid().as_raw();
    for _ in 0..6 {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            break;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            break;
        };
        let comm = &stat[open + 1..close];
        if !matches!(
            comm,
            "sh" | "bash" | "dash" | "zsh" | "fish" | "env" | "timeout"
        ) {
            return pid;
        }
        let ppid = stat[close + 1..]
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        if ppid <= 1 {
            break;
        }
        pid = ppid;
    }
    pid
}
