//! The SQLite index: tables, pragmas, and how one event updates them.

use crate::event::{Data, Event};
use anyhow::{bail, Context, Result};
use rusqlite::{params, Connection, Transaction};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

/// 1: events, sessions, meta. 2: full-text index of command text, forgotten ids.
/// 3: a session's `commands` and `failures` count agents' tool calls too.
/// 4: full-text index of agents' tool output.
pub const SCHEMA: i64 = 4;

const TABLES: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    session TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    agent TEXT,
    cwd TEXT NOT NULL,
    repo TEXT,
    command TEXT,
    exit_code INTEGER,
    duration_ms INTEGER,
    json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_session ON events (session, seq);
CREATE INDEX IF NOT EXISTS events_ts ON events (ts_ms);
CREATE INDEX IF NOT EXISTS events_type_ts ON events (type, ts_ms);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    start_ms INTEGER NOT NULL,
    last_ms INTEGER NOT NULL,
    end_ms INTEGER,
    end_reason TEXT,
    shell TEXT,
    agent TEXT,
    host TEXT,
    user TEXT,
    first_cwd TEXT,
    commands INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_start ON sessions (start_ms);
CREATE TABLE IF NOT EXISTS forgotten (id TEXT PRIMARY KEY) WITHOUT ROWID;
";

/// The full-text index of command text (`devtrace search`). Indexing costs
/// ~25 µs a command, as much as storing it, so ingest does not do it while
/// it stores: rows up to `meta.fts_upto` are indexed, the rest are indexed
/// in chunks when ingest has nothing else to do, and by `search` itself
/// before it reads (see fts.rs). Removing an indexed row removes its words.
const SEARCH: &str = "
CREATE VIRTUAL TABLE IF NOT EXISTS commands_fts USING fts5(
    command, content='events', content_rowid='n', tokenize='unicode61 remove_diacritics 2'
);
DROP TRIGGER IF EXISTS events_fts_insert;
CREATE TRIGGER IF NOT EXISTS events_fts_delete AFTER DELETE ON events
WHEN old.command IS NOT NULL
 AND old.n <= coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'fts_upto'), 0)
BEGIN
    INSERT INTO commands_fts (commands_fts, rowid, command) VALUES ('delete', old.n, old.command);
END;
CREATE VIEW IF NOT EXISTS tool_outputs AS
    SELECT n, json_extract(json, '$.data.output') AS output FROM events WHERE type = 'tool_call';
CREATE VIRTUAL TABLE IF NOT EXISTS outputs_fts USING fts5(
    output, content='tool_outputs', content_rowid='n', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS events_outputs_fts_delete AFTER DELETE ON events
WHEN old.type = 'tool_call' AND json_extract(old.json, '$.data.output') IS NOT NULL
 AND old.n <= coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'fts_upto'), 0)
BEGIN
    INSERT INTO outputs_fts (outputs_fts, rowid, output)
    VALUES ('delete', old.n, json_extract(old.json, '$.data.output'));
END;
";

/// Schema 3: the sessions' counts, as [`note`] makes them, for an index
/// whose counts left agents' tool calls out.
const COUNT_TOOL_CALLS: &str = "
UPDATE sessions SET
    commands = (SELECT count(*) FROM events e
                WHERE e.session = sessions.id AND e.type IN ('run_command', 'tool_call')),
    failures = (SELECT count(*) FROM events e
                WHERE e.session = sessions.id
                  AND ((e.type = 'run_command' AND coalesce(e.exit_code, 0) != 0)
                    OR (e.type = 'tool_call' AND json_extract(e.json, '$.data.is_error') = 1)));
";

pub fn open(path: &Path) -> Result<Connection> {
    let fresh = !path.exists();
    let mut db =
        Connection::open(path).with_context(|| format!("could not open {}", path.display()))?;
    // Every write transaction takes the write lock as it begins: a deferred
    // one that reads, then writes, fails with "database is locked" when
    // another connection wrote in between, whatever the busy timeout.
    db.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
    if fresh {
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    db.busy_timeout(Duration::from_secs(10))?;
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "NORMAL")?;
    // A small page cache keeps ingest small; the queries are index lookups.
    db.pragma_update(None, "cache_size", -1024)?;
    let version: i64 = db.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA {
        bail!("the index has schema {version}, newer than this devtrace understands ({SCHEMA})");
    }
    db.execute_batch(TABLES)?;
    if version < SCHEMA {
        let tx = db.unchecked_transaction()?;
        // An index made by an older devtrace: its commands are indexed
        // lazily, from the start.
        tx.execute_batch(SEARCH)?;
        if version < 3 {
            tx.execute_batch(COUNT_TOOL_CALLS)?;
        }
        tx.pragma_update(None, "user_version", SCHEMA)?;
        tx.commit()?;
    }
    // Cheap reads that touch the schema and the last page of each table: a
    // file of garbage or a cut-off file fails here (a full integrity check
    // would read the whole index at every open).
    db.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    db.query_row("SELECT max(n) FROM events", [], |r| {
        r.get::<_, Option<i64>>(0)
    })?;
    db.query_row("SELECT count(*) FROM meta", [], |r| r.get::<_, i64>(0))?;
    for f in ["-wal", "-shm"] {
        let p = path.with_file_name(format!(
            "{}{f}",
            path.file_name().unwrap_or_default().to_string_lossy()
        ));
        let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600));
    }
    Ok(db)
}

pub fn set_offset(tx: &Transaction, offset: u64) -> Result<()> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('jsonl_offset', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![offset.to_string()],
    )?;
    Ok(())
}

pub fn ts_ms(ts: &str) -> i64 {
    crate::timestamp::Timestamp::parse_rfc3339(ts).map_or(0, |t| t.as_millis())
}

/// What a batch of events does to one session's row, applied once per
/// session per batch rather than once per event.
#[derive(Default)]
pub struct SessionDelta {
    start_ms: i64,
    last_ms: i64,
    first_cwd: String,
    agent: Option<String>,
    shell: Option<String>,
    host: Option<String>,
    user: Option<String>,
    started: bool,
    commands: i64,
    failures: i64,
    end: Option<(i64, Option<String>)>,
}

/// Indexes one event (already in the JSONL as `line`), and notes what it
/// changes in its session's row. Returns false when the id was there already.
pub fn insert(
    tx: &Transaction,
    ev: &Event,
    line: &str,
    deltas: &mut std::collections::HashMap<String, SessionDelta>,
) -> Result<bool> {
    let ts = ev.ts.as_millis();
    // An agent's shell tool: its command is searchable too.
    let command = ev.command_text();
    let exit_code = ev.data.exit_code();
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO events
               (id, session, seq, type, ts_ms, agent, cwd, repo, command, exit_code, duration_ms, json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            ev.id,
            ev.session,
            ev.seq as i64,
            ev.type_name(),
            ts,
            ev.agent,
            ev.cwd,
            ev.repo,
            command,
            exit_code,
            ev.data.duration().map(crate::timestamp::millis),
            line
        ])?;
    if inserted == 0 {
        return Ok(false);
    }
    note(ev, ts, exit_code, deltas);
    Ok(true)
}

/// Notes what one event changes in its session's row.
pub fn note(
    ev: &Event,
    ts: i64,
    exit_code: Option<i64>,
    deltas: &mut std::collections::HashMap<String, SessionDelta>,
) {
    let d = deltas
        .entry(ev.session.clone())
        .or_insert_with(|| SessionDelta {
            start_ms: ts,
            last_ms: ts,
            first_cwd: ev.cwd.clone(),
            agent: ev.agent.clone(),
            ..SessionDelta::default()
        });
    if ts < d.start_ms {
        d.start_ms = ts;
        d.first_cwd = ev.cwd.clone();
    }
    d.last_ms = d.last_ms.max(ts);
    match &ev.data {
        Data::SessionStart(s) => {
            d.started = true;
            d.first_cwd = ev.cwd.clone();
            d.shell = s.shell.clone();
            d.host = Some(s.host.clone());
            d.user = Some(s.user.clone());
            d.agent = ev.agent.clone();
        }
        // An agent's tool call counts as a command; it failed when the
        // agent says so.
        Data::ToolCall(t) => {
            d.commands += 1;
            d.failures += i64::from(t.is_error == Some(true));
            d.last_ms = d
                .last_ms
                .max(ts + t.duration.map_or(0, crate::timestamp::millis));
        }
        Data::RunCommand(c) => {
            d.commands += 1;
            d.failures += matches!(exit_code, Some(c) if c != 0) as i64;
            d.last_ms = d
                .last_ms
                .max(ts + c.duration.map_or(0, crate::timestamp::millis));
            if d.shell.is_none() {
                d.shell = Some(c.shell.clone());
            }
        }
        Data::SessionEnd(e) => {
            d.end = Some((ts, Some(e.reason.clone())));
            d.last_ms = d.last_ms.max(ts);
        }
        _ => {}
    }
}

/// Applies the session rows' changes of a batch.
pub fn apply_sessions(
    tx: &Transaction,
    deltas: std::collections::HashMap<String, SessionDelta>,
) -> Result<()> {
    for (id, d) in deltas {
        tx.prepare_cached(
            "INSERT INTO sessions (id, start_ms, last_ms, first_cwd, agent, shell, host, user, commands, failures)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (id) DO UPDATE SET
                start_ms = min(start_ms, excluded.start_ms),
                last_ms = max(last_ms, excluded.last_ms),
                commands = commands + excluded.commands,
                failures = failures + excluded.failures,
                shell = coalesce(shell, excluded.shell)",
        )?
        .execute(params![
            id,
            d.start_ms,
            d.last_ms,
            d.first_cwd,
            d.agent,
            d.shell,
            d.host,
            d.user,
            d.commands,
            d.failures
        ])?;
        if d.started {
            tx.prepare_cached(
                "UPDATE sessions SET shell = ?2, host = ?3, user = ?4, first_cwd = ?5, agent = ?6
                 WHERE id = ?1",
            )?
            .execute(params![id, d.shell, d.host, d.user, d.first_cwd, d.agent])?;
        }
        if let Some((end, reason)) = d.end {
            tx.prepare_cached(
                "UPDATE sessions SET end_ms = ?2, end_reason = ?3, last_ms = max(last_ms, ?2)
                 WHERE id = ?1",
            )?
            .execute(params![id, end, reason])?;
        }
    }
    Ok(())
}

/// Empties the search index (before the events it indexes are deleted
/// wholesale, as a rebuild does).
pub fn clear_search(db: &rusqlite::Connection) -> Result<()> {
    db.execute_batch(
        "INSERT INTO commands_fts (commands_fts) VALUES ('delete-all');
         INSERT INTO outputs_fts (outputs_fts) VALUES ('delete-all');
         DELETE FROM meta WHERE key = 'fts_upto';",
    )?;
    Ok(())
}
