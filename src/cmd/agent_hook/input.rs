//! What an agent's hook gives on standard input (Claude Code, Gemini CLI),
//! as types: fields we do not use are ignored, and a field of an unexpected
//! shape reads as absent rather than failing the whole payload.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// One hook call's payload.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HookInput {
    #[serde(deserialize_with = "lenient")]
    pub hook_event_name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub session_id: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub cwd: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub model: Option<Model>,
    #[serde(deserialize_with = "lenient")]
    pub prompt: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub tool_name: Option<String>,
    /// The tool's input, free-form.
    pub tool_input: Value,
    #[serde(deserialize_with = "lenient")]
    pub tool_use_id: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub tool_response: Option<ToolResponse>,
    #[serde(deserialize_with = "lenient")]
    pub reason: Option<String>,
}

/// The model: Claude Code names it, Gemini gives an object.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Model {
    Name(String),
    Object { id: Option<String> },
}

/// What a tool returned, as far as its failure goes.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ToolResponse {
    /// Claude Code's.
    #[serde(deserialize_with = "lenient")]
    pub is_error: Option<bool>,
    /// Gemini CLI's: anything but null or "" is an error.
    pub error: Value,
}

/// The value when it has the expected shape, else None.
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(T::deserialize(v).ok())
}

impl HookInput {
    pub fn model(&self) -> Option<String> {
        match self.model.as_ref()? {
            Model::Name(n) => Some(n.clone()),
            Model::Object { id } => id.clone(),
        }
    }

    /// The stated reason for a tool call (its input's `description`).
    pub fn intent(&self) -> Option<String> {
        self.tool_input
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    /// The id that ties a tool call's two hooks together: Claude gives one;
    /// Gemini's are tied by the tool and its exact input.
    pub fn call_id(&self) -> String {
        if let Some(id) = &self.tool_use_id {
            return id.clone();
        }
        let name = serde_json::to_string(&self.tool_name).unwrap_or_default();
        let key = format!("{name}\0{}", self.tool_input);
        git2::Oid::hash_object(git2::ObjectType::Blob, key.as_bytes())
            .map(|o| o.to_string()[..16].to_owned())
            .unwrap_or_default()
    }
}

/// What an agent's hook events mean to us.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    Prompt,
    ToolStart,
    ToolEnd { failed: bool },
    End,
    Other,
}

pub fn step(agent: &str, v: &HookInput) -> Step {
    let response = v.tool_response.as_ref();
    match (agent, v.hook_event_name.as_deref().unwrap_or_default()) {
        ("claude-code", "UserPromptSubmit") | ("gemini-cli", "BeforeAgent") => Step::Prompt,
        ("claude-code", "PreToolUse") | ("gemini-cli", "BeforeTool") => Step::ToolStart,
        ("claude-code", "PostToolUse") => Step::ToolEnd {
            failed: response.and_then(|r| r.is_error) == Some(true),
        },
        ("claude-code", "PostToolUseFailure") => Step::ToolEnd { failed: true },
        ("gemini-cli", "AfterTool") => Step::ToolEnd {
            failed: response.is_some_and(|r| !matches!(&r.error, Value::Null) && r.error != ""),
        },
        (_, "SessionEnd") => Step::End,
        _ => Step::Other,
    }
}

/// A tool call's start, as the agent hook sends it to ingest (in a CMD
/// record's text): ingest adds the outcome and makes it a `tool_call`.
#[derive(Debug, Serialize)]
pub struct ToolCallStart {
    pub tool: String,
    pub input: Value,
    pub intent: Option<String>,
    pub call_id: String,
    pub agent_session: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_read_leniently() {
        let v: HookInput = serde_json::from_str(
            r#"{"hook_event_name":"PostToolUse","session_id":"s","model":{"id":"gemini-2"},
                "tool_name":"Bash","tool_input":{"command":"ls"},"tool_response":"plain text",
                "unknown":1}"#,
        )
        .unwrap();
        assert_eq!(v.model().as_deref(), Some("gemini-2"));
        assert!(v.tool_response.is_none());
        assert_eq!(step("claude-code", &v), Step::ToolEnd { failed: false });
        let g: HookInput = serde_json::from_str(
            r#"{"hook_event_name":"AfterTool","tool_response":{"error":"boom"}}"#,
        )
        .unwrap();
        assert_eq!(step("gemini-cli", &g), Step::ToolEnd { failed: true });
        assert_eq!(g.call_id().len(), 16);
    }
}
