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
//! The formats, and what a message holds: `agent_hook/gemini_chat.rs`.

use super::sink::{self, Sink};
use crate::cmd::agent_hook::gemini_chat::{answers, is_prompt, reasons, said};
use crate::cmd::agent_hook::{outcome, Hook, MAX_WORDS};
use crate::event::{Data, ToolCall};
use crate::timestamp::Timestamp;
use serde_json::Value;
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
    let hash = {
        use sha2::Digest;
        crate::ids::hex(&sha2::Sha256::digest(path.trim_end_matches('/').as_bytes()))
    };
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

/// The events of one chat, pushed to `sink` in order, a turn (a prompt
/// and the messages up to the next) at a time. `cwd` is where they
/// happened: the project Gemini ran in.
pub fn read(messages: &[Value], session: &str, cwd: &str, sink: &mut Sink) {
    let mut rest = messages;
    while !rest.is_empty() {
        let next = rest.iter().skip(1).position(|m| is_prompt(m).is_some());
        let (turn, after) = rest.split_at(next.map_or(rest.len(), |i| i + 1));
        read_turn(turn, session, cwd, sink);
        rest = after;
    }
}

/// A turn's prompt, its calls with the words before them, and its end: the
/// last answer's text (unless a call follows it), model and tokens.
fn read_turn(turn: &[Value], session: &str, cwd: &str, sink: &mut Sink) {
    let mut end: Option<(Timestamp, Option<String>)> = None;
    for m in turn {
        let Some(at) = m["timestamp"].as_str().and_then(Timestamp::parse_rfc3339) else {
            continue;
        };
        // Not Gemini's context, nor a tool's result.
        if let Some(text) = is_prompt(m) {
            let p = sink::prompt(at, text, session);
            sink.push(at, cwd, p);
            continue;
        }
        if m["type"] != "gemini" {
            continue;
        }
        let last = end.take().and_then(|(_, last)| last);
        let Some(calls) = m["toolCalls"].as_array().filter(|c| !c.is_empty()) else {
            end = Some((at, said(m).or(last)));
            continue;
        };
        end = Some((at, None));
        let reasons = reasons(m).map(|r| outcome::bound_to(&r, MAX_WORDS));
        for c in calls {
            let started = c["timestamp"].as_str().and_then(Timestamp::parse_rfc3339);
            let call = call(c, session, &reasons, started);
            sink.push(started.unwrap_or(at), cwd, Data::ToolCall(call));
        }
    }
    let Some((at, last)) = end else {
        return;
    };
    let t = answers(turn);
    if let Some(d) = sink::turn_end(last, t.model, t.usage, session) {
        sink.push(at, cwd, d);
    }
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
        error,
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
