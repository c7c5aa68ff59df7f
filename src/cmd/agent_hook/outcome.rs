//! What a tool call returned, as one text: a shell tool's output (its
//! stderr marked), a failed call's error, an edit's patch, an MCP tool's
//! text. Redacted, and bounded with its head and tail kept.

use super::input::{text, Hook};
use serde::Serialize;
use serde_json::Value;

/// The most of a tool's output kept, in bytes (its head and its tail).
pub const MAX_OUTPUT: usize = 16 * 1024;

/// The outcome fields a hook adds to its call's `tool_call`.
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct Outcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The agent's words before the call, read again when it ended: for
    /// ingest to use where its start found none (an agent may not have
    /// written the call to its transcript yet when its start's hook runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    /// The subagent the call started, where its result names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_subagent: Option<crate::event::Subagent>,
}

pub fn of(h: &Hook) -> Outcome {
    let body = response_text(&h.response);
    let output = match (&h.error, body) {
        (Some(e), Some(b)) if !b.contains(e.as_str()) => Some(format!("{e}\n{b}")),
        (Some(e), _) => Some(e.clone()),
        (None, b) => b,
    };
    Outcome {
        output: output
            .filter(|o| !o.is_empty())
            .map(|o| bound(&crate::redact::text(&o))),
        exit_code: h.exit_code.or_else(|| exit_code(h)),
        reasoning: None,
        started_subagent: None,
    }
}

/// The subagent a call started: Claude Code's Task (Agent) tool returns
/// `{"agentId", "agentType"?, ...}`, the subagent's own calls carrying that
/// id as their `agent_id`.
pub fn started_subagent(h: &Hook) -> Option<crate::event::Subagent> {
    let id = text(&h.response, "agentId").filter(|id| !id.is_empty())?;
    Some(crate::event::Subagent {
        id,
        kind: text(&h.response, "agentType").or_else(|| text(&h.input, "subagent_type")),
        ..Default::default()
    })
}

/// The exit status the agent gave: a field of the response, or "exit code
/// N" in a failed call's error (Claude Code, Cursor) or in a shell tool's
/// output (Copilot CLI, Gemini CLI).
fn exit_code(h: &Hook) -> Option<i32> {
    let r = &h.response;
    for key in ["exit_code", "exitCode", "returncode"] {
        if let Some(c) = r.get(key).and_then(Value::as_i64) {
            return Some(c as i32);
        }
    }
    let shell = h.input.get("command").is_some();
    let from_error = h.error.as_deref().and_then(said_exit_code);
    from_error.or_else(|| {
        shell
            .then(|| response_text(r))
            .flatten()
            .and_then(|t| said_exit_code(&t))
    })
}

/// The number after the last "exit code" in a text.
fn said_exit_code(text: &str) -> Option<i32> {
    let lower = text.to_ascii_lowercase();
    let at = lower.rfind("exit code")? + "exit code".len();
    let rest = lower[at..].trim_start_matches([':', ' ']);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The text of a tool's response, whatever its shape.
fn response_text(r: &Value) -> Option<String> {
    match r {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => Some(parts_text(parts)),
        Value::Object(_) => Some(object_text(r)),
        other => Some(other.to_string()),
    }
}

/// MCP-style content: the texts of its parts.
fn parts_text(parts: &[Value]) -> String {
    let texts: Vec<String> = parts
        .iter()
        .map(|p| text(p, "text").unwrap_or_else(|| p.to_string()))
        .collect();
    texts.join("\n")
}

fn object_text(r: &Value) -> String {
    // A shell: its output, stderr marked.
    let stdout = text(r, "stdout");
    let stderr = text(r, "stderr").filter(|s| !s.is_empty());
    if stdout.is_some() || stderr.is_some() {
        let mut out = stdout.unwrap_or_default();
        if let Some(e) = stderr {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str("[stderr]\n");
            out.push_str(&e);
        }
        return out;
    }
    // An edit: its patch.
    if let Some(hunks) = r.get("structuredPatch").and_then(Value::as_array) {
        return patch_text(r, hunks);
    }
    for key in ["output", "llmContent", "content", "result", "returnDisplay"] {
        match r.get(key) {
            Some(Value::String(s)) => return s.clone(),
            Some(Value::Array(parts)) => return parts_text(parts),
            _ => {}
        }
    }
    // A read: the file's content.
    if let Some(c) = r.get("file").and_then(|f| text(f, "content")) {
        return c;
    }
    r.to_string()
}

/// Claude Code's `structuredPatch` as unified diff hunks.
fn patch_text(r: &Value, hunks: &[Value]) -> String {
    let path = text(r, "filePath").unwrap_or_default();
    let mut out = format!("--- {path}\n+++ {path}\n");
    for h in hunks {
        let n = |k: &str| h.get(k).and_then(Value::as_u64).unwrap_or(0);
        out.push_str(&format!(
            "@@ -{},{} +{},{} @@\n",
            n("oldStart"),
            n("oldLines"),
            n("newStart"),
            n("newLines")
        ));
        for line in h["lines"].as_array().into_iter().flatten() {
            out.push_str(line.as_str().unwrap_or_default());
            out.push('\n');
        }
    }
    out
}

/// At most [`MAX_OUTPUT`] bytes: the head and the tail, and a marker saying
/// how much was cut between them.
pub fn bound(s: &str) -> String {
    bound_to(s, MAX_OUTPUT)
}

/// At most about `max` bytes of `s`, its head and tail kept.
pub fn bound_to(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let half = max / 2;
    let mut head = half;
    while !s.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = s.len() - half;
    while !s.is_char_boundary(tail) {
        tail += 1;
    }
    format!(
        "{}\n… [{} bytes cut] …\n{}",
        &s[..head],
        tail - head,
        &s[tail..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outputs_of_each_shape() {
        let mut h = Hook {
            response: json!({"stdout":"ok\n","stderr":"warn"}),
            ..Hook::default()
        };
        assert_eq!(of(&h).output.as_deref(), Some("ok\n[stderr]\nwarn"));
        h.response = Value::Null;
        h.error = Some("Exit code 2\nmake: *** [all] Error 2".into());
        assert_eq!(of(&h).exit_code, Some(2));
        h.error = None;
        h.response = json!({"filePath":"/r/a.rs","structuredPatch":[{"oldStart":1,"oldLines":1,
            "newStart":1,"newLines":1,"lines":["-old","+new"]}]});
        assert_eq!(
            of(&h).output.as_deref(),
            Some("--- /r/a.rs\n+++ /r/a.rs\n@@ -1,1 +1,1 @@\n-old\n+new\n")
        );
        h.response = json!([{"type":"text","text":"a"},{"type":"text","text":"b"}]);
        assert_eq!(of(&h).output.as_deref(), Some("a\nb"));
    }

    #[test]
    fn long_output_keeps_head_and_tail() {
        let s = format!("HEAD{}TAIL", "é".repeat(20_000));
        let b = bound(&s);
        assert!(b.len() <= MAX_OUTPUT + 40, "{}", b.len());
        assert!(b.starts_with("HEAD") && b.ends_with("TAIL"));
        assert!(b.contains("bytes cut]"));
        assert_eq!(bound("short"), "short");
    }
}
