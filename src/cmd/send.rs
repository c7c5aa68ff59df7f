//! How an event made by a devtrace command (a note, a snapshot) reaches the
//! store: inside a recorded shell it goes through that shell's channel, so
//! ingest files it in the shell's session, in order; elsewhere it is stored
//! directly, in a session of its own.

use crate::event::{Event, SCHEMA_VERSION};
use crate::runtime::{self, Channel, SessionMeta};
use crate::store::Store;
use crate::timefmt;
use crate::wire::{EventRecord, Record, Stamp};
use anyhow::{Context, Result};
use serde_json::{json, Value};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// Records an event of `kind` made in `cwd`, into the store `store_dir`.
/// Returns the event as stored (or as sent to ingest).
pub fn send(store_dir: &Path, kind: &str, mut data: Value, cwd: &str) -> Result<Event> {
    let now = runtime::now_ms();
    // Redacted before it is written anywhere, the channel included.
    crate::redact::value(&mut data);
    if let Some((chan, meta)) = current_shell() {
        let id = crate::ids::new_session_id(now as u64);
        let rec = Record::Event(EventRecord {
            seq: 0,
            at: Stamp::EpochMicros(now * 1000),
            id: id.clone(),
            kind: kind.into(),
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
                kind: kind.into(),
                ts: timefmt::rfc3339_ms(now),
                agent: meta.agent,
                cwd: cwd.into(),
                repo: crate::ingest::route::repo_root(Path::new(cwd)),
                data,
            };
            crate::redact::event(&mut ev);
            return Ok(ev);
        }
    }
    own_session(store_dir, kind, data, cwd, now)
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

/// One `write()` in append mode: whole, after whatever the shell wrote.
pub fn append_spool(chan: &Channel, bytes: &[u8]) -> Result<()> {
    runtime::check_private(&chan.spool(), false)?;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(chan.spool())?;
    f.write_all(bytes)?;
    Ok(())
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
fn own_session(store_dir: &Path, kind: &str, data: Value, cwd: &str, now: i64) -> Result<Event> {
    if store_dir == crate::store::global_dir() {
        crate::store::create_dir(store_dir)?;
    }
    let session = crate::ids::new_session_id(now as u64);
    let agent = crate::agent::detect();
    let repo = crate::ingest::route::repo_root(Path::new(cwd));
    let ev = |seq: u64, kind: &str, key: &str, data: Value| Event {
        v: SCHEMA_VERSION,
        id: crate::ids::event_id(now as u64, &session, key),
        session: session.clone(),
        seq,
        kind: kind.into(),
        ts: timefmt::rfc3339_ms(now),
        agent: agent.clone(),
        cwd: cwd.into(),
        repo: repo.clone(),
        data,
    };
    let user = std::env::var("USER").unwrap_or_default();
    let host = nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut events = vec![
        ev(
            1,
            "session_start",
            "start",
            json!({
                "shell": null, "shell_pid": null, "host": host, "user": user, "tty": null,
                "devtrace_version": env!("CARGO_PKG_VERSION"),
            }),
        ),
        ev(2, kind, "event", data),
        ev(3, "session_end", "end", json!({ "reason": "done" })),
    ];
    events.iter_mut().for_each(crate::redact::event);
    let mut store = Store::open(store_dir)
        .with_context(|| format!("could not open the store {}", store_dir.display()))?;
    store.append(&events)?;
    Ok(events[1].clone())
}
