//! `explain`: the recorded change behind a file or one of its lines, the
//! command or tool call that made it, and the prompt before it.

use super::common::{bounded_event, Ctx, ToolError, ToolResult};
use crate::event::Data;
use crate::review::explain::gather;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::{Component, Path};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplainArgs {
    /// The file: relative to the repository's root, or absolute inside it.
    pub path: String,
    /// One of its lines, counted from 1; without it, the file's last change.
    pub line: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ExplainOut {
    pub path: String,
    pub line: Option<u32>,
    /// Whether a recorded change explains it (false: it is as it was when
    /// recording began; `git blame` tells the committed history).
    pub found: bool,
    /// The line's number in the version that change wrote.
    pub line_then: Option<u64>,
    /// The edit_files event of the change.
    pub edit: Option<Map<String, Value>>,
    /// How sure: `exact` (`cause` made it), `among` (one of `causes`, which
    /// cannot be told apart), `between` (no recorded command made it).
    pub certainty: Option<String>,
    /// The command (run_command) or tool call (tool_call) that made it;
    /// null when it happened between commands or among several.
    pub cause: Option<Map<String, Value>>,
    /// The commands one of which made it, when that is all that is known.
    pub causes: Vec<Map<String, Value>>,
    /// The prompt the agent was given before it: the "why".
    pub prompt: Option<String>,
    /// The agent's stated reason for the tool call, when it gave one.
    pub intent: Option<String>,
}

pub fn run(ctx: &Ctx, a: ExplainArgs) -> ToolResult<ExplainOut> {
    if a.line == Some(0) {
        return Err(ToolError("line: lines count from 1".into()));
    }
    let rel = relative(&ctx.root(), &a.path)?;
    let store = ctx.store()?;
    let line = a.line.map(|l| l as usize);
    let Some(e) = gather(&store, rel.as_bytes(), line)? else {
        return Ok(ExplainOut {
            path: rel,
            line: a.line,
            found: false,
            line_then: None,
            edit: None,
            certainty: None,
            cause: None,
            causes: Vec::new(),
            prompt: None,
            intent: None,
        });
    };
    let object = |ev: &crate::event::Event| match bounded_event(ev) {
        Value::Object(m) => Some(m),
        _ => None,
    };
    let certainty = if e.cause.is_some() {
        "exact"
    } else if !e.causes.is_empty() {
        "among"
    } else {
        "between"
    };
    let intent = match e.cause.as_ref().map(|c| &c.data) {
        Some(Data::ToolCall(t)) => t.intent.clone(),
        _ => None,
    };
    let prompt = match e.prompt.as_ref().map(|p| &p.data) {
        Some(Data::Prompt(p)) => Some(p.text.clone()),
        _ => None,
    };
    Ok(ExplainOut {
        path: rel,
        line: a.line,
        found: true,
        line_then: e.found.line.map(|l| l as u64),
        edit: object(&e.found.edit),
        certainty: Some(certainty.to_owned()),
        cause: e.cause.as_ref().and_then(object),
        causes: e.causes.iter().filter_map(object).collect(),
        prompt,
        intent,
    })
}

/// The path relative to the repository's root; nothing outside it.
fn relative(root: &Path, path: &str) -> ToolResult<String> {
    let p = Path::new(path);
    let rel = if p.is_absolute() {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let abs = match (
            p.parent().and_then(|d| d.canonicalize().ok()),
            p.file_name(),
        ) {
            (Some(d), Some(n)) => d.join(n),
            _ => p.to_path_buf(),
        };
        abs.strip_prefix(&root)
            .map(Path::to_path_buf)
            .map_err(|_| outside(path, &root))?
    } else {
        p.to_path_buf()
    };
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::CurDir => {}
            _ => return Err(outside(path, root)),
        }
    }
    if parts.is_empty() {
        return Err(ToolError(
            "path: name a file, not the repository itself".into(),
        ));
    }
    Ok(parts.join("/"))
}

fn outside(path: &str, root: &Path) -> ToolError {
    ToolError(format!(
        "path: {path} is outside the repository {}; name a file in it",
        root.display()
    ))
}
