//! Cline's tasks, read as the events its hooks would have recorded, with
//! what its hooks cannot give: the assistant's words before each call, the
//! model and the tokens of each request.
//!
//! Where (cline/cline, `apps/vscode/src/sdk/legacy-state-reader.ts`): a
//! data directory (`$CLINE_DATA_DIR`, else `$CLINE_DIR/data`, else
//! `~/.cline/data`; VS Code's own global storage of the extension,
//! `saoudrizwan.claude-dev`, for tasks made there) holds
//! `state/taskHistory.json` (`HistoryItem[]`: `id`,
//! `cwdOnTaskInitialization`) and `tasks/ID/` with
//! `api_conversation_history.json` (`ClineStorageMessage[]`, Anthropic
//! messages with `ts`, `modelInfo {modelId}`, `metrics {tokens {prompt,
//! completion, cached}}`: `shared/messages/content.ts`) and
//! `ui_messages.json` (`ClineMessage[]`: `ts`, `type`, `say` of which
//! `task` is the task as typed and `user_feedback` a later message:
//! `shared/ExtensionMessage.ts`). A task's directory is its session.

use super::sink::{self, Sink};
use crate::cmd::agent_hook::{outcome, Hook, MAX_WORDS};
use crate::event::{Data, ToolCall, Usage};
use crate::timestamp::Timestamp;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The data directories Cline may keep tasks in.
fn data_dirs() -> Vec<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let home = crate::paths::home_dir();
    let data = env("CLINE_DATA_DIR")
        .or_else(|| env("CLINE_DIR").map(|d| d.join("data")))
        .unwrap_or_else(|| home.join(".cline").join("data"));
    let config = env("XDG_CONFIG_HOME").unwrap_or_else(|| home.join(".config"));
    let mut dirs = vec![data];
    for editor in ["Code", "Code - Insiders", "VSCodium"] {
        let storage = config.join(editor).join("User/globalStorage");
        dirs.push(storage.join("saoudrizwan.claude-dev"));
    }
    dirs
}

/// The task directories of tasks started at or under `root`, each with
/// the directory it started in.
pub fn tasks(root: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut found = Vec::new();
    for dir in data_dirs() {
        let history = std::fs::read(dir.join("state/taskHistory.json"));
        let items: Vec<Value> = history
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        for item in items {
            let (Some(id), Some(cwd)) = (
                item["id"].as_str(),
                item["cwdOnTaskInitialization"].as_str(),
            ) else {
                continue;
            };
            let task = dir.join("tasks").join(id);
            let safe = !id.is_empty() && !id.contains(['/', '\\']) && id != "..";
            if safe && Path::new(cwd).starts_with(root) && task.is_dir() {
                found.push((
                    task.join("api_conversation_history.json"),
                    PathBuf::from(cwd),
                ));
            }
        }
    }
    found.sort();
    found
}

/// The prompts of a task: what the user typed, as the task or later.
fn prompts(ui: &str) -> Vec<(Timestamp, String)> {
    let messages: Vec<Value> = serde_json::from_str(ui).unwrap_or_default();
    messages
        .iter()
        .filter(|m| {
            m["type"] == "say" && matches!(m["say"].as_str(), Some("task" | "user_feedback"))
        })
        .filter_map(|m| {
            let at = Timestamp::from_millis(m["ts"].as_i64()?);
            let text = m["text"].as_str().filter(|t| !t.trim().is_empty())?;
            Some((at, text.to_owned()))
        })
        .collect()
}

/// A tool call made, its result not yet seen.
struct Open {
    call: ToolCall,
    at: Timestamp,
}

#[derive(Default)]
struct Turn {
    /// The assistant's texts and thinking since the last tool result.
    texts: Vec<String>,
    /// Its texts alone: the turn's last message.
    said: Vec<String>,
    /// The answer Cline gave the task (`attempt_completion`'s `result`).
    answer: Option<String>,
    model: Option<String>,
    usage: Option<Usage>,
    last: Option<Timestamp>,
}

/// Reads a task (its API history `text`, and the UI messages beside it)
/// into `sink`; `cwd` is where the task started.
pub fn read(text: &str, file: &Path, cwd: &str, sink: &mut Sink) -> anyhow::Result<()> {
    let history: Vec<Value> = serde_json::from_str(text)
        .map_err(|e| anyhow::anyhow!("it is not Cline's API history: {e}"))?;
    let ui = file.with_file_name("ui_messages.json");
    let ui = std::fs::read_to_string(ui).unwrap_or_default();
    let session = sink.session().to_owned();
    // The prompts and the calls, in time order.
    let prompts = prompts(&ui);
    let starts: Vec<Timestamp> = prompts.iter().map(|(at, _)| *at).collect();
    let mut events: Vec<(Timestamp, Data)> = prompts
        .into_iter()
        .map(|(at, text)| {
            let p = sink::prompt(at, text, &session);
            (at, p)
        })
        .collect();
    let fallback = starts.first().copied();
    let fallback = fallback.or_else(|| session.parse().ok().map(Timestamp::from_millis));
    let mut at = fallback.unwrap_or_default();
    let mut open: HashMap<String, Open> = HashMap::new();
    let mut turn = Turn::default();
    // The next prompt: it ends the turn before it.
    let mut next = 1;
    for m in &history {
        at = m["ts"].as_i64().map_or(at, Timestamp::from_millis);
        let blocks = m["content"].as_array().cloned().unwrap_or_default();
        for b in blocks.iter().filter(|b| b["type"] == "tool_result") {
            turn.texts.clear();
            turn.said.clear();
            let id = b["tool_use_id"].as_str().unwrap_or_default();
            if let Some(o) = open.remove(id) {
                events.push((o.at, Data::ToolCall(result(o, b, at))));
            }
        }
        while starts.get(next).is_some_and(|p| *p <= at) {
            end_turn(&mut turn, &session, &mut events);
            next += 1;
        }
        if m["role"] == "assistant" {
            assistant(m, &blocks, at, &session, &mut open, &mut turn);
        }
    }
    // A call with no result (the task's last answer) still happened.
    let mut left: Vec<Open> = open.into_values().collect();
    left.sort_by_key(|o| o.at);
    events.extend(left.into_iter().map(|o| (o.at, Data::ToolCall(o.call))));
    end_turn(&mut turn, &session, &mut events);
    events.sort_by_key(|(at, _)| *at);
    for (at, data) in events {
        sink.push(at, cwd, data);
    }
    Ok(())
}

fn assistant(
    m: &Value,
    blocks: &[Value],
    at: Timestamp,
    session: &str,
    open: &mut HashMap<String, Open>,
    turn: &mut Turn,
) {
    turn.last = Some(at);
    if let Some(model) = m["modelInfo"]["modelId"].as_str() {
        turn.model = Some(model.to_owned());
    }
    let t = &m["metrics"]["tokens"];
    if t.is_object() {
        let n = |k: &str| t[k].as_u64();
        turn.usage.get_or_insert_with(Usage::default).add(&Usage {
            input_tokens: n("prompt"),
            output_tokens: n("completion"),
            cache_read_tokens: n("cached"),
            ..Usage::default()
        });
    }
    if let Some(s) = m["content"].as_str().filter(|s| !s.trim().is_empty()) {
        turn.texts.push(s.to_owned());
        turn.said.push(s.to_owned());
    }
    for b in blocks {
        match b["type"].as_str() {
            Some("text") => {
                let t = b["text"].as_str().unwrap_or_default().to_owned();
                turn.texts.push(t.clone());
                turn.said.push(t);
            }
            Some("thinking") => turn
                .texts
                .push(b["thinking"].as_str().unwrap_or_default().to_owned()),
            Some("tool_use") => {
                let id = b["id"].as_str().unwrap_or_default().to_owned();
                let input = b["input"].clone();
                // Cline ends a task with its answer as a tool's input.
                if let Some(r) = input["result"]
                    .as_str()
                    .filter(|_| b["name"] == "attempt_completion")
                {
                    turn.answer = Some(r.to_owned());
                }
                let texts: Vec<&String> =
                    turn.texts.iter().filter(|t| !t.trim().is_empty()).collect();
                let reasoning = (!texts.is_empty()).then(|| {
                    texts
                        .iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join("\n\n")
                });
                let call = ToolCall {
                    tool: b["name"].as_str().unwrap_or("?").to_owned(),
                    intent: None,
                    input: crate::event::bound_strings(input),
                    reasoning: reasoning.map(|r| outcome::bound_to(&r, MAX_WORDS)),
                    call_id: id.clone(),
                    agent_session: Some(session.to_owned()),
                    started_at: Some(at),
                    extra: sink::imported(),
                    ..ToolCall::default()
                };
                open.insert(id, Open { call, at });
            }
            _ => {}
        }
    }
}

/// A tool's result closes its call.
fn result(mut o: Open, b: &Value, at: Timestamp) -> ToolCall {
    let text = match &b["content"] {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    };
    let failed = b["is_error"] == true;
    let h = Hook {
        error: failed.then(|| text.clone()),
        input: o.call.input.clone(),
        response: if failed {
            Value::Null
        } else {
            Value::String(text)
        },
        ..Hook::default()
    };
    let out = outcome::of(&h);
    o.call.is_error = Some(failed || out.exit_code.is_some_and(|c| c != 0));
    o.call.output = out.output;
    o.call.exit_code = out.exit_code;
    o.call.ended_at = Some(at);
    o.call.duration = Some(crate::timestamp::round_ms(at.since(o.at)));
    o.call
}

fn end_turn(turn: &mut Turn, session: &str, events: &mut Vec<(Timestamp, Data)>) {
    let t = std::mem::take(turn);
    let Some(at) = t.last else {
        return;
    };
    let said: Vec<String> = t
        .said
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .collect();
    let message = t
        .answer
        .or_else(|| (!said.is_empty()).then(|| said.join("\n\n")));
    if let Some(d) = sink::turn_end(message, t.model, t.usage, session) {
        events.push((at, d));
    }
}
