//! opencode's own words at hook time, from the database it keeps
//! (`$XDG_DATA_HOME/opencode/opencode.db`, the format `agent_import/
//! opencode/` reads whole): the reasoning and text parts before a call's
//! `tool` part, in the message that made it. opencode writes each part as
//! it streams, so the call's part is there when its `tool.execute.before`
//! fires.
//!
//! Read-only, and bounded: the session's newest parts only, and a reader
//! that never waits on opencode's writer for long.

use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// How many of the session's newest parts are looked at.
const PARTS: u32 = 400;

fn db_path() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| crate::paths::home_dir().join(".local/share"))
        .join("opencode/opencode.db")
}

/// The session's newest parts, newest first: (message id, part).
fn newest_parts(session: &str) -> rusqlite::Result<Vec<(String, Value)>> {
    use rusqlite::{Connection, OpenFlags};
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let db = Connection::open_with_flags(db_path(), flags)?;
    db.busy_timeout(Duration::from_millis(50))?;
    let mut q = db.prepare(
        "SELECT message_id, data FROM part WHERE session_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = q.query_map(rusqlite::params![session, PARTS], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (message, data) = row?;
        out.push((message, serde_json::from_str(&data).unwrap_or_default()));
    }
    Ok(out)
}

/// What the assistant wrote before the call `call_id`: the reasoning and
/// text parts of its message since the tool part before it. None when the
/// call's part is not among the session's newest.
pub fn reasoning(session: &str, call_id: &str) -> Option<String> {
    if !db_path().is_file() {
        return None;
    }
    let parts = newest_parts(session).ok()?;
    let at = parts
        .iter()
        .position(|(_, p)| p["type"] == "tool" && p["callID"] == call_id)?;
    let message = &parts[at].0;
    let mut texts: Vec<&str> = parts[at + 1..]
        .iter()
        .take_while(|(m, p)| m == message && p["type"] != "tool")
        .filter(|(_, p)| matches!(p["type"].as_str(), Some("text" | "reasoning")))
        .filter(|(_, p)| p["synthetic"] != true)
        .filter_map(|(_, p)| p["text"].as_str())
        .filter(|t| !t.trim().is_empty())
        .collect();
    texts.reverse();
    (!texts.is_empty()).then(|| texts.join("\n\n"))
}
