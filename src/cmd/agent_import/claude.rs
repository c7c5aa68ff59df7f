//! One Claude Code transcript (`~/.claude/projects/PROJECT/SESSION.jsonl`)
//! read whole, as the events its hooks would have recorded: the prompts,
//! each tool call with its input, output, reasons and outcome, each turn's
//! end with its last message, model and tokens.

use super::sink::{self, Sink};
use crate::cmd::agent_hook::{outcome, Hook, MAX_WORDS};
use crate::event::{Data, ToolCall, Usage};
use crate::timestamp::Timestamp;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// A tool call seen, its result not yet.
struct Open {
    call: ToolCall,
    at: Timestamp,
    cwd: String,
}

#[derive(Default)]
struct Turn {
    /// Texts since the last tool result: the next call's reasons, or the
    /// turn's last message.
    texts: Vec<String>,
    usage: Option<Usage>,
    counted: HashSet<String>,
    model: Option<String>,
    at: Option<(Timestamp, String)>,
}

pub fn read(text: &str, session: &str, sink: &mut Sink) {
    let mut open: HashMap<String, Open> = HashMap::new();
    let mut turn = Turn::default();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if v["isSidechain"] == true || v["isMeta"] == true {
            continue;
        }
        let Some(at) = v["timestamp"].as_str().and_then(Timestamp::parse_rfc3339) else {
            continue;
        };
        let cwd = v["cwd"].as_str().unwrap_or_default().to_owned();
        let content = &v["message"]["content"];
        match v["type"].as_str() {
            Some("user") if content.is_string() => {
                end_turn(&mut turn, session, sink);
                let text = content.as_str().unwrap_or_default();
                if text.starts_with("<command-") || text.starts_with("<local-command") {
                    continue;
                }
                let p = sink::prompt(at, text.to_owned(), session);
                sink.push(at, &cwd, p);
            }
            Some("user") => results(&v, content, &mut open, &mut turn, sink),
            Some("assistant") => assistant(&v, at, &cwd, session, &mut open, &mut turn),
            _ => {}
        }
        if turn.at.is_none() || v["type"] == "assistant" {
            turn.at = Some((at, cwd));
        }
    }
    end_turn(&mut turn, session, sink);
}

fn assistant(
    v: &Value,
    at: Timestamp,
    cwd: &str,
    session: &str,
    open: &mut HashMap<String, Open>,
    turn: &mut Turn,
) {
    let m = &v["message"];
    turn.model = m["model"].as_str().map(str::to_owned).or(turn.model.take());
    for c in m["content"].as_array().into_iter().flatten() {
        match c["type"].as_str() {
            Some("text") => turn
                .texts
                .push(c["text"].as_str().unwrap_or_default().to_owned()),
            Some("tool_use") => {
                let id = c["id"].as_str().unwrap_or_default().to_owned();
                let input = c["input"].clone();
                let reasoning = (!turn.texts.is_empty()).then(|| turn.texts.join("\n\n"));
                let call = ToolCall {
                    tool: c["name"].as_str().unwrap_or("?").to_owned(),
                    intent: input["description"].as_str().map(str::to_owned),
                    input: crate::event::bound_strings(input),
                    reasoning: reasoning.map(|r| outcome::bound_to(&r, MAX_WORDS)),
                    call_id: id.clone(),
                    agent_session: Some(session.to_owned()),
                    started_at: Some(at),
                    extra: sink::imported(),
                    ..ToolCall::default()
                };
                let cwd = cwd.to_owned();
                open.insert(id, Open { call, at, cwd });
            }
            _ => {}
        }
    }
    let u = &m["usage"];
    let id = m["id"].as_str().unwrap_or_default().to_owned();
    if u.is_object() && turn.counted.insert(id) {
        let n = |k: &str| u[k].as_u64();
        turn.usage.get_or_insert_with(Usage::default).add(&Usage {
            input_tokens: n("input_tokens"),
            output_tokens: n("output_tokens"),
            cache_read_tokens: n("cache_read_input_tokens"),
            cache_write_tokens: n("cache_creation_input_tokens"),
            ..Usage::default()
        });
    }
}

/// Tool results: each closes its call, with what it returned (the line's
/// `toolUseResult` where Claude kept it whole: a shell's stdout and stderr,
/// an edit's patch).
fn results(
    v: &Value,
    content: &Value,
    open: &mut HashMap<String, Open>,
    turn: &mut Turn,
    sink: &mut Sink,
) {
    let at = v["timestamp"].as_str().and_then(Timestamp::parse_rfc3339);
    for c in content.as_array().into_iter().flatten() {
        if c["type"] != "tool_result" {
            continue;
        }
        turn.texts.clear();
        let Some(mut o) = c["tool_use_id"].as_str().and_then(|id| open.remove(id)) else {
            continue;
        };
        let failed = c["is_error"] == true;
        let whole = &v["toolUseResult"];
        let response = if whole.is_object() {
            whole.clone()
        } else {
            c["content"].clone()
        };
        let h = Hook {
            error: failed.then(|| text_of(&c["content"])),
            input: o.call.input.clone(),
            response: if failed { Value::Null } else { response },
            ..Hook::default()
        };
        let out = outcome::of(&h);
        o.call.output = out.output;
        o.call.exit_code = out.exit_code;
        o.call.started_subagent = outcome::started_subagent(&h);
        o.call.is_error = Some(failed);
        o.call.ended_at = at;
        o.call.duration = at.map(|e| crate::timestamp::round_ms(e.since(o.at)));
        sink.push(o.at, &o.cwd, Data::ToolCall(o.call));
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}

fn end_turn(turn: &mut Turn, session: &str, sink: &mut Sink) {
    let t = std::mem::take(turn);
    let Some((at, cwd)) = t.at else {
        return;
    };
    let message = (!t.texts.is_empty()).then(|| t.texts.join("\n\n"));
    if let Some(d) = sink::turn_end(message, t.model, t.usage, session) {
        sink.push(at, &cwd, d);
    }
}
