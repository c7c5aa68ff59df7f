//! The writing end of a session's channel, for devtrace's own commands:
//! how a record (in the wire format) is appended to a session's spool for
//! ingest to read. An event made by a devtrace command (a note, a snapshot)
//! goes through the channel of the recorded shell it runs in, so ingest
//! files it in the shell's session, in order; elsewhere it is stored
//! directly, in a session of its own. `devtrace exec`, `agent-cmd` and the
//! agents' hooks write their command records into sessions of their own
//! callers (`session_for`, `next_seq`, `begin_record`).

use crate::event::{Data, Event, SessionEnd, SessionStart, SCHEMA_VERSION};
use crate::runtime::{self, Channel, SessionMeta};
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::wire::{CmdRecord, EventRecord, Record, Stamp, TextSource};
use anyhow::{Context, Result};
use fs2::FileExt;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// Records an event made in `cwd`, into the store `store_dir`. Returns the
/// event as stored (or as sent to ingest).
pub fn send(store_dir: &Path, mut data: Data, cwd: &str) -> Result<Event> {
    let now = Timestamp::now().floor_millis();
    // Redacted before it is written anywhere, the channel included.
    crate::redact::data(&mut data);
    if let Some((chan, meta)) = current_shell() {
        let id = crate::ids::new_session_id(now);
        let rec = Record::Event(EventRecord {
            seq: 0,
            at: Stamp::EpochMicros(now.as_micros()),
            id: id.clone(),
            kind: data.type_name().into(),
            cwd: cwd.as_bytes().to_vec(),
            data: serde_json::to_vec(&data)?,
        });
        if append_spool(&chan, &crate::wire::encode(&rec)).is_ok() {
            let dir = runtime::dir();
            let _ = crate::ingest::ensure(&dir);
            wait_stored(store_dir, &id);
            let mut ev = Event {
                v: SCHEMA_VERSION,
                id,
                session: meta.session,
                seq: 0,
                ts: now,
                agent: meta.agent,
                cwd: cwd.into(),
                repo: crate::ingest::route::repo_root(Path::new(cwd)),
                data,
            };
            crate::redact::event(&mut ev);
            return Ok(ev);
        }
    }
    own_session(store_dir, data, cwd, now)
}

/// The session of the recorded shell this command runs in.
pub fn recorded_session() -> Option<String> {
    current_shell().map(|(_, meta)| meta.session)
}

/// Whether this command runs inside a recorded shell.
pub fn in_recorded_shell() -> bool {
    current_shell().is_some()
}

/// The recorded shell this command runs in, if its channel is still there.
fn current_shell() -> Option<(Channel, SessionMeta)> {
    let session = std::env::var("DEVTRACE_SESSION").ok()?;
    if session.len() != 26 || !session.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let chan = Channel::new(&runtime::dir(), &session);
    runtime::check_private(&chan.meta(), false).ok()?;
    let meta: SessionMeta = serde_json::from_slice(&std::fs::read(chan.meta()).ok()?).ok()?;
    runtime::process_alive(meta.shell_pid, meta.shell_start_ticks).then_some((chan, meta))
}

/// The channel the events of this process belong in: the recorded shell's
/// it runs in, else the session of its caller (the parent process and
/// `agent`, the session `exec` uses too), made as `kind` on first use.
pub fn caller(agent: Option<String>, kind: &str) -> Result<Channel> {
    if let Some((chan, _)) = current_shell() {
        return Ok(chan);
    }
    session_of(nix::unistd::getppid().as_raw(), agent, kind)
}

/// The session of process `owner` and `agent`, made as `kind` on first use.
fn session_of(owner: i32, agent: Option<String>, kind: &str) -> Result<Channel> {
    let key = format!(
        "{owner} {} {}",
        runtime::process_start_ticks(owner).unwrap_or(0),
        agent.as_deref().unwrap_or("")
    );
    let dir = runtime::ensure_dir()?;
    session_for(&dir, &key, kind, owner, agent, None)
}

/// An event made at `at` in `cwd`, redacted, into `chan` for ingest.
pub fn send_to(chan: &Channel, at: Timestamp, cwd: &str, mut data: Data) -> Result<()> {
    crate::redact::data(&mut data);
    let rec = Record::Event(EventRecord {
        seq: 0,
        at: Stamp::EpochMicros(at.as_micros()),
        id: crate::ids::new_session_id(at),
        kind: data.type_name().into(),
        cwd: cwd.as_bytes().to_vec(),
        data: serde_json::to_vec(&data)?,
    });
    append_spool(chan, &crate::wire::encode(&rec)).map(|_| ())
}

/// One `write()` in append mode: whole, after whatever the shell wrote.
/// Returns where the record ends in the spool.
pub fn append_spool(chan: &Channel, bytes: &[u8]) -> Result<u64> {
    runtime::check_private(&chan.spool(), false)?;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(chan.spool())?;
    f.write_all(bytes)?;
    Ok(f.stream_position()?)
}

/// Waits, at most `bound`, until ingest has read the session's spool up to
/// `end` (and so has looked at the work tree for the record that ends
/// there; with `end` 0, until it has taken the session on). An agent's hook calls it so that each tool call's changes are
/// seen before the next call begins; it never waits for an ingest that is
/// not running. Returns whether ingest got there in time.
pub fn wait_read(chan: &Channel, dir: &Path, end: u64, bound: Duration) -> bool {
    #[derive(serde::Deserialize)]
    struct Progress {
        spool_off: u64,
    }
    let read_to = || -> Option<u64> {
        let bytes = std::fs::read(chan.state()).ok()?;
        serde_json::from_slice::<Progress>(&bytes)
            .ok()
            .map(|p| p.spool_off)
    };
    if crate::ingest::running(dir).is_none() {
        return false;
    }
    let deadline = Instant::now() + bound;
    loop {
        if read_to().is_some_and(|off| off >= end) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Waits (a little) until ingest has stored the event, so that a `show`
/// right after sees it.
fn wait_stored(store_dir: &Path, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if crate::store::has_event(store_dir, id) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Outside a recorded shell: a session of its own, stored at once.
fn own_session(store_dir: &Path, data: Data, cwd: &str, now: Timestamp) -> Result<Event> {
    if store_dir == crate::store::global_dir() {
        crate::store::create_dir(store_dir)?;
    }
    let session = crate::ids::new_session_id(now);
    let agent = crate::agent::detect();
    let repo = crate::ingest::route::repo_root(Path::new(cwd));
    let ev = |seq: u64, key: &str, data: Data| Event {
        v: SCHEMA_VERSION,
        id: crate::ids::event_id(now, &session, key),
        session: session.clone(),
        seq,
        ts: now,
        agent: agent.clone(),
        cwd: cwd.into(),
        repo: repo.clone(),
        data,
    };
    let user = std::env::var("USER").unwrap_or_default();
    let host = nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_default();
    let start = SessionStart {
        host,
        user,
        devtrace_version: env!("CARGO_PKG_VERSION").into(),
        ..SessionStart::default()
    };
    let end = SessionEnd {
        reason: "done".into(),
        ..SessionEnd::default()
    };
    let mut events = vec![
        ev(1, "start", Data::SessionStart(start)),
        ev(2, "event", data),
        ev(3, "end", Data::SessionEnd(end)),
    ];
    events.iter_mut().for_each(crate::redact::event);
    let mut store = Store::open(store_dir)
        .with_context(|| format!("could not open the store {}", store_dir.display()))?;
    store.append(&events)?;
    Ok(events[1].clone())
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
) -> Result<(Channel, u64, Timestamp)> {
    let chan = session_of(owner, agent, shell)?;
    let seq = next_seq(&chan)?;
    let start = Timestamp::now();
    // Redacted before it is written anywhere, the channel included.
    let text = match std::str::from_utf8(text) {
        Ok(t) => crate::redact::text(t).into_owned().into_bytes(),
        Err(_) => text.to_vec(),
    };
    let rec = Record::Cmd(CmdRecord {
        seq,
        at: Stamp::EpochMicros(start.as_micros()),
        cwd: cwd.as_bytes().to_vec(),
        source: TextSource::Literal,
        text,
    });
    crate::channel::append_spool(&chan, &crate::wire::encode(&rec))?;
    Ok((chan, seq, start))
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
    // Written over in place, then cut to length: `session_for` reads the
    // key without this lock, and must never find the file empty (it would
    // register a second session for the same caller).
    let text = format!("{key}\n{seq}\n");
    f.seek(SeekFrom::Start(0))?;
    f.write_all(text.as_bytes())?;
    f.set_len(text.len() as u64)?;
    Ok(seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An agent's parallel hooks: one numbers its command while another
    /// looks for the session by its key. The key must be there every time.
    #[test]
    fn the_key_is_always_there_while_commands_are_numbered() {
        let tmp = tempfile::tempdir().unwrap();
        let chan = Channel::new(tmp.path(), "s");
        std::fs::write(chan.exec(), "claude-code abc\n0\n").unwrap();
        let numbering = {
            let chan = chan.clone();
            std::thread::spawn(move || {
                for _ in 0..20_000 {
                    next_seq(&chan).unwrap();
                }
            })
        };
        let mut looks = 0;
        while !numbering.is_finished() {
            let text = std::fs::read_to_string(chan.exec()).unwrap();
            assert_eq!(text.lines().next(), Some("claude-code abc"), "{text:?}");
            looks += 1;
        }
        numbering.join().unwrap();
        assert!(looks > 100, "only {looks} looks while numbering");
        assert_eq!(next_seq(&chan).unwrap(), 20_001);
    }
}
