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
//! session (`parent_id` set) is not read.

use super::sink::{self, Sink};
use crate::cmd::agent_hook::{outcome, Hook, MAX_WORDS};
use crate::event::{Data, ToolCall, Usage};
use crate::timestamp::Timestamp;
use anyhow::Result;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A message and its parts, in order.
type Message = (Value, Vec<Value>);

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
    Ok(vec![session(root, id, dir, &messages)])
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
    let mut msgs =
        db.prepare("SELECT id, data FROM message WHERE session_id = ?1 ORDER BY time_created, id")?;
    let mut parts =
        db.prepare("SELECT message_id, data FROM part WHERE session_id = ?1 ORDER BY id")?;
    let mut sinks = Vec::new();
    for (id, dir) in sessions.iter().filter(|(_, d)| under(d)) {
        let json = |s: String| serde_json::from_str::<Value>(&s).unwrap_or_default();
        let rows = msgs.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
        let mut messages: Vec<(String, Message)> = Vec::new();
        for row in rows {
            let (mid, data) = row?;
            messages.push((mid, (json(data), Vec::new())));
        }
        let rows = parts.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
        for row in rows {
            let (mid, data) = row?;
            if let Some((_, (_, ps))) = messages.iter_mut().find(|(m, _)| *m == mid) {
                ps.push(json(data));
            }
        }
        let messages: Vec<Message> = messages.into_iter().map(|(_, m)| m).collect();
        sinks.push(session(root, id, dir, &messages));
    }
    Ok(sinks)
}

#[derive(Default)]
struct Turn {
    /// The assistant's reasoning and text since the last tool call.
    texts: Vec<String>,
    /// Its text alone since then: the turn's last message.
    said: Vec<String>,
    model: Option<String>,
    usage: Option<Usage>,
    last: Option<Timestamp>,
}

/// One session's messages, as events.
fn session(root: &Path, id: &str, dir: &str, messages: &[Message]) -> Sink {
    let mut sink = Sink::new(root, id);
    let mut turn = Turn::default();
    for (m, parts) in messages {
        let at = m["time"]["created"].as_i64().map(Timestamp::from_millis);
        let Some(at) = at else {
            continue;
        };
        match m["role"].as_str() {
            Some("user") => {
                let text: Vec<&str> = parts
                    .iter()
                    .filter(|p| p["type"] == "text" && p["synthetic"] != true)
                    .filter_map(|p| p["text"].as_str())
                    .collect();
                if text.is_empty() {
                    continue;
                }
                end_turn(&mut turn, id, dir, &mut sink);
                let p = sink::prompt(at, text.join("\n"), id);
                sink.push(at, dir, p);
            }
            Some("assistant") => assistant(m, parts, at, id, dir, &mut turn, &mut sink),
            _ => {}
        }
    }
    end_turn(&mut turn, id, dir, &mut sink);
    sink
}

fn assistant(
    m: &Value,
    parts: &[Value],
    at: Timestamp,
    id: &str,
    dir: &str,
    turn: &mut Turn,
    sink: &mut Sink,
) {
    let done = m["time"]["completed"].as_i64().map(Timestamp::from_millis);
    turn.last = Some(done.unwrap_or(at));
    turn.model = m["modelID"]
        .as_str()
        .map(str::to_owned)
        .or(turn.model.take());
    let t = &m["tokens"];
    if t.is_object() {
        let n = |v: &Value| v.as_u64();
        turn.usage.get_or_insert_with(Usage::default).add(&Usage {
            input_tokens: n(&t["input"]),
            output_tokens: n(&t["output"]),
            cache_read_tokens: n(&t["cache"]["read"]),
            cache_write_tokens: n(&t["cache"]["write"]),
            ..Usage::default()
        });
    }
    for p in parts {
        let text = p["text"].as_str().filter(|t| !t.trim().is_empty());
        match (p["type"].as_str(), text) {
            (Some("reasoning"), Some(t)) => turn.texts.push(t.to_owned()),
            (Some("text"), Some(t)) if p["synthetic"] != true => {
                turn.texts.push(t.to_owned());
                turn.said.push(t.to_owned());
            }
            (Some("tool"), _) => {
                let call = call(p, at, id, &turn.texts);
                turn.texts.clear();
                turn.said.clear();
                let started = call.started_at.unwrap_or(at);
                sink.push(started, dir, Data::ToolCall(call));
            }
            _ => {}
        }
    }
}

fn call(p: &Value, at: Timestamp, id: &str, texts: &[String]) -> ToolCall {
    let st = &p["state"];
    let input = st["input"].clone();
    let time = |k: &str| st["time"][k].as_i64().map(Timestamp::from_millis);
    let (start, end) = (time("start"), time("end"));
    let status = st["status"].as_str().unwrap_or_default();
    let exit = st["metadata"]["exit"].as_i64().map(|c| c as i32);
    let h = Hook {
        error: st["error"].as_str().map(str::to_owned),
        input: input.clone(),
        // An edit's output is empty: its diff is in its metadata.
        response: match st["output"].as_str().filter(|o| !o.is_empty()) {
            Some(o) => Value::String(o.to_owned()),
            None => st["metadata"]["diff"].clone(),
        },
        exit_code: exit,
        ..Hook::default()
    };
    let out = outcome::of(&h);
    let reasoning = (!texts.is_empty()).then(|| texts.join("\n\n"));
    let finished = matches!(status, "completed" | "error");
    ToolCall {
        tool: p["tool"].as_str().unwrap_or("?").to_owned(),
        intent: input["description"].as_str().map(str::to_owned),
        input: crate::event::bound_strings(input),
        reasoning: reasoning.map(|r| outcome::bound_to(&r, MAX_WORDS)),
        call_id: p["callID"].as_str().unwrap_or_default().to_owned(),
        agent_session: Some(id.to_owned()),
        output: out.output,
        exit_code: out.exit_code,
        is_error: finished.then_some(status == "error" || out.exit_code.is_some_and(|c| c != 0)),
        started_at: Some(start.unwrap_or(at)),
        ended_at: end,
        duration: start
            .zip(end)
            .map(|(s, e)| crate::timestamp::round_ms(e.since(s))),
        extra: sink::imported(),
        ..ToolCall::default()
    }
}

fn end_turn(turn: &mut Turn, id: &str, dir: &str, sink: &mut Sink) {
    let t = std::mem::take(turn);
    let Some(at) = t.last else {
        return;
    };
    let message = (!t.said.is_empty()).then(|| t.said.join("\n\n"));
    if let Some(d) = sink::turn_end(message, t.model, t.usage, id) {
        sink.push(at, dir, d);
    }
}
