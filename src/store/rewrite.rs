//! Removing events for good (`devtrace forget`, retention): events.jsonl is
//! rewritten without them into a new file that replaces it atomically, and
//! the index drops them, under the store's write lock, so that ingest
//! appending at the same time waits and loses nothing.

use super::{open_private, schema, Store};
use crate::event::Event;
use anyhow::{Context, Result};
use rusqlite::params;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Write};

#[derive(Deserialize)]
struct Head {
    id: String,
    session: String,
}

/// Why events are removed, which decides what else is done.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Removal {
    /// `devtrace forget`: their ids are kept (only the ids) so that a
    /// replay of a shell's channel never brings them back, and their text
    /// is left in no file of the store.
    Forget,
    /// Retention (`gc`): old events go; nothing else.
    Retention,
}

impl Store {
    /// Removes the events `ids`. Returns how many were removed.
    pub fn remove(&mut self, ids: &HashSet<String>, why: Removal) -> Result<usize> {
        let remember = why == Removal::Forget;
        if ids.is_empty() {
            return Ok(0);
        }
        self.with_lock(|s| {
            s.catch_up()?;
            let path = s.jsonl_path();
            let tmp = s.dir.join("events.jsonl.rewrite");
            let _ = fs::remove_file(&tmp);
            let input =
                File::open(&path).with_context(|| format!("could not open {}", path.display()))?;
            let out = open_private(&tmp, false)
                .with_context(|| format!("could not create {}", tmp.display()))?;
            let mut w = BufWriter::with_capacity(1 << 20, out);
            let mut sessions = HashSet::new();
            let mut removed = Vec::new();
            let mut written: u64 = 0;
            for line in BufReader::with_capacity(1 << 20, input).split(b'\n') {
                let line = line?;
                if line.is_empty() {
                    continue;
                }
                if let Ok(h) = serde_json::from_slice::<Head>(&line) {
                    if ids.contains(&h.id) {
                        sessions.insert(h.session);
                        removed.push(h.id);
                        continue;
                    }
                }
                w.write_all(&line)?;
                w.write_all(b"\n")?;
                written += line.len() as u64 + 1;
            }
            let out = w.into_inner().map_err(|e| e.into_error())?;
            out.sync_all()?;
            drop(out);
            fs::rename(&tmp, &path)
                .with_context(|| format!("could not replace {}", path.display()))?;
            if let Ok(d) = File::open(&s.dir) {
                let _ = d.sync_all();
            }
            // From here a crash leaves an index ahead of the file: the next
            // open sees that and indexes the file again from its start.
            let tx = s.db.transaction()?;
            for id in &removed {
                tx.prepare_cached("DELETE FROM events WHERE id = ?1")?
                    .execute(params![id])?;
                if remember {
                    tx.prepare_cached("INSERT OR IGNORE INTO forgotten (id) VALUES (?1)")?
                        .execute(params![id])?;
                }
            }
            rebuild_sessions(&tx, &sessions)?;
            // The newest rows may be gone, and their positions come back
            // for new rows: those must not count as indexed for search.
            tx.execute(
                "UPDATE meta SET value = CAST(min(CAST(value AS INTEGER),
                     (SELECT coalesce(max(n), 0) FROM events)) AS TEXT)
                 WHERE key = 'fts_upto'",
                [],
            )?;
            schema::set_offset(&tx, written)?;
            tx.commit()?;
            if remember {
                scrub(&s.db)?;
            }
            Ok(removed.len())
        })
    }
}

impl Store {
    /// Retention never leaves a session unreadable: a session that keeps
    /// any event keeps its `session_start` (its shell, where and when it
    /// began), and a session that loses all its other events loses that
    /// too, so it goes whole. Sessions `ids` does not touch are left alone.
    pub fn keep_sessions_readable(&self, ids: &mut HashSet<String>) -> Result<()> {
        let mut q = self
            .db
            .prepare("SELECT id, session, type = 'session_start' FROM events")?;
        let rows = q.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })?;
        let mut starts = HashMap::new();
        let (mut kept, mut touched) = (HashSet::new(), HashSet::new());
        for row in rows {
            let (id, session, is_start) = row?;
            if is_start {
                starts.insert(session, id);
            } else if ids.contains(&id) {
                touched.insert(session);
            } else {
                kept.insert(session);
            }
        }
        for (session, id) in starts {
            if kept.contains(&session) {
                ids.remove(&id);
            } else if touched.contains(&session) {
                ids.insert(id);
            }
        }
        Ok(())
    }
}

/// Leaves removed text in no file of the store. Deleted rows leave their
/// bytes behind in many places: the search index's segments keep the words
/// of deleted rows until they are merged, pages keep old cells in their
/// free space (also from long before, when a page was split), and the
/// write-ahead log keeps pages as they were until it is checkpointed. So
/// the search index is merged, the whole index rewritten (VACUUM, with
/// freed space zeroed), and the log checkpointed and truncated to nothing.
/// The checkpoint waits (up to the busy timeout) for readers such as
/// ingest to finish their read.
fn scrub(db: &rusqlite::Connection) -> Result<()> {
    db.pragma_update(None, "secure_delete", true)?;
    db.execute_batch(
        "INSERT INTO commands_fts (commands_fts) VALUES ('optimize');
         INSERT INTO outputs_fts (outputs_fts) VALUES ('optimize');",
    )?;
    db.execute_batch("VACUUM")?;
    let busy: i64 = db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    if busy != 0 {
        anyhow::bail!(
            "the events are removed, but the index's log is still in use and could not be emptied: run the same command again"
        );
    }
    Ok(())
}

/// Recomputes the rows of `sessions` from the events they have left.
fn rebuild_sessions(tx: &rusqlite::Transaction, sessions: &HashSet<String>) -> Result<()> {
    let mut deltas = HashMap::new();
    for id in sessions {
        tx.prepare_cached("DELETE FROM sessions WHERE id = ?1")?
            .execute(params![id])?;
        let mut q = tx.prepare_cached(
            "SELECT json, ts_ms, exit_code FROM events WHERE session = ?1 ORDER BY n",
        )?;
        let rows = q.query_map(params![id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<i64>>(2)?,
            ))
        })?;
        for row in rows {
            let (json, ts, exit) = row?;
            if let Ok(ev) = serde_json::from_str::<Event>(&json) {
                schema::note(&ev, ts, exit, &mut deltas);
            }
        }
    }
    schema::apply_sessions(tx, deltas)
}
