//! The agent's own words, from the transcript it keeps while its hooks
//! fire: the text the assistant wrote before a tool call, and at the end of
//! a turn its last message, the model and the tokens the turn used.
//!
//! Two formats, one line of JSON each:
//! - Claude Code's `transcript_path` JSONL: `{"type": "assistant",
//!   "message": {"id", "model", "content": [{"type": "text"} | {"type":
//!   "tool_use", "id"}], "usage": {...}}}` and `{"type": "user", "message":
//!   {"content": string | [{"type": "tool_result"}]}}`;
//! - Codex's session files (`~/.codex/sessions/…/rollout-*.jsonl`):
//!   `{"type": "response_item", "payload": {"type": "message" |
//!   "function_call" | "function_call_output" | "reasoning", ...}}`,
//!   `{"type": "event_msg", "payload": {"type": "token_count", "info":
//!   {"last_token_usage": {...}}}}` and `{"type": "turn_context",
//!   "payload": {"model"}}`.
//!
//! Only the file's tail is read, newest line first, and only as far back
//! as the answer needs: a hook runs at every tool call.

use crate::event::Usage;
use serde_json::Value;
use std::io::{Read, Seek, SeekFrom};

/// How much of a transcript's end is read: a first look, then more when
/// the call is not in it.
const NEAR: u64 = 64 * 1024;
const TAIL: u64 = 512 * 1024;

/// One line of a transcript, as far as we care.
#[derive(Debug, PartialEq)]
enum Item {
    /// Text the assistant wrote (Codex: also its reasoning summaries).
    Text(String),
    /// A tool call, by its id.
    Call(String),
    /// What a tool returned: the end of what led to the calls before it.
    Result,
    /// The user's prompt: a turn's start.
    Prompt,
    /// A model's answer's token counts (by message id, when it has one),
    /// and the model.
    Usage(Option<String>, Option<String>, Usage),
    /// Codex: the model of the turn.
    Model(String),
}

/// The transcript's last lines (of its last `size` bytes), newest first.
pub(super) fn tail_lines(path: &str, size: u64) -> Vec<String> {
    let Ok(mut f) = std::fs::File::open(path) else {
        return Vec::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(size);
    if f.seek(SeekFrom::Start(start)).is_err() {
        return Vec::new();
    }
    let mut buf = Vec::new();
    if f.take(size).read_to_end(&mut buf).is_err() {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if start > 0 && !lines.is_empty() {
        lines.remove(0); // cut off in the middle
    }
    lines.reverse();
    lines
}

/// The items of one line, in the line's order.
fn items(line: &str) -> Vec<Item> {
    let Ok(v) = serde_json::from_str::<Value>(line) else {
        return Vec::new();
    };
    match v["type"].as_str() {
        Some("assistant") => claude_assistant(&v["message"]),
        Some("user") => claude_user(&v["message"]["content"]),
        Some("response_item") => codex_item(&v["payload"]),
        Some("event_msg") => codex_event(&v["payload"]),
        Some("turn_context") => v["payload"]["model"]
            .as_str()
            .map(|m| vec![Item::Model(m.to_owned())])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn claude_assistant(m: &Value) -> Vec<Item> {
    let mut out = Vec::new();
    for c in m["content"].as_array().into_iter().flatten() {
        match (c["type"].as_str(), c["text"].as_str(), c["id"].as_str()) {
            (Some("text"), Some(t), _) => out.push(Item::Text(t.to_owned())),
            (Some("tool_use"), _, Some(id)) => out.push(Item::Call(id.to_owned())),
            _ => {}
        }
    }
    let u = &m["usage"];
    if u.is_object() {
        let n = |k: &str| u[k].as_u64();
        out.push(Item::Usage(
            m["id"].as_str().map(str::to_owned),
            m["model"].as_str().map(str::to_owned),
            Usage {
                input_tokens: n("input_tokens"),
                output_tokens: n("output_tokens"),
                cache_read_tokens: n("cache_read_input_tokens"),
                cache_write_tokens: n("cache_creation_input_tokens"),
                ..Usage::default()
            },
        ));
    }
    out
}

fn claude_user(content: &Value) -> Vec<Item> {
    let results = content
        .as_array()
        .is_some_and(|a| a.iter().any(|c| c["type"] == "tool_result"));
    vec![if results { Item::Result } else { Item::Prompt }]
}

fn codex_item(p: &Value) -> Vec<Item> {
    let texts = |key: &str, kind: &str| -> Vec<Item> {
        p[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["type"] == kind)
            .filter_map(|c| c["text"].as_str().map(|t| Item::Text(t.to_owned())))
            .collect()
    };
    match (p["type"].as_str(), p["role"].as_str()) {
        (Some("message"), Some("assistant")) => texts("content", "output_text"),
        (Some("message"), Some("user")) => vec![Item::Prompt],
        (Some("reasoning"), _) => texts("summary", "summary_text"),
        (Some("function_call" | "custom_tool_call" | "local_shell_call"), _) => p["call_id"]
            .as_str()
            .map(|id| vec![Item::Call(id.to_owned())])
            .unwrap_or_default(),
        (Some("function_call_output" | "custom_tool_call_output"), _) => vec![Item::Result],
        _ => Vec::new(),
    }
}

fn codex_event(p: &Value) -> Vec<Item> {
    let u = &p["info"]["last_token_usage"];
    if p["type"] != "token_count" || !u.is_object() {
        return Vec::new();
    }
    let n = |k: &str| u[k].as_u64();
    vec![Item::Usage(
        None,
        None,
        Usage {
            input_tokens: n("input_tokens"),
            output_tokens: n("output_tokens"),
            cache_read_tokens: n("cached_input_tokens"),
            cache_write_tokens: None,
            ..Usage::default()
        },
    )]
}

/// The transcript's items, newest first, read back (in its last `size`
/// bytes) until `stop` says so.
fn newest_items(path: &str, size: u64, mut stop: impl FnMut(&Item) -> bool) -> Vec<Item> {
    let mut out = Vec::new();
    for line in tail_lines(path, size) {
        for it in items(&line).into_iter().rev() {
            let done = stop(&it);
            out.push(it);
            if done {
                return out;
            }
        }
    }
    out
}

/// Texts in transcript order, joined.
fn joined(mut texts: Vec<String>) -> Option<String> {
    texts.reverse();
    let t = texts.join("\n\n");
    (!t.trim().is_empty()).then_some(t)
}

/// What the assistant wrote before the call `call_id`: its texts since the
/// last tool result or prompt. When the call is not in the transcript yet,
/// the texts at its end, if no other call follows them.
pub fn reasoning(path: &str, call_id: &str) -> Option<String> {
    reasoning_in(path, call_id, NEAR).unwrap_or_else(|| reasoning_in(path, call_id, TAIL).flatten())
}

/// [`reasoning`] in the last `size` bytes: None when what leads to the
/// call may be before them.
fn reasoning_in(path: &str, call_id: &str, size: u64) -> Option<Option<String>> {
    let mut found = false;
    let mut ended = false;
    let items = newest_items(path, size, |it| match it {
        Item::Call(id) if id == call_id => {
            found = true;
            false
        }
        Item::Result | Item::Prompt => {
            ended = found;
            found
        }
        _ => false,
    });
    // Cut off: the call, or the start of what led to it, is further back.
    let whole = size >= TAIL;
    if (found && !ended) || (!found && !whole) {
        return None;
    }
    let hit = items
        .iter()
        .position(|it| matches!(it, Item::Call(id) if id == call_id));
    let (from, end) = match hit {
        Some(i) => (i + 1, items.len()),
        None => (0, items.len()),
    };
    let mut texts = Vec::new();
    for it in &items[from..end] {
        match it {
            Item::Text(t) => texts.push(t.clone()),
            Item::Result | Item::Prompt => break,
            // Not yet written: the end holds another call's words.
            Item::Call(_) if hit.is_none() => return Some(None),
            _ => {}
        }
    }
    Some(joined(texts))
}

/// Codex: the exit code of the shell call `call_id`. Its PostToolUse gives
/// the command's output alone; the `item_completed` event Codex writes to
/// its session file when the command ends (`{"type": "event_msg",
/// "payload": {"type": "item_completed", "item": {"id", "exit_code"}}}`)
/// has the code.
pub fn exit_code(path: &str, call_id: &str) -> Option<i32> {
    in_lines_naming(path, call_id, |line| completed_exit_code(line, call_id))
}

/// The first answer `f` gives for a line of the transcript's tail that
/// names `call_id` (newest first; the near tail, then the far one).
fn in_lines_naming<T>(path: &str, call_id: &str, f: impl Fn(&str) -> Option<T>) -> Option<T> {
    [NEAR, TAIL].into_iter().find_map(|size| {
        tail_lines(path, size)
            .iter()
            .filter(|line| line.contains(call_id))
            .find_map(|line| f(line))
    })
}

fn completed_exit_code(line: &str, call_id: &str) -> Option<i32> {
    let v: Value = serde_json::from_str(line).ok()?;
    let (p, item) = (&v["payload"], &v["payload"]["item"]);
    if v["type"] != "event_msg" || p["type"] != "item_completed" || item["id"] != call_id {
        return None;
    }
    item["exit_code"]
        .as_i64()
        .and_then(|c| i32::try_from(c).ok())
}

/// Whether the call `call_id` is in the transcript yet.
pub fn has_call(path: &str, call_id: &str) -> bool {
    in_lines_naming(path, call_id, |line| {
        items(line)
            .iter()
            .any(|it| matches!(it, Item::Call(id) if id == call_id))
            .then_some(())
    })
    .is_some()
}

/// Where Claude Code keeps a subagent's transcript: beside the session's,
/// `SESSION/subagents/agent-ID.jsonl`.
pub fn subagent_path(session_path: &str, session: &str, agent_id: &str) -> Option<String> {
    let dir = std::path::Path::new(session_path).parent()?;
    let p = dir
        .join(session)
        .join("subagents")
        .join(format!("agent-{agent_id}.jsonl"));
    p.is_file().then(|| p.to_string_lossy().into_owned())
}

/// A turn, from its end back to its prompt: its last message, the model,
/// and the tokens its answers used.
#[derive(Debug, Default, PartialEq)]
pub struct Turn {
    pub message: Option<String>,
    pub model: Option<String>,
    pub usage: Option<Usage>,
}

pub fn turn(path: &str) -> Turn {
    let items = newest_items(path, TAIL, |it| *it == Item::Prompt);
    let mut t = Turn::default();
    let mut last = Vec::new();
    let mut in_last = true;
    let mut counted = std::collections::HashSet::new();
    let mut total = Usage::default();
    let mut any = false;
    for it in items {
        match it {
            Item::Text(s) if in_last => last.push(s),
            Item::Call(_) | Item::Result => in_last = in_last && last.is_empty(),
            Item::Usage(id, model, u) => {
                t.model = t.model.or(model);
                // Claude Code writes one line per block, each with the
                // message's usage: a message counts once.
                if id.is_none_or(|id| counted.insert(id)) {
                    total.add(&u);
                    any = true;
                }
            }
            Item::Model(m) => t.model = t.model.or(Some(m)),
            _ => {}
        }
    }
    t.message = joined(last);
    t.usage = any.then_some(total);
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn line(v: Value) -> String {
        format!("{v}\n")
    }
    fn said(text: &str, call: Option<&str>) -> String {
        let mut content = vec![json!({"type": "text", "text": text})];
        if let Some(id) = call {
            content.push(json!({"type": "tool_use", "id": id, "name": "Bash", "input": {}}));
        }
        line(json!({"type": "assistant", "message": {"id": text, "content": content}}))
    }
    fn result() -> String {
        line(json!({"type": "user", "message": {"content": [{"type": "tool_result"}]}}))
    }

    /// A call is found by its id, only once its own line is written.
    #[test]
    fn a_call_is_found_by_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.jsonl");
        let path = p.to_str().unwrap();
        std::fs::write(&p, said("first", Some("toolu_a")) + &result()).unwrap();
        assert!(has_call(path, "toolu_a"));
        assert!(!has_call(path, "toolu_b"));
        // Named in another line (a result, a request) is not written.
        let named = line(json!({"type": "user", "message": {"content": [
            {"type": "tool_result", "tool_use_id": "toolu_b"}]}}));
        std::fs::write(&p, named).unwrap();
        assert!(!has_call(path, "toolu_b"));
        assert!(!has_call("/nonexistent/t.jsonl", "toolu_a"));
    }

    #[test]
    fn reasons_are_found_far_back_and_never_borrowed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.jsonl");
        let path = p.to_str().unwrap();
        // The call, then 300 KiB of later turns: past the first look.
        let mut t = result() + &said("Why A.", Some("A"));
        for i in 0..1000 {
            t += &result();
            t += &said(
                &format!("filler {i} {}", "x".repeat(60)),
                Some(&format!("F{i}")),
            );
        }
        std::fs::write(&p, &t).unwrap();
        assert_eq!(reasoning(path, "A").as_deref(), Some("Why A."));
        // Not written yet: the words at the end, when no other call follows.
        std::fs::write(&p, result() + &said("About to run B.", None)).unwrap();
        assert_eq!(reasoning(path, "B").as_deref(), Some("About to run B."));
        // Another call's words are never this one's.
        std::fs::write(&p, result() + &said("For C.", Some("C"))).unwrap();
        assert_eq!(reasoning(path, "B"), None);
        assert_eq!(reasoning("/nonexistent", "B"), None);
    }

    #[test]
    fn codex_exit_codes_from_completed_items() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("rollout.jsonl");
        let done = |id: &str, code: Value| {
            line(
                json!({"type": "event_msg", "payload": {"type": "item_completed",
                "item": {"type": "CommandExecution", "id": id, "exit_code": code}}}),
            )
        };
        let call = line(json!({"type": "response_item",
            "payload": {"type": "function_call", "call_id": "c2", "name": "exec_command"}}));
        std::fs::write(&p, done("c1", json!(0)) + &call + &done("c2", json!(2))).unwrap();
        let path = p.to_str().unwrap();
        assert_eq!(exit_code(path, "c1"), Some(0));
        assert_eq!(exit_code(path, "c2"), Some(2));
        assert_eq!(exit_code(path, "c3"), None);
        std::fs::write(&p, call + &done("c2", Value::Null)).unwrap();
        assert_eq!(exit_code(path, "c2"), None);
    }
}
