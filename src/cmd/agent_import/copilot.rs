//! One GitHub Copilot CLI session log (`$COPILOT_HOME/session-state/
//! SESSION/events.jsonl`, `$COPILOT_HOME` defaulting to `~/.copilot`) read
//! whole, as the events its hooks would have recorded, with what its hooks
//! cannot give: the assistant's words before each call, the model and the
//! output tokens of each turn.
//!
//! Each line is a session event `{"type", "data", "id", "timestamp",
//! "parentId", "agentId"?}` as github/copilot-sdk's generated types
//! (`nodejs/src/generated/session-events.ts`, from the CLI's
//! `session-events.schema.json`) define it; events marked `ephemeral`
//! (deltas, `assistant.usage`) never reach the file. Read here:
//! `session.start`/`session.resume` (`sessionId`, `context.cwd`),
//! `session.context_changed` (`cwd`), `session.model_change` (`newModel`),
//! `user.message` (`content`, `source`), `assistant.message` (`content`,
//! `reasoningText`, `toolRequests[] {toolCallId, name, arguments,
//! intentionSummary}`, `model`, `outputTokens`), `tool.execution_start`
//! (`toolCallId`, `toolName`, `arguments`), `tool.execution_complete`
//! (`toolCallId`, `success`, `result {content, detailedContent,
//! contents[] {type: "terminal"|"shell_exit", exitCode}}`, `error
//! {message}`), `subagent.started` (`toolCallId`, `agentName`); events of
//! a subagent carry its `agentId`.

use super::sink::{self, Sink};
use crate::cmd::agent_hook::{outcome, Hook, MAX_WORDS};
use crate::event::{Data, Subagent, ToolCall, Usage};
use crate::timestamp::Timestamp;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

/// The session logs Copilot CLI keeps, each with its session's directory
/// name (the session's id).
pub fn transcripts() -> Vec<PathBuf> {
    let home = std::env::var_os("COPILOT_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| crate::paths::home_dir().join(".copilot"));
    let dirs = std::fs::read_dir(home.join("session-state"));
    let mut files: Vec<PathBuf> = dirs
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("events.jsonl"))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// A tool call requested, its completion not yet seen.
struct Open {
    call: ToolCall,
    at: Timestamp,
    cwd: String,
}

#[derive(Default)]
struct State {
    cwd: String,
    model: Option<String>,
    /// The assistant's texts and reasoning since its last tool result: the
    /// next call's reasons; by agent ("" the main one, else a subagent).
    texts: HashMap<String, Vec<String>>,
    /// The assistant's texts alone since then: the turn's last message.
    said: Vec<String>,
    output_tokens: Option<u64>,
    /// Where the turn's end is recorded: its last event.
    last: Option<Timestamp>,
    open: HashMap<String, Open>,
    /// The subagent each call started, by the call's id.
    subagents: HashMap<String, Subagent>,
    /// The subagents' kinds, by their id.
    kinds: HashMap<String, String>,
}

/// Reads a session log into `sink`, naming the session after its
/// `session.start` id.
pub fn read(text: &str, sink: &mut Sink) {
    let mut st = State::default();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let Some(at) = v["timestamp"].as_str().and_then(Timestamp::parse_rfc3339) else {
            continue;
        };
        let d = &v["data"];
        let agent = v["agentId"].as_str().filter(|a| !a.is_empty());
        match v["type"].as_str().unwrap_or_default() {
            "session.start" | "session.resume" => {
                if let Some(id) = d["sessionId"].as_str() {
                    sink.rename(id);
                }
                st.cwd = d["context"]["cwd"].as_str().map_or(st.cwd, str::to_owned);
                st.model = d["selectedModel"].as_str().map(str::to_owned).or(st.model);
            }
            "session.context_changed" => {
                st.cwd = d["cwd"].as_str().map_or(st.cwd, str::to_owned);
            }
            "session.model_change" => {
                st.model = d["newModel"].as_str().map(str::to_owned).or(st.model);
            }
            "user.message" if agent.is_none() => prompt(&mut st, at, d, sink),
            "assistant.message" => said(&mut st, at, d, agent, sink.session()),
            "tool.execution_start" => started(&mut st, at, d, agent, sink.session()),
            "tool.execution_complete" => done(&mut st, at, d, agent, sink),
            "subagent.started" => subagent(&mut st, d, agent),
            _ => {}
        }
        st.last = Some(at);
    }
    end_turn(&mut st, sink);
}

fn prompt(st: &mut State, at: Timestamp, d: &Value, sink: &mut Sink) {
    // What Copilot injects itself (a skill's text, another agent's prompt)
    // names its source; what the user typed does not, or is "user".
    let source = d["source"].as_str().unwrap_or("user");
    let Some(text) = d["content"].as_str().filter(|t| !t.trim().is_empty()) else {
        return;
    };
    if source != "user" || d["isAutopilotContinuation"] == true {
        return;
    }
    end_turn(st, sink);
    let p = sink::prompt(at, text.to_owned(), sink.session());
    sink.push(at, &st.cwd, p);
}

/// The assistant's words, its thinking, and the calls it asks for.
fn said(st: &mut State, at: Timestamp, d: &Value, agent: Option<&str>, session: &str) {
    if agent.is_none() {
        st.model = d["model"].as_str().map(str::to_owned).or(st.model.take());
        if let Some(n) = d["outputTokens"].as_u64() {
            *st.output_tokens.get_or_insert(0) += n;
        }
    }
    let texts = st
        .texts
        .entry(agent.unwrap_or_default().to_owned())
        .or_default();
    let thought = d["reasoningText"].as_str().filter(|t| !t.trim().is_empty());
    texts.extend(thought.map(str::to_owned));
    if let Some(t) = d["content"].as_str().filter(|t| !t.trim().is_empty()) {
        texts.push(t.to_owned());
        if agent.is_none() {
            st.said.push(t.to_owned());
        }
    }
    for r in d["toolRequests"].as_array().into_iter().flatten() {
        let intent = r["intentionSummary"].as_str().map(str::to_owned);
        open(st, at, r, "name", intent, agent, session);
    }
}

/// A call Copilot ran without the model asking in this log (a command the
/// user typed with `!`, a log that starts mid-turn) opens here.
fn started(st: &mut State, at: Timestamp, d: &Value, agent: Option<&str>, session: &str) {
    match d["toolCallId"].as_str().and_then(|id| st.open.get_mut(id)) {
        // Its run starts now, not when the model asked for it.
        Some(o) => {
            o.at = at;
            o.call.started_at = Some(at);
        }
        None => open(st, at, d, "toolName", None, agent, session),
    }
}

fn open(
    st: &mut State,
    at: Timestamp,
    r: &Value,
    name: &str,
    intent: Option<String>,
    agent: Option<&str>,
    session: &str,
) {
    let Some(id) = r["toolCallId"].as_str() else {
        return;
    };
    let input = match &r["arguments"] {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())),
        v => v.clone(),
    };
    let texts = st.texts.get(agent.unwrap_or_default());
    let reasoning = texts.filter(|t| !t.is_empty()).map(|t| t.join("\n\n"));
    let subagent = agent.map(|a| Subagent {
        id: a.to_owned(),
        kind: st.kinds.get(a).cloned(),
        ..Subagent::default()
    });
    let call = ToolCall {
        tool: r[name].as_str().unwrap_or("?").to_owned(),
        intent: intent.or_else(|| input["description"].as_str().map(str::to_owned)),
        input: crate::event::bound_strings(input),
        reasoning: reasoning.map(|r| outcome::bound_to(&r, MAX_WORDS)),
        call_id: id.to_owned(),
        agent_session: Some(session.to_owned()),
        started_at: Some(at),
        subagent,
        extra: sink::imported(),
        ..ToolCall::default()
    };
    let cwd = st.cwd.clone();
    st.open.insert(id.to_owned(), Open { call, at, cwd });
}

/// A call's completion closes it: what it returned (the detailed result
/// where Copilot kept one: an edit's diff), its error, a shell's exit code.
fn done(st: &mut State, at: Timestamp, d: &Value, agent: Option<&str>, sink: &mut Sink) {
    let Some(mut o) = d["toolCallId"].as_str().and_then(|id| st.open.remove(id)) else {
        return;
    };
    st.texts.remove(agent.unwrap_or_default());
    if agent.is_none() {
        st.said.clear();
    }
    let r = &d["result"];
    let text = r["detailedContent"]
        .as_str()
        .filter(|t| !t.is_empty())
        .or(r["content"].as_str());
    let exit_code = r["contents"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| matches!(c["type"].as_str(), Some("terminal" | "shell_exit")))
        .find_map(|c| c["exitCode"].as_i64());
    let failed = d["success"] != true;
    let h = Hook {
        error: d["error"]["message"].as_str().map(str::to_owned),
        input: o.call.input.clone(),
        response: text.map_or(Value::Null, |t| Value::String(t.to_owned())),
        exit_code: exit_code.map(|c| c as i32),
        ..Hook::default()
    };
    let out = outcome::of(&h);
    o.call.is_error = Some(failed || out.exit_code.is_some_and(|c| c != 0));
    o.call.output = out.output;
    o.call.exit_code = out.exit_code;
    o.call.ended_at = Some(at);
    o.call.duration = Some(crate::timestamp::round_ms(at.since(o.at)));
    o.call.started_subagent = st.subagents.remove(&o.call.call_id);
    sink.push(o.at, &o.cwd, Data::ToolCall(o.call));
}

/// A subagent the call `toolCallId` started: its events carry its id as
/// their `agentId` (the started event's own, or the call's id without it).
fn subagent(st: &mut State, d: &Value, agent: Option<&str>) {
    let Some(call) = d["toolCallId"].as_str() else {
        return;
    };
    let id = agent.unwrap_or(call).to_owned();
    let kind = d["agentName"].as_str().map(str::to_owned);
    if let Some(k) = &kind {
        st.kinds.insert(id.clone(), k.clone());
    }
    let s = Subagent {
        id,
        kind,
        ..Subagent::default()
    };
    st.subagents.insert(call.to_owned(), s);
}

fn end_turn(st: &mut State, sink: &mut Sink) {
    st.texts.clear();
    let texts = std::mem::take(&mut st.said);
    let usage = st.output_tokens.take().map(|n| Usage {
        output_tokens: Some(n),
        ..Usage::default()
    });
    let Some(at) = st.last else {
        return;
    };
    let message = (!texts.is_empty()).then(|| texts.join("\n\n"));
    let session = sink.session().to_owned();
    if let Some(d) = sink::turn_end(message, st.model.clone(), usage, &session) {
        sink.push(at, &st.cwd, d);
    }
}
