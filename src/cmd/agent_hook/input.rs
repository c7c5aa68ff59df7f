//! What an agent's hook gives on standard input, as one shape for every
//! agent: each agent's payload (`claude.rs` for the agents that share Claude
//! Code's, `others.rs` for the rest) becomes a [`Hook`] (`read` in mod.rs). Fields we do not
//! use are ignored, and a field of an unexpected shape reads as absent
//! rather than failing the whole payload.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// One hook call, whatever the agent.
#[derive(Debug, Default)]
pub struct Hook {
    pub step: Step,
    /// The agent's own session (conversation, task) id.
    pub session: Option<String>,
    pub cwd: Option<String>,
    pub model: Option<String>,
    /// A prompt's text.
    pub prompt: Option<String>,
    pub tool: Option<String>,
    /// The tool's input, free-form.
    pub input: Value,
    /// The id the agent gives the call, if any.
    pub call_id: Option<String>,
    /// What the call returned, as the agent gave it (not yet bounded).
    pub response: Value,
    /// A failed call's error.
    pub error: Option<String>,
    /// A shell tool's exit status, where the agent gives one.
    pub exit_code: Option<i32>,
    /// How long the call took, where the agent measured it.
    pub duration_ms: Option<u64>,
    /// Why a session ended.
    pub reason: Option<String>,
    /// The agent's transcript of the session (Claude Code, Codex).
    pub transcript: Option<String>,
    /// A subagent: the one making this call, or the one starting/stopping.
    pub subagent: Option<crate::event::Subagent>,
    /// The assistant's own words: a turn's last message, as the hook gives it.
    pub message: Option<String>,
}

/// What an agent's hook events mean to us.
#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
pub enum Step {
    Prompt,
    ToolStart,
    ToolEnd {
        failed: bool,
    },
    /// The end of a turn: the assistant's last message.
    TurnEnd,
    End,
    #[default]
    Other,
}

/// The value when it has the expected shape, else None.
pub fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(T::deserialize(v).ok())
}

/// A string field of a JSON object.
pub fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// JSON that an agent sends as a string of JSON (Cursor's MCP input,
/// Copilot's `toolArgs`) read as the value it holds.
pub fn unstring(v: Value) -> Value {
    match &v {
        Value::String(s) if s.trim_start().starts_with(['{', '[']) => {
            serde_json::from_str(s).unwrap_or(v)
        }
        _ => v,
    }
}

impl Hook {
    /// The stated reason for a tool call (its input's `description`).
    pub fn intent(&self) -> Option<String> {
        text(&self.input, "description")
    }

    /// The id that ties a tool call's two hooks together: the agent's own
    /// where it gives one; else the tool and its exact input.
    pub fn call_key(&self) -> String {
        if let Some(id) = &self.call_id {
            return id.clone();
        }
        let name = serde_json::to_string(&self.tool).unwrap_or_default();
        let key = format!("{name}\0{}", self.input);
        git2::Oid::hash_object(git2::ObjectType::Blob, key.as_bytes())
            .map(|o| o.to_string()[..16].to_owned())
            .unwrap_or_default()
    }
}

/// A tool call's start, as the agent hook sends it to ingest (in a CMD
/// record's text): ingest adds the outcome and makes it a `tool_call`.
#[derive(Debug, Serialize)]
pub struct ToolCallStart {
    pub tool: String,
    pub input: Value,
    pub intent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    pub call_id: String,
    pub agent_session: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subagent: Option<crate::event::Subagent>,
}
