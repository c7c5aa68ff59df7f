//! The `data` of each event type, in contract order (shared/design.md,
//! "Event record"). Fields a newer version adds are kept in `extra` and
//! written back after the known ones, so a store written by a newer
//! version reads and round-trips.

use super::text::Text;
use crate::timestamp::{opt_duration_ms, opt_rfc3339_us, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::time::Duration;

/// Fields of a newer version, kept as they were.
pub type Extra = Map<String, Value>;

/// `session_start`: the shell (or agent) a session records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SessionStart {
    pub shell: Option<String>,
    pub shell_pid: Option<i32>,
    pub host: String,
    pub user: String,
    pub tty: Option<String>,
    pub devtrace_version: String,
    /// An agent's own session: the agent's session id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_session: Option<String>,
    /// The model the agent runs on, when it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `run_command`: one command line of a shell.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RunCommand {
    pub command: Text,
    pub exit_code: Option<i32>,
    pub pipestatus: Option<Vec<i32>>,
    #[serde(rename = "duration_ms", with = "opt_duration_ms")]
    #[schemars(with = "Option<u64>")]
    pub duration: Option<Duration>,
    #[serde(with = "opt_rfc3339_us")]
    #[schemars(with = "Option<Timestamp>")]
    pub started_at: Option<Timestamp>,
    #[serde(with = "opt_rfc3339_us")]
    #[schemars(with = "Option<Timestamp>")]
    pub ended_at: Option<Timestamp>,
    pub shell: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// How a file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
    Renamed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Modified => "modified",
            ChangeKind::Deleted => "deleted",
            ChangeKind::Renamed => "renamed",
        }
    }
}

/// One entry of `edit_files.files`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FileChange {
    pub path: Text,
    pub change: ChangeKind,
    /// The blob before (None when added).
    pub old: Option<String>,
    /// The blob after (None when deleted).
    pub new: Option<String>,
    /// The file mode, in octal.
    pub mode: String,
    /// A rename's old path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Text>,
    /// The mode before, when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_mode: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `edit_files`: files that changed, and the command that changed them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct EditFiles {
    pub files: Vec<FileChange>,
    /// The id of the command that made the change; None between commands,
    /// and when the evidence cannot tell which command it was.
    pub cause: Option<String>,
    /// When it cannot tell: the commands (and tool calls) that ran while the
    /// change was made, in order. The change was made by one of them or
    /// between them; never set together with `cause`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub causes: Option<Vec<String>>,
    /// Why the files were not checked, when they were not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unchecked: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `git_snapshot`: the whole work tree's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct GitSnapshot {
    pub label: String,
    /// The snapshot's commit in DevTrace's object store.
    pub snapshot: String,
    pub head: Option<String>,
    pub branch: Option<String>,
    pub files_changed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `note`: the "why" beside the "what".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Note {
    pub text: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `prompt`: what an agent was asked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Prompt {
    pub text: String,
    pub prompt_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_session: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `tool_call`: one tool an agent ran, from its before and after hooks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ToolCall {
    pub tool: String,
    /// The tool's input, redacted and bounded (free-form).
    pub input: Value,
    /// The agent's stated reason.
    pub intent: Option<String>,
    /// What the assistant wrote before the call, from its transcript
    /// (redacted, bounded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    pub call_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_session: Option<String>,
    /// What the call returned: a shell tool's output, a failure's error,
    /// an edit's patch (redacted; bounded, its head and tail kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// A shell tool's exit status, where the agent gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    pub is_error: Option<bool>,
    #[serde(rename = "duration_ms", with = "opt_duration_ms")]
    #[schemars(with = "Option<u64>")]
    pub duration: Option<Duration>,
    #[serde(with = "opt_rfc3339_us")]
    #[schemars(with = "Option<Timestamp>")]
    pub started_at: Option<Timestamp>,
    #[serde(with = "opt_rfc3339_us")]
    #[schemars(with = "Option<Timestamp>")]
    pub ended_at: Option<Timestamp>,
    /// The subagent that made the call (its id and type), when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subagent: Option<Subagent>,
    /// The subagent this call started, where the agent says which (Claude
    /// Code's Task tool: its result's `agentId`); that subagent's calls have
    /// it as their `subagent`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_subagent: Option<Subagent>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A subagent an agent started (Claude Code's Task tool, and the like).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Subagent {
    pub id: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl ToolCall {
    /// What the call worked on, from its input: the command, file,
    /// pattern, address or query it was given ("" when none of those).
    pub fn target(&self) -> &str {
        ["command", "file_path", "path", "pattern", "url", "query"]
            .iter()
            .find_map(|k| self.input.get(*k).and_then(Value::as_str))
            .unwrap_or("")
    }
}

/// `mcp_call`: one call to an MCP server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct McpCall {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub arguments: Value,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub result: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i64>,
    #[serde(
        rename = "duration_ms",
        with = "opt_duration_ms",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<u64>")]
    pub duration: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `turn_end`: an agent's turn ended (or a subagent's): its last message,
/// the model, and the tokens the turn used, where the agent tells.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct TurnEnd {
    /// The assistant's last message of the turn (redacted, bounded).
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_session: Option<String>,
    /// The subagent whose turn this was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subagent: Option<Subagent>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Tokens a turn used.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Usage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write_tokens: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Usage {
    /// Adds another answer's counts to these.
    pub fn add(&mut self, o: &Usage) {
        let sum = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        self.input_tokens = sum(self.input_tokens, o.input_tokens);
        self.output_tokens = sum(self.output_tokens, o.output_tokens);
        self.cache_read_tokens = sum(self.cache_read_tokens, o.cache_read_tokens);
        self.cache_write_tokens = sum(self.cache_write_tokens, o.cache_write_tokens);
    }
}

/// `session_end`: why the session ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SessionEnd {
    pub reason: String,
    #[serde(flatten)]
    pub extra: Extra,
}
