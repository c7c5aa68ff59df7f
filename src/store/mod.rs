//! A store: `<root>/.devtrace/events.jsonl` (append-only, the source of
//! truth) and `<root>/.devtrace/devtrace.db` (SQLite in WAL mode: an index
//! that can always be rebuilt from the JSONL).
//!
//! Writers hold an exclusive fs2 lock on `write.lock` while they append; the
//! database remembers how many bytes of the JSONL it has indexed, so a
//! writer that died between the two is caught up by the next one, and an
//! event that is offered twice (same id) is stored once.

mod fts;
mod query;
mod rewrite;
pub use rewrite::Removal;
mod schema;
#[cfg(test)]
mod tests;
pub use schema::SCHEMA;

pub use query::{EventFilter, SessionRow};
pub use schema::ts_ms;

use crate::event::Event;
use anyhow::{bail, Context, Result};
use fs2::FileExt;
use rusqlite::{params, Connection};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

pub const DIR: &str = ".devtrace";
pub const JSONL: &str = "events.jsonl";
pub const DB: &str = "devtrace.db";
const LOCK: &str = "write.lock";

pub struct Store {
    dir: PathBuf,
    db: Connection,
}

/// `~/.devtrace`: where commands outside every initialised repo go.
pub fn global_dir() -> PathBuf {
    crate::home_dir().join(DIR)
}

/// The store a command run in `cwd` belongs to: the nearest ancestor that
/// holds `.devtrace/`, else the global store.
pub fn dir_for(cwd: &Path) -> PathBuf {
    find_dir(cwd).unwrap_or_else(global_dir)
}

/// The nearest ancestor of `cwd` (itself included) holding `.devtrace/`.
pub fn find_dir(cwd: &Path) -> Option<PathBuf> {
    cwd.ancestors().map(|a| a.join(DIR)).find(|d| d.is_dir())
}

/// Whether the index of the store in `dir` holds the event `id` (read-only;
/// false when there is no index yet).
pub fn has_event(dir: &Path, id: &str) -> bool {
    let Ok(db) = Connection::open_with_flags(
        dir.join(DB),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) else {
        return false;
    };
    db.query_row("SELECT 1 FROM events WHERE id = ?1", [id], |_| Ok(()))
        .is_ok()
}

/// The list of stores ingest has written to (for `devtrace stats --global`).
pub fn registry() -> PathBuf {
    global_dir().join("stores")
}

/// Adds `dir` to the registry of stores, once.
pub fn register(dir: &Path) -> Result<()> {
    let reg = registry();
    let line = dir.to_string_lossy();
    if fs::read_to_string(&reg).is_ok_and(|t| t.lines().any(|l| l == line)) {
        return Ok(());
    }
    create_dir(&global_dir())?;
    let mut f = open_private(&reg, true)?;
    f.write_all(format!("{line}\n").as_bytes())?;
    Ok(())
}

/// Every store on the registry that is still there, the global one first.
pub fn known() -> Vec<PathBuf> {
    let mut out = vec![global_dir()];
    if let Ok(t) = fs::read_to_string(registry()) {
        for l in t.lines() {
            let p = PathBuf::from(l);
            if !l.is_empty() && !out.contains(&p) && p.join(JSONL).is_file() {
                out.push(p);
            }
        }
    }
    out.retain(|p| p.join(JSONL).is_file());
    out
}

/// Creates a store directory (0700) if it does not exist.
pub fn create_dir(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        fs::DirBuilder::new()
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("could not create {}", dir.display()))?;
    }
    Ok(())
}

fn open_private(path: &Path, append: bool) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true)
        .create(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW);
    if append {
        o.append(true);
    } else {
        o.write(true);
    }
    o.open(path)
}

/// Lines of events.jsonl that are not events: left in place, not indexed.
/// The first few are kept with why; the rest are counted.
#[derive(Default, Debug)]
pub struct Skipped {
    /// Line number (counted from where the pass began) and why.
    pub first: Vec<(usize, &'static str)>,
    pub count: usize,
}

impl Skipped {
    pub const SHOWN: usize = 10;

    fn note(&mut self, line: usize, e: &serde_json::Error) {
        self.count += 1;
        if self.first.len() < Self::SHOWN {
            let why = match e.classify() {
                serde_json::error::Category::Data => "not an event",
                _ => "not valid JSON",
            };
            self.first.push((line, why));
        }
    }
}

impl Store {
    /// Opens the store in `dir` (a `.devtrace` directory), creating the
    /// database if needed and indexing any JSONL it has not seen yet.
    pub fn open(dir: &Path) -> Result<Store> {
        if !dir.is_dir() {
            bail!("no DevTrace store at {}", dir.display());
        }
        let db_path = dir.join(DB);
        let db = match schema::open(&db_path) {
            Ok(db) => db,
            Err(e) => {
                // A damaged index is rebuilt from the JSONL, never trusted.
                let aside = dir.join(format!("{DB}.corrupt"));
                let _ = fs::rename(&db_path, &aside);
                let _ = fs::remove_file(dir.join(format!("{DB}-wal")));
                let _ = fs::remove_file(dir.join(format!("{DB}-shm")));
                eprintln!(
                    "devtrace: the index {} was unreadable ({e:#}); rebuilding it from {JSONL}",
                    db_path.display()
                );
                schema::open(&db_path)?
            }
        };
        let mut store = Store {
            dir: dir.to_path_buf(),
            db,
        };
        if store.behind()? {
            store.with_lock(|s| s.catch_up().map(drop))?;
        }
        Ok(store)
    }

    /// Opens the index of the store in `dir` read-only, as it is: nothing
    /// is created, caught up or rebuilt (`devtrace ui`, whose requests must
    /// change nothing). `Store::open` once before makes sure it exists.
    pub fn open_read_only(dir: &Path) -> Result<Store> {
        let db = Connection::open_with_flags(
            dir.join(DB),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("could not open the index of {}", dir.display()))?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Store {
            dir: dir.to_path_buf(),
            db,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.db
    }

    fn jsonl_path(&self) -> PathBuf {
        self.dir.join(JSONL)
    }

    fn indexed_offset(&self) -> Result<u64> {
        Ok(self
            .meta("jsonl_offset")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Whether events.jsonl holds bytes the index has not seen (or lost),
    /// read under the store's lock: a writer appends to both under it, so
    /// a look beside a busy ingest never finds one without the other.
    pub fn out_of_step(&mut self) -> Result<bool> {
        // (A store the user cannot lock, read-only say, is looked at as is.)
        self.with_lock(|s| s.behind()).or_else(|_| self.behind())
    }

    /// The same, without the lock: true also while a writer is between
    /// its append and its index update.
    fn behind(&self) -> Result<bool> {
        let len = fs::metadata(self.jsonl_path())
            .map(|m| m.len())
            .unwrap_or(0);
        Ok(len != self.indexed_offset()?)
    }

    fn with_lock<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let lock = open_private(&self.dir.join(LOCK), false)
            .with_context(|| format!("could not open the lock in {}", self.dir.display()))?;
        lock.lock_exclusive()
            .with_context(|| format!("could not lock {}", self.dir.display()))?;
        let out = f(self);
        let _ = FileExt::unlock(&lock);
        out
    }

    /// Indexes the JSONL bytes past the indexed offset. A torn last line (a
    /// writer died mid-append) is cut off so that it never merges with the
    /// next event; its bytes are kept in `events.torn` for inspection.
    fn catch_up(&mut self) -> Result<Skipped> {
        let path = self.jsonl_path();
        let mut file = match open_private(&path, false) {
            Ok(f) => f,
            Err(e) => return Err(e).with_context(|| format!("could not open {}", path.display())),
        };
        let len = file.metadata()?.len();
        let mut offset = self.indexed_offset()?;
        if offset > len {
            // The JSONL was replaced or truncated: index it from the start.
            schema::clear_search(&self.db)?;
            self.db
                .execute_batch("DELETE FROM events; DELETE FROM sessions;")?;
            offset = 0;
        }
        file.seek(SeekFrom::Start(offset))?;
        let mut tail = Vec::new();
        file.read_to_end(&mut tail)?;
        let complete = tail.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        if complete < tail.len() {
            let torn = &tail[complete..];
            if let Ok(mut t) = open_private(&self.dir.join("events.torn"), true) {
                let _ = t.write_all(torn);
                let _ = t.write_all(b"\n");
            }
            file.set_len(offset + complete as u64)?;
        }
        let tx = self.db.transaction()?;
        let mut deltas = std::collections::HashMap::new();
        let mut skipped = Skipped::default();
        for (i, line) in tail[..complete].split(|&b| b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            // A line that is not an event is left in place and not indexed.
            match serde_json::from_slice::<Event>(line) {
                Ok(ev) => {
                    let text = std::str::from_utf8(line).unwrap_or_default();
                    schema::insert(&tx, &ev, text, &mut deltas)?;
                }
                Err(e) => skipped.note(i + 1, &e),
            }
        }
        schema::apply_sessions(&tx, deltas)?;
        schema::set_offset(&tx, offset + complete as u64)?;
        tx.commit()?;
        Ok(skipped)
    }

    /// Appends events that the store does not hold yet (by id) to the JSONL
    /// and the index. Returns how many were new.
    pub fn append(&mut self, events: &[Event]) -> Result<usize> {
        if events.is_empty() {
            return Ok(0);
        }
        self.with_lock(|s| {
            s.catch_up()?;
            let mut fresh: Vec<(&Event, String)> = Vec::with_capacity(events.len());
            {
                let mut seen = s.db.prepare_cached(
                    "SELECT 1 FROM events WHERE id = ?1 UNION ALL SELECT 1 FROM forgotten WHERE id = ?1",
                )?;
                let mut batch_ids = std::collections::HashSet::with_capacity(events.len());
                for ev in events {
                    if !batch_ids.insert(ev.id.as_str()) || seen.exists(params![ev.id])? {
                        continue;
                    }
                    fresh.push((ev, ev.to_line()));
                }
            }
            if fresh.is_empty() {
                return Ok(0);
            }
            let mut buf = Vec::with_capacity(fresh.iter().map(|(_, l)| l.len() + 1).sum());
            for (_, line) in &fresh {
                buf.extend_from_slice(line.as_bytes());
                buf.push(b'\n');
            }
            let path = s.jsonl_path();
            let mut file = open_private(&path, true)
                .with_context(|| format!("could not open {}", path.display()))?;
            let before = file.metadata()?.len();
            // No fsync: the page cache survives a crash of ingest, which is
            // what exactly-once is about; SQLite's WAL (synchronous=NORMAL)
            // makes the same trade.
            if let Err(e) = file.write_all(&buf) {
                // Leave no partial line behind: the next writer would merge with it.
                let _ = file.set_len(before);
                return Err(e).with_context(|| format!("could not append to {}", path.display()));
            }
            let tx = s.db.transaction()?;
            let mut deltas = std::collections::HashMap::new();
            for (ev, line) in &fresh {
                schema::insert(&tx, ev, line, &mut deltas)?;
            }
            schema::apply_sessions(&tx, deltas)?;
            schema::set_offset(&tx, before + buf.len() as u64)?;
            tx.commit()?;
            Ok(fresh.len())
        })
    }

    /// Throws the index away and builds it again from events.jsonl.
    /// Returns the lines it skipped, numbered from the file's start.
    pub fn reindex(&mut self) -> Result<Skipped> {
        self.with_lock(|s| {
            schema::clear_search(&s.db)?;
            s.db.execute_batch(
                "DELETE FROM events; DELETE FROM sessions; DELETE FROM meta WHERE key = 'jsonl_offset';",
            )?;
            s.catch_up()
        })
    }
}
