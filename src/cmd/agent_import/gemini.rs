//! Gemini CLI's chat files, read as the events its hooks would have
//! recorded, with what its hooks cannot give: the model's text and
//! thoughts before each tool call, the model and the tokens of each turn.
//!
//! Where: `$GEMINI_CLI_HOME` (default the home directory) `/.gemini/tmp/
//! DIR/chats/session-*.json[l]`, DIR being the project's short name (its
//! `.project_root` file holds the project's path) or, before Gemini CLI
//! named projects so, the SHA-256 of the project's path in hex. A project
//! is the directory Gemini was started in, so every project at or under
//! this repository counts. Subagents' chats (`chats/PARENT/*.jsonl`) are
//! not read.
//!
//! Two formats. The older is one JSON object, `{"sessionId", "projectHash",
//! "startTime", "lastUpdated", "messages": [...]}`. The newer is JSON
//! lines: that object's fields first (without `messages`), then one
//! message a line, a message written again under its id when it grows (its
//! tool calls done, its tokens counted), `{"$set": {...}}` to change the
//! fields (`messages` in it replaces them all), and `{"$rewindTo": ID}` to
//! drop that message and every one after it.
//!
//! A message is `{"id", "timestamp", "type": "user" | "gemini" | "info" |
//! "error" | "warning", "content"}`, content a string or a list of parts
//! (`{"text"}`); a user's `displayContent` is what they typed. A `gemini`
//! message may have `thoughts` (`[{"subject", "description"}]`), `tokens`
//! (`{"input", "output", "cached", "thoughts", "tool", "total"}`), `model`
//! and `toolCalls`: `[{"id", "name", "args", "result", "status",
//! "timestamp", "resultDisplay"}]`, a result being parts with a
//! `functionResponse.response` of `{"output"}` or `{"error"}`.

use super::sink::{self, Sink};
use crate::cmd::agent_hook::{outcome, Hook};
use crate::event::{Data, Prompt, ToolCall, TurnEnd, Usage};
use crate::timestamp::Timestamp;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The chat files of every Gemini project at or under `root`, each with
/// its project's path.
pub fn transcripts(root: &Path) -> Vec<(PathBuf, PathBuf)> {
    let home = std::env::var_os("GEMINI_CLI_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(crate::paths::home_dir);
    let tmp = home.join(".gemini").join("tmp");
    let path = root.to_string_lossy();
    let hash = sha256_hex(path.trim_end_matches('/').as_bytes());
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&tmp).into_iter().flatten().flatten() {
        let dir = dir.path();
        let project = match std::fs::read_to_string(dir.join(".project_root")) {
            Ok(owner) => PathBuf::from(owner.trim()),
            Err(_) if dir.file_name().is_some_and(|n| *n == *hash) => root.to_path_buf(),
            Err(_) => continue,
        };
        if !project.starts_with(root) {
            continue;
        }
        let chats = std::fs::read_dir(dir.join("chats")).into_iter().flatten();
        files.extend(
            chats
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let name = p.file_name().unwrap_or_default().to_string_lossy();
                    p.is_file()
                        && name.starts_with("session-")
                        && (name.ends_with(".json") || name.ends_with(".jsonl"))
                })
                .map(|p| (p, project.clone())),
        );
    }
    files.sort();
    files
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A chat file's session id and messages, as Gemini CLI would load it.
pub fn load(text: &str) -> (Option<String>, Vec<Value>) {
    // The older format: one object, perhaps over many lines.
    if let Ok(Value::Object(whole)) = serde_json::from_str::<Value>(text) {
        if whole.contains_key("messages") || !text.trim().contains('\n') {
            let messages = whole
                .get("messages")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            return (session_of(&whole), messages);
        }
    }
    let mut session = None;
    let mut messages: Vec<(String, Value)> = Vec::new();
    for line in text.lines() {
        let Ok(Value::Object(rec)) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let Some(id) = rec.get("$rewindTo").and_then(Value::as_str) {
            let at = messages.iter().position(|(m, _)| m == id);
            messages.truncate(at.unwrap_or(0));
        } else if let Some(set) = rec.get("$set").and_then(Value::as_object) {
            session = session_of(set).or(session);
            if let Some(all) = set.get("messages").and_then(Value::as_array) {
                messages = all.iter().filter_map(keyed).collect();
            }
        } else if rec.contains_key("type") && rec.contains_key("id") {
            let Some((id, m)) = keyed(&Value::Object(rec)) else {
                continue;
            };
            // Written again as it grows: it keeps its place.
            match messages.iter_mut().find(|(k, _)| *k == id) {
                Some(slot) => slot.1 = m,
                None => messages.push((id, m)),
            }
        } else {
            session = session_of(&rec).or(session);
            for m in rec
                .get("messages")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                messages.extend(keyed(m));
            }
        }
    }
    (session, messages.into_iter().map(|(_, m)| m).collect())
}

fn session_of(rec: &Map<String, Value>) -> Option<String> {
    rec.get("sessionId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn keyed(m: &Value) -> Option<(String, Value)> {
    Some((m.get("id")?.as_str()?.to_owned(), m.clone()))
}

/// What the model said and thought before its calls, and its tokens, over
/// one turn (the messages after a prompt).
#[derive(Default)]
struct Turn {
    at: Option<Timestamp>,
    /// The last answer's text: the turn's last message unless a call
    /// follows it.
    last: Option<String>,
    model: Option<String>,
    usage: Option<Usage>,
}

/// The events of one chat, pushed to `sink` in order. `cwd` is where they
/// happened: the project Gemini ran in.
pub fn read(messages: &[Value], session: &str, cwd: &str, sink: &mut Sink) {
    let mut turn = Turn::default();
    for m in messages {
        let Some(at) = m["timestamp"].as_str().and_then(Timestamp::parse_rfc3339) else {
            continue;
        };
        match m["type"].as_str() {
            Some("user") => {
                let typed = text_of(&m["displayContent"]);
                let text = typed.or_else(|| text_of(&m["content"])).unwrap_or_default();
                // What Gemini adds as the user's (the workspace, a hook's
                // context) is no prompt; a tool's result carries no text.
                let t = text.trim_start();
                if t.is_empty()
                    || t.starts_with("<session_context>")
                    || t.starts_with("<hook_context>")
                {
                    continue;
                }
                end_turn(&mut turn, session, cwd, sink);
                let p = Prompt {
                    text,
                    prompt_id: crate::ids::event_id(at, session, "prompt"),
                    agent_session: Some(session.to_owned()),
                    extra: sink::imported(),
                };
                sink.push(at, cwd, Data::Prompt(p));
            }
            Some("gemini") => answer(m, at, session, cwd, &mut turn, sink),
            _ => {}
        }
    }
    end_turn(&mut turn, session, cwd, sink);
}

fn answer(m: &Value, at: Timestamp, session: &str, cwd: &str, turn: &mut Turn, sink: &mut Sink) {
    turn.at = Some(at);
    turn.model = m["model"].as_str().map(str::to_owned).or(turn.model.take());
    if let Some(t) = m["tokens"].as_object() {
        let n = |k: &str| t.get(k).and_then(Value::as_u64);
        let u = Usage {
            input_tokens: n("input"),
            output_tokens: n("output"),
            cache_read_tokens: n("cached"),
            ..Usage::default()
        };
        turn.usage.get_or_insert_with(Usage::default).add(&u);
    }
    let said = text_of(&m["content"]).filter(|t| !t.trim().is_empty());
    let calls = m["toolCalls"].as_array().filter(|c| !c.is_empty());
    let Some(calls) = calls else {
        turn.last = said.or(turn.last.take());
        return;
    };
    turn.last = None;
    let reasons = reasons(m, said.as_deref());
    for c in calls {
        let started = c["timestamp"].as_str().and_then(Timestamp::parse_rfc3339);
        sink.push(
            started.unwrap_or(at),
            cwd,
            Data::ToolCall(call(c, session, &reasons, started)),
        );
    }
}

/// The thoughts (`subject: description`) and the text of an answer.
fn reasons(m: &Value, said: Option<&str>) -> Option<String> {
    let mut parts: Vec<String> = m["thoughts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| {
            let subject = t["subject"].as_str().unwrap_or_default().trim();
            let what = t["description"].as_str().unwrap_or_default().trim();
            match (subject.is_empty(), what.is_empty()) {
                (true, true) => None,
                (false, false) => Some(format!("{subject}: {what}")),
                _ => Some(format!("{subject}{what}")),
            }
        })
        .collect();
    parts.extend(said.map(str::to_owned));
    (!parts.is_empty()).then(|| outcome::bound_to(&parts.join("\n\n"), 8 * 1024))
}

fn call(c: &Value, session: &str, reasons: &Option<String>, at: Option<Timestamp>) -> ToolCall {
    let input = c["args"].clone();
    let status = c["status"].as_str().unwrap_or_default();
    let response = c["result"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|p| p["functionResponse"]["response"].as_object().cloned())
        .map(Value::Object)
        .unwrap_or(Value::Null);
    let error = match &response["error"] {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ if status == "cancelled" => Some("cancelled".to_owned()),
        _ => None,
    };
    let shown = match &c["resultDisplay"] {
        Value::String(s) if !s.is_empty() => Value::String(s.clone()),
        _ => Value::Null,
    };
    let h = Hook {
        error: error.clone(),
        input: input.clone(),
        response: if response.is_null() { shown } else { response },
        ..Hook::default()
    };
    let out = outcome::of(&h);
    let done = matches!(status, "success" | "error" | "cancelled");
    ToolCall {
        tool: c["name"].as_str().unwrap_or("?").to_owned(),
        intent: input["description"].as_str().map(str::to_owned),
        input: crate::event::bound_strings(input),
        reasoning: reasons.clone(),
        call_id: c["id"].as_str().unwrap_or_default().to_owned(),
        agent_session: Some(session.to_owned()),
        output: out.output,
        exit_code: out.exit_code,
        is_error: done.then_some(status != "success"),
        started_at: at,
        extra: sink::imported(),
        ..ToolCall::default()
    }
}

/// A string, or the texts of a list of parts.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => {
            let texts: Vec<&str> = parts.iter().filter_map(|p| p["text"].as_str()).collect();
            (!texts.is_empty()).then(|| texts.concat())
        }
        _ => None,
    }
}

fn end_turn(turn: &mut Turn, session: &str, cwd: &str, sink: &mut Sink) {
    let t = std::mem::take(turn);
    let Some(at) = t.at else {
        return;
    };
    if t.last.is_none() && t.usage.is_none() {
        return;
    }
    let d = TurnEnd {
        message: t.last.map(|m| outcome::bound_to(&m, 8 * 1024)),
        model: t.model,
        usage: t.usage,
        agent_session: Some(session.to_owned()),
        subagent: None,
        extra: sink::imported(),
    };
    sink.push(at, cwd, Data::TurnEnd(d));
}
