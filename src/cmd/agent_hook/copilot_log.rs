//! Copilot CLI's own words at hook time, from the session log it keeps
//! (`$COPILOT_HOME/session-state/SESSION/events.jsonl`, the format
//! `agent_import/copilot.rs` reads whole): the assistant's reasoning and
//! text before a call. Copilot's hook payloads name no call id, so the call
//! is the newest `toolRequests` entry of the same tool and arguments.
//!
//! Only the log's tail is read, newest line first, and only as far back as
//! the answer needs: a hook runs at every tool call.

use serde_json::Value;
use std::path::PathBuf;

/// How much of the log's end is read.
const TAIL: u64 = 512 * 1024;

/// The session's log, where Copilot keeps one.
pub fn path(session: &str) -> Option<String> {
    let safe = !session.is_empty()
        && session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !safe {
        return None;
    }
    let home = std::env::var_os("COPILOT_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| crate::paths::home_dir().join(".copilot"));
    let log = home
        .join("session-state")
        .join(session)
        .join("events.jsonl");
    log.is_file().then(|| log.to_string_lossy().into_owned())
}

/// `toolArgs` as a value, whether the log or the hook kept it as a string.
fn args(v: &Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| v.clone()),
        _ => v.clone(),
    }
}

/// The texts of an assistant message, in order: its reasoning, its text.
fn texts(d: &Value) -> Vec<String> {
    ["reasoningText", "content"]
        .iter()
        .filter_map(|k| d[*k].as_str())
        .filter(|t| !t.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// What the assistant wrote before its newest call of `tool` with `input`:
/// the reasoning and text of the message that asked for it and of the main
/// agent's messages before it, back to a tool's result or the prompt.
pub fn reasoning(path: &str, tool: &str, input: &Value) -> Option<String> {
    let mut found: Option<(Option<String>, Vec<String>)> = None;
    let named = format!("\"{tool}\"");
    for line in super::transcript::tail_lines(path, TAIL) {
        // Most lines are tools' results: parsed only once they matter.
        let asks = line.contains("\"assistant.message\"");
        if found.is_none() && !(asks && line.contains(&named)) {
            continue;
        }
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let agent = v["agentId"].as_str().map(str::to_owned);
        let d = &v["data"];
        match (&mut found, v["type"].as_str()) {
            (None, Some("assistant.message")) => {
                let asks = d["toolRequests"].as_array().into_iter().flatten();
                let mut same = asks.filter(|r| r["name"] == tool);
                if same.any(|r| args(&r["arguments"]) == args(input)) {
                    let mut t = texts(d);
                    t.reverse();
                    found = Some((agent, t));
                }
            }
            (Some((who, t)), Some("assistant.message")) if *who == agent => {
                if d["toolRequests"].as_array().is_some_and(|r| !r.is_empty()) {
                    break;
                }
                t.extend(texts(d).into_iter().rev());
            }
            (Some((who, _)), Some("tool.execution_complete" | "user.message")) if *who == agent => {
                break;
            }
            _ => {}
        }
    }
    let (_, mut t) = found?;
    t.reverse();
    let t = t.join("\n\n");
    (!t.trim().is_empty()).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn log(lines: &[Value]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        let text: Vec<String> = lines.iter().map(Value::to_string).collect();
        std::fs::write(f.path(), text.join("\n") + "\n").unwrap();
        f
    }

    fn msg(content: &str, reasoning: Option<&str>, asks: Value) -> Value {
        json!({"type": "assistant.message", "timestamp": "2026-12-01T08:00:00Z",
            "data": {"messageId": "m", "content": content, "reasoningText": reasoning,
            "toolRequests": asks}})
    }

    #[test]
    fn reasons_are_the_asking_message_and_the_words_before_it() {
        let grep = json!([{"toolCallId": "c1", "name": "bash",
            "arguments": {"command": "grep -rn sum ."}}]);
        let test = json!([{"toolCallId": "c2", "name": "bash",
            "arguments": {"command": "cargo test"}}]);
        let f = log(&[
            json!({"type": "user.message", "data": {"content": "Rename it"}}),
            msg("First, a look.", Some("Callers first."), json!([])),
            msg("Now the callers.", None, grep),
            json!({"type": "tool.execution_complete", "data": {"toolCallId": "c1", "success": true}}),
            msg("Running the tests.", None, test),
        ]);
        let p = f.path().to_str().unwrap();
        let r = reasoning(p, "bash", &json!({"command": "grep -rn sum ."}));
        assert_eq!(
            r.as_deref(),
            Some("Callers first.\n\nFirst, a look.\n\nNow the callers.")
        );
        // The hook's `toolArgs` is a JSON string.
        let r = reasoning(p, "bash", &json!("{\"command\":\"cargo test\"}"));
        assert_eq!(r.as_deref(), Some("Running the tests."));
        // A call the log does not hold borrows no one's words.
        assert_eq!(reasoning(p, "bash", &json!({"command": "ls"})), None);
        assert_eq!(
            reasoning(p, "view", &json!({"command": "cargo test"})),
            None
        );
    }
}
