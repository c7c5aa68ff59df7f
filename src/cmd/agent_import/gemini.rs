//! Gemini CLI's chat files, read as the events its hooks would have
//! recorded, with what its hooks cannot give: the model's text and
//! thoughts before each tool call, the model and the tokens of each turn.
//!
//! Where: `$GEMINI_CLI_HOME` (default the home directory) `/.gemini/tmp/
//! DIR/chats/session-*.json[l]`, DIR being the project's short name (its
//! `.project_root` file holds the project's path) or, before Gemini CLI
//! named projects so, the SHA-256 of the project's path in hex. A project
//! is the directory Gemini was started in, so every project at or under
//! this repository counts.
//!
//! A subagent (google-gemini/gemini-cli, `packages/core/src/agents/`: the
//! `invoke_agent` tool, `local-invocation.ts`, run by `local-executor.ts`)
//! keeps a chat of its own, `chats/PARENT/AGENT.jsonl`, PARENT the main
//! session's id and AGENT the subagent's (`services/
//! chatRecordingService.ts`, `initialize` with kind `subagent`; each made
//! filename-safe by `sanitizeFilenamePart`). The call that ran it names
//! it: its tool call record's `agentId` (`core/geminiChat.ts`,
//! `recordCompletedToolCalls`, from the call's result `data.agentId`), and
//! its `resultDisplay` is the subagent's progress (`agentName`). That chat
//! is read under the call, never as a session of its own.
//!
//! The formats, and what a message holds: `agent_hook/gemini_chat.rs`.

use super::sink::{self, Sink};
use crate::cmd::agent_hook::gemini_chat::{answers, is_prompt, load, reasons, said};
use crate::cmd::agent_hook::{outcome, Hook, MAX_WORDS};
use crate::event::{Data, Subagent, ToolCall};
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

/// How deep subagents nest before the rest is left out.
const MAX_DEPTH: usize = 4;

/// A chat being read: its session, where it ran (the project Gemini ran
/// in), and the messages of the subagent a call of it names, by its id.
pub struct Chat<'a> {
    pub session: &'a str,
    pub cwd: &'a str,
    pub subagent: &'a dyn Fn(&str) -> Option<Vec<Value>>,
}

/// The messages of the subagent `agent` of the main session `session`
/// whose chat is `file`: the chat beside it, `PARENT/AGENT.jsonl`.
pub fn subagent_chat(file: &Path, session: &str, agent: &str) -> Option<Vec<Value>> {
    let safe = |s: &str| -> String {
        let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        s.chars().map(|c| if ok(c) { c } else { '_' }).collect()
    };
    let path = file
        .parent()?
        .join(safe(session))
        .join(format!("{}.jsonl", safe(agent)));
    Some(load(&std::fs::read_to_string(path).ok()?).1)
}

/// The events of one chat, pushed to `sink` in order, a turn (a prompt
/// and the messages up to the next) at a time.
pub fn read(messages: &[Value], chat: &Chat, sink: &mut Sink) {
    let mut rest = messages;
    while !rest.is_empty() {
        let next = rest.iter().skip(1).position(|m| is_prompt(m).is_some());
        let (turn, after) = rest.split_at(next.map_or(rest.len(), |i| i + 1));
        let root = Level {
            sub: None,
            depth: 0,
        };
        read_turn(turn, chat, sink, root);
        rest = after;
    }
}

/// The subagent a chat's call is (`sub`), and how deep it is.
#[derive(Clone, Copy)]
struct Level<'s> {
    sub: Option<&'s Subagent>,
    depth: usize,
}

/// A turn's prompt, its calls with the words before them, and its end: the
/// last answer's text (unless a call follows it), model and tokens. A
/// subagent's whole chat is one turn, its prompt the call's input.
fn read_turn(turn: &[Value], chat: &Chat, sink: &mut Sink, level: Level) {
    let session = chat.session;
    let mut end: Option<(Timestamp, Option<String>)> = None;
    for m in turn {
        let Some(at) = m["timestamp"].as_str().and_then(Timestamp::parse_rfc3339) else {
            continue;
        };
        // Not Gemini's context, nor a tool's result.
        if let Some(text) = is_prompt(m) {
            if level.sub.is_none() {
                let p = sink::prompt(at, text, session);
                sink.push(at, chat.cwd, p);
            }
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
            one_call(c, at, &reasons, chat, sink, level);
        }
    }
    let Some((at, last)) = end else {
        return;
    };
    let t = answers(turn);
    if let Some(mut d) = sink::turn_end(last, t.model, t.usage, session) {
        if let Data::TurnEnd(e) = &mut d {
            e.subagent = level.sub.cloned();
        }
        sink.push(at, chat.cwd, d);
    }
}

/// A call, then the chat of the subagent it ran, if it names one.
fn one_call(
    c: &Value,
    at: Timestamp,
    reasons: &Option<String>,
    chat: &Chat,
    sink: &mut Sink,
    level: Level,
) {
    let started = c["timestamp"].as_str().and_then(Timestamp::parse_rfc3339);
    let mut call = call(c, chat.session, reasons, started);
    call.subagent = level.sub.cloned();
    let agent = c["agentId"].as_str().filter(|a| !a.is_empty());
    let child = agent
        .filter(|_| level.depth < MAX_DEPTH)
        .and_then(|a| Some((a, (chat.subagent)(a)?)));
    if let Some((id, _)) = &child {
        let kind = c["resultDisplay"]["agentName"]
            .as_str()
            .or(c["args"]["agent_name"].as_str())
            .or(c["name"].as_str());
        call.started_subagent = Some(Subagent {
            id: (*id).to_owned(),
            kind: kind.map(str::to_owned),
            ..Subagent::default()
        });
    }
    let sub = call.started_subagent.clone();
    sink.push(started.unwrap_or(at), chat.cwd, Data::ToolCall(call));
    if let (Some((_, messages)), Some(sub)) = (child, sub) {
        let inner = Level {
            sub: Some(&sub),
            depth: level.depth + 1,
        };
        read_turn(&messages, chat, sink, inner);
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
