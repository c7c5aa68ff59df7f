//! The payloads of the agents whose hooks take Claude Code's shape
//! (snake_case fields, `hook_event_name`, `tool_name`/`tool_input`):
//! Claude Code itself, Gemini CLI, and Codex CLI.
//!
//! Sources: Claude Code's hooks reference (code.claude.com/docs/en/hooks);
//! Gemini CLI's hooks reference (BeforeAgent, BeforeTool, AfterTool,
//! AfterAgent, SessionEnd); Codex's generated input schemas
//! (openai/codex, codex-rs/hooks/schema/generated/*.command.input.schema.json).
//!
//! Codex's subagents (0.171; codex-rs/core/src/hook_runtime.rs): a spawned
//! thread's SubagentStart and SubagentStop, and the PreToolUse and
//! PostToolUse of its calls, carry `agent_id` (the thread's id) and
//! `agent_type` (its role, "default" when none) beside the `session_id`
//! its root thread and every descendant share, so they join the root's
//! session; their `transcript_path` is the subagent's own session file,
//! except SubagentStop's, which is the parent's (the subagent's is its
//! `agent_transcript_path`).

use super::input::{lenient, text, Hook, Step};
use crate::event::Subagent;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Payload {
    #[serde(deserialize_with = "lenient")]
    hook_event_name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    session_id: Option<String>,
    #[serde(deserialize_with = "lenient")]
    cwd: Option<String>,
    #[serde(deserialize_with = "lenient")]
    model: Option<Model>,
    #[serde(deserialize_with = "lenient")]
    prompt: Option<String>,
    #[serde(deserialize_with = "lenient")]
    tool_name: Option<String>,
    tool_input: Value,
    #[serde(deserialize_with = "lenient")]
    tool_use_id: Option<String>,
    tool_response: Value,
    #[serde(deserialize_with = "lenient")]
    error: Option<String>,
    #[serde(deserialize_with = "lenient")]
    reason: Option<String>,
    #[serde(deserialize_with = "lenient")]
    transcript_path: Option<String>,
    #[serde(deserialize_with = "lenient")]
    agent_id: Option<String>,
    #[serde(deserialize_with = "lenient")]
    agent_type: Option<String>,
    #[serde(deserialize_with = "lenient")]
    last_assistant_message: Option<String>,
    /// Claude Code's SubagentStop: the subagent's own transcript.
    #[serde(deserialize_with = "lenient")]
    agent_transcript_path: Option<String>,
    /// Gemini's AfterAgent: the turn's answer.
    #[serde(deserialize_with = "lenient")]
    prompt_response: Option<String>,
}

/// The model: Claude Code and Codex name it, Gemini gives an object.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Model {
    Name(String),
    Object { id: Option<String> },
}

pub fn read(agent: &str, v: Value) -> Hook {
    let p: Payload = serde_json::from_value(v).unwrap_or_default();
    let step = step(agent, &p);
    // A subagent's turn is in its own transcript, not the session's.
    let transcript = match p.hook_event_name.as_deref() {
        Some("SubagentStop") => p.agent_transcript_path,
        _ => p.transcript_path,
    };
    let subagent = p.agent_id.clone().map(|id| Subagent {
        id,
        kind: p.agent_type.clone(),
        extra: Default::default(),
    });
    Hook {
        step,
        session: p.session_id,
        cwd: p.cwd,
        model: p.model.and_then(|m| match m {
            Model::Name(n) => Some(n),
            Model::Object { id } => id,
        }),
        prompt: p.prompt,
        tool: p.tool_name,
        input: p.tool_input,
        call_id: p.tool_use_id,
        error: p.error.or_else(|| gemini_error(&p.tool_response)),
        response: p.tool_response,
        exit_code: None,
        duration_ms: None,
        reason: p.reason,
        transcript,
        subagent,
        message: p.last_assistant_message.or(p.prompt_response),
    }
}

/// Gemini's AfterTool: anything but null or "" in `error` is an error.
fn gemini_error(response: &Value) -> Option<String> {
    match response.get("error")? {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => text(other, "message").or_else(|| Some(other.to_string())),
    }
}

fn step(agent: &str, p: &Payload) -> Step {
    // Claude Code's MCP results and Codex's shell results say so.
    let failed_response = p.tool_response.get("is_error").and_then(Value::as_bool) == Some(true)
        || p.tool_response
            .get("exit_code")
            .and_then(Value::as_i64)
            .is_some_and(|c| c != 0);
    match (agent, p.hook_event_name.as_deref().unwrap_or_default()) {
        ("gemini-cli", "BeforeAgent") | (_, "UserPromptSubmit") => Step::Prompt,
        ("gemini-cli", "BeforeTool") | (_, "PreToolUse") => Step::ToolStart,
        ("gemini-cli", "AfterTool") => Step::ToolEnd {
            failed: gemini_error(&p.tool_response).is_some(),
        },
        (_, "PostToolUse") => Step::ToolEnd {
            failed: failed_response,
        },
        (_, "PostToolUseFailure") => Step::ToolEnd { failed: true },
        ("gemini-cli", "AfterAgent") | (_, "Stop" | "SubagentStop") => Step::TurnEnd,
        (_, "SessionEnd") => Step::End,
        _ => Step::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_read_leniently() {
        let v = serde_json::json!({"hook_event_name":"PostToolUse","session_id":"s",
            "model":{"id":"gemini-2"},"tool_name":"Bash","tool_input":{"command":"ls"},
            "tool_response":"plain text","unknown":1});
        let h = read("claude-code", v);
        assert_eq!(h.model.as_deref(), Some("gemini-2"));
        assert_eq!(h.response, "plain text");
        assert_eq!(h.step, Step::ToolEnd { failed: false });
        let g = read(
            "gemini-cli",
            serde_json::json!({"hook_event_name":"AfterTool","tool_response":{"error":"boom"}}),
        );
        assert_eq!(g.step, Step::ToolEnd { failed: true });
        assert_eq!(g.error.as_deref(), Some("boom"));
        assert_eq!(g.call_key().len(), 16);
        let bad = read(
            "codex",
            serde_json::json!({"hook_event_name": 3, "session_id": ["x"]}),
        );
        assert_eq!(bad.step, Step::Other);
        assert!(bad.session.is_none());
    }
}
