//! opencode's sessions, read as the events its hooks (DevTrace's plugin)
//! would have recorded, with what the plugin cannot give: the assistant's
//! words and reasoning before each call, each turn's model and tokens.
//!
//! Where (sst/opencode, `packages/opencode/src/storage/`): the data
//! directory (`$XDG_DATA_HOME/opencode`, default `~/.local/share/
//! opencode`) holds `opencode.db` (`db.ts`; SQLite: `session` with `id`,
//! `directory`, `parent_id`; `message` with `id`, `session_id`,
//! `time_created`, `data`; `part` with `id`, `message_id`, `session_id`,
//! `data`; `data` the message or part as JSON without its ids), and, from
//! before that, `storage/session/PROJECT/ID.json`, `storage/message/
//! SESSION/ID.json` and `storage/part/MESSAGE/ID.json`
//! (`json-migration.ts` moves those into the database). A message and its
//! parts are `MessageV2` (`session/message-v2.ts`): a user message's `text`
//! parts (not `synthetic` ones) are its prompt; an assistant message has
//! `modelID`, `tokens {input, output, reasoning, cache {read, write}}` and
//! parts `reasoning`, `text` and `tool` (`callID`, `tool`, `state {status,
//! input, output | error, metadata, time {start, end}}`). A subagent's
//! session (`parent_id` set) is read under the `task` call that started
//! it (`events.rs`), never as a session of its own.

mod events;

use events::Message;

use super::sink::Sink;
use anyhow::Result;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    let home = crate::paths::home_dir();
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| home.join(".local/share"))
        .join("opencode")
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// The database, then each session file of the older storage.
pub fn sources() -> Vec<PathBuf> {
    let data = data_dir();
    let db = data.join("opencode.db");
    let sessions = data.join("storage/session");
    let projects = std::fs::read_dir(&sessions).into_iter().flatten().flatten();
    let mut legacy: Vec<PathBuf> = projects.flat_map(|p| json_files(&p.path())).collect();
    legacy.sort();
    db.is_file()
        .then_some(db)
        .into_iter()
        .chain(legacy)
        .collect()
}

/// The sessions of this repository that `file` holds.
pub fn read(file: &Path, root: &Path) -> Result<Vec<Sink>> {
    let under = |dir: &str| Path::new(dir).starts_with(root);
    if file.extension().is_some_and(|x| x == "db") {
        return from_db(file, root, &under);
    }
    let s: Value = serde_json::from_slice(&std::fs::read(file)?)
        .map_err(|e| anyhow::anyhow!("it is not an opencode session: {e}"))?;
    let (Some(id), Some(dir)) = (s["id"].as_str(), s["directory"].as_str()) else {
        anyhow::bail!("it is not an opencode session");
    };
    if !under(dir) || s["parentID"].is_string() {
        return Ok(Vec::new());
    }
    let storage = file.ancestors().nth(3).unwrap_or(Path::new("/"));
    let messages = stored_messages(storage, id)?;
    let mut load = |child: &str| stored_messages(storage, child).unwrap_or_default();
    let reader = events::Reader {
        sink: Sink::new(root, id),
        dir: dir.to_owned(),
        load: &mut load,
    };
    Ok(vec![reader.session(&messages)])
}

/// A session's messages in the older storage, in order.
fn stored_messages(storage: &Path, id: &str) -> Result<Vec<Message>> {
    let mut messages = Vec::new();
    for m in json_files(&storage.join("message").join(id)) {
        let Ok(msg) = serde_json::from_slice::<Value>(&std::fs::read(&m)?) else {
            continue;
        };
        let mid = m.file_stem().unwrap_or_default();
        let parts = json_files(&storage.join("part").join(mid))
            .iter()
            .filter_map(|p| serde_json::from_slice(&std::fs::read(p).ok()?).ok())
            .collect();
        messages.push((msg, parts));
    }
    messages.sort_by_key(|(m, _)| m["time"]["created"].as_i64());
    Ok(messages)
}

fn from_db(file: &Path, root: &Path, under: &dyn Fn(&str) -> bool) -> Result<Vec<Sink>> {
    use rusqlite::{Connection, OpenFlags};
    let db = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    db.busy_timeout(std::time::Duration::from_secs(2))?;
    let mut q =
        db.prepare("SELECT id, directory FROM session WHERE parent_id IS NULL ORDER BY id")?;
    let sessions: Vec<(String, String)> = q
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut rows = Rows {
        msgs: db.prepare(
            "SELECT id, data FROM message WHERE session_id = ?1 ORDER BY time_created, id",
        )?,
        parts: db.prepare("SELECT message_id, data FROM part WHERE session_id = ?1 ORDER BY id")?,
    };
    let mut sinks = Vec::new();
    for (id, dir) in sessions.iter().filter(|(_, d)| under(d)) {
        let messages = rows.messages(id)?;
        let mut load = |child: &str| rows.messages(child).unwrap_or_default();
        let reader = events::Reader {
            sink: Sink::new(root, id),
            dir: dir.clone(),
            load: &mut load,
        };
        sinks.push(reader.session(&messages));
    }
    Ok(sinks)
}

/// The database's messages and parts, a session at a time.
struct Rows<'db> {
    msgs: rusqlite::Statement<'db>,
    parts: rusqlite::Statement<'db>,
}

impl Rows<'_> {
    fn messages(&mut self, id: &str) -> Result<Vec<Message>> {
        let json = |s: String| serde_json::from_str::<Value>(&s).unwrap_or_default();
        let rows = self
            .msgs
            .query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
        let mut messages: Vec<(String, Message)> = Vec::new();
        for row in rows {
            let (mid, data) = row?;
            messages.push((mid, (json(data), Vec::new())));
        }
        let rows = self
            .parts
            .query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
        for row in rows {
            let (mid, data) = row?;
            if let Some((_, (_, ps))) = messages.iter_mut().find(|(m, _)| *m == mid) {
                ps.push(json(data));
            }
        }
        Ok(messages.into_iter().map(|(_, m)| m).collect())
    }
}
