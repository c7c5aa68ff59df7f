//! Gemini CLI's chat files (`~/.gemini/tmp/PROJECT/chats/session-*`):
//! read whole by `agent import gemini-cli`, and by its hooks (the file is
//! their `transcript_path`) from the end, for the model's words before a
//! call and a turn's model and tokens.
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
//! (`{"text"}`); a user's `displayContent` is what they typed, and what
//! Gemini adds as the user's starts `<session_context>` or
//! `<hook_context>`. A `gemini` message may have `thoughts` (`[{"subject",
//! "description"}]`), `tokens` (`{"input", "output", "cached", "thoughts",
//! "tool", "total"}`), `model` and `toolCalls`: `[{"id", "name", "args",
//! "result", "status", "timestamp", "resultDisplay"}]`, a result being
//! parts with a `functionResponse.response` of `{"output"}` or `{"error"}`.
//! Gemini writes a model's answer when it has come, before its calls run,
//! and the calls' results (a `user` message of `functionResponse` parts)
//! before the next answer.

use super::transcript::Turn;
use crate::event::Usage;
use serde_json::{Map, Value};
use std::io::{Read, Seek, SeekFrom};

/// How much of a chat's end the hooks read: a first look, then more.
const NEAR: u64 = 64 * 1024;
const TAIL: u64 = 512 * 1024;

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

/// An answer's text, when it has any.
pub fn said(m: &Value) -> Option<String> {
    text_of(&m["content"]).filter(|t| !t.trim().is_empty())
}

/// The thoughts (`subject: description`) and the text of an answer, whole
/// (the caller bounds it).
pub fn reasons(m: &Value) -> Option<String> {
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
    parts.extend(said(m));
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// A string, or the texts of a list of parts.
pub fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => {
            let texts: Vec<&str> = parts.iter().filter_map(|p| p["text"].as_str()).collect();
            (!texts.is_empty()).then(|| texts.concat())
        }
        _ => None,
    }
}

/// Whether a user message is what the user typed (not Gemini's context,
/// not a tool's result).
pub fn is_prompt(m: &Value) -> Option<String> {
    if m["type"] != "user" {
        return None;
    }
    let text = text_of(&m["displayContent"]).or_else(|| text_of(&m["content"]))?;
    let t = text.trim_start();
    let added = t.starts_with("<session_context>") || t.starts_with("<hook_context>");
    (!t.is_empty() && !added).then_some(text)
}

/// The messages in the chat's last `size` bytes (all of it when that is
/// the whole file), and whether that is the whole file.
fn newest(path: &str, size: u64) -> Option<(Vec<Value>, bool)> {
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let start = len.saturating_sub(size);
    f.seek(SeekFrom::Start(start)).ok()?;
    let mut buf = Vec::new();
    f.take(size).read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    // A line cut by the start is no record.
    let text = match start {
        0 => &text[..],
        _ => text.split_once('\n').map_or("", |(_, rest)| rest),
    };
    Some((load(text).1, start == 0))
}

/// The model's words before the running call `tool(input)`: the thoughts
/// and text of the newest answer, when that answer is the one that made
/// the call (nothing has come since it, and the calls it lists, if
/// written yet, include this one). None when that cannot be told.
pub fn reasoning(path: &str, tool: &str, input: &Value) -> Option<String> {
    let (messages, _) = newest(path, NEAR)?;
    let m = messages.last().filter(|m| m["type"] == "gemini")?;
    if let Some(calls) = m["toolCalls"].as_array().filter(|c| !c.is_empty()) {
        let made = calls
            .iter()
            .any(|c| c["name"] == tool && c["args"] == *input);
        if !made {
            return None;
        }
    }
    reasons(m)
}

/// The turn that just ended: the model of its last answer and the tokens
/// of all its answers, when its prompt is within the chat's last 512 KiB
/// (else the sum would be short: nothing is said).
pub fn turn(path: &str) -> Turn {
    for size in [NEAR, TAIL] {
        let Some((messages, whole)) = newest(path, size) else {
            break;
        };
        if let Some(p) = messages.iter().rposition(|m| is_prompt(m).is_some()) {
            return answers(&messages[p + 1..]);
        }
        if whole {
            break;
        }
    }
    Turn::default()
}

/// The model of the last of `messages`' answers, and their tokens summed.
pub fn answers(messages: &[Value]) -> Turn {
    let mut t = Turn::default();
    let mut total = Usage::default();
    let mut any = false;
    for m in messages.iter().filter(|m| m["type"] == "gemini") {
        t.model = m["model"].as_str().map(str::to_owned).or(t.model.take());
        if let Some(u) = usage(m) {
            total.add(&u);
            any = true;
        }
    }
    t.usage = any.then_some(total);
    t
}

/// An answer's tokens.
pub fn usage(m: &Value) -> Option<Usage> {
    let t = m["tokens"].as_object()?;
    let n = |k: &str| t.get(k).and_then(Value::as_u64);
    Some(Usage {
        input_tokens: n("input"),
        output_tokens: n("output"),
        cache_read_tokens: n("cached"),
        ..Usage::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chat(lines: &[Value]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    fn answer(id: &str, text: &str, calls: Value) -> Value {
        json!({"id": id, "timestamp": "2026-12-01T07:00:02.000Z", "type": "gemini",
               "content": text, "thoughts": [{"subject": "Plan", "description": text}],
               "tokens": {"input": 10, "output": 2}, "model": "gemini-x", "toolCalls": calls})
    }

    fn user(id: &str, content: Value) -> Value {
        json!({"id": id, "timestamp": "2026-12-01T07:00:01.000Z", "type": "user", "content": content})
    }

    fn result() -> Value {
        json!([{"functionResponse": {"name": "run_shell_command", "response": {"output": "ok"}}}])
    }

    #[test]
    fn reasons_come_only_from_the_answer_that_made_the_call() {
        let ls = json!({"command": "ls"});
        let call = json!([{"id": "c1", "name": "run_shell_command", "args": ls}]);
        let head = [json!({"sessionId": "s"}), user("u1", json!("list"))];
        // The answer is written, its calls not yet: its words.
        let f = chat(&[
            head[0].clone(),
            head[1].clone(),
            answer("a1", "Listing.", json!([])),
        ]);
        let path = f.path().to_str().unwrap();
        let r = reasoning(path, "run_shell_command", &ls);
        assert_eq!(r.as_deref(), Some("Plan: Listing.\n\nListing."));
        // Its calls written, this one among them: its words.
        let f = chat(&[
            head[0].clone(),
            head[1].clone(),
            answer("a1", "Listing.", call.clone()),
        ]);
        let path = f.path().to_str().unwrap();
        assert!(reasoning(path, "run_shell_command", &ls).is_some());
        // The answer made other calls: not this call's words.
        let other = json!({"command": "pwd"});
        assert_eq!(reasoning(path, "run_shell_command", &other), None);
        // The newest message is the last calls' results: this call's
        // answer is not written yet, and the one before is not its.
        let f = chat(&[
            head[0].clone(),
            head[1].clone(),
            answer("a1", "Listing.", call),
            user("u2", result()),
        ]);
        let path = f.path().to_str().unwrap();
        assert_eq!(reasoning(path, "run_shell_command", &ls), None);
    }

    #[test]
    fn a_turn_sums_its_answers_since_the_prompt_and_skips_gemini_context() {
        let f = chat(&[
            json!({"sessionId": "s"}),
            json!({"$set": {"messages": [user("u0", json!("<session_context>\nworkspace"))]}}),
            user("u1", json!([{"text": "list"}])),
            answer("a1", "Listing.", json!([])),
            user("u2", result()),
            answer("a2", "Done.", json!([])),
        ]);
        let t = turn(f.path().to_str().unwrap());
        assert_eq!(t.model.as_deref(), Some("gemini-x"));
        assert_eq!(t.usage.unwrap().input_tokens, Some(20));
        // No prompt in the file: no sum that could be short.
        let f = chat(&[json!({"sessionId": "s"}), answer("a1", "x", json!([]))]);
        assert_eq!(turn(f.path().to_str().unwrap()), Turn::default());
    }
}
