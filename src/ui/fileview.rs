//! A file as the page shows it: each line highlighted, with the change that
//! last wrote it, the command or tool call behind that change and the
//! prompt before (`review::blame`, what `explain` answers for every line).

use super::highlight::Lines;
use crate::event::{Data, Event};
use crate::review::blame;
use crate::store::Store;
use anyhow::{bail, Result};
use serde_json::{json, Value};
use std::path::{Component, Path};

/// Most lines of a file the view shows.
const LINES_MAX: usize = 20_000;

/// The file `rel` (relative to the store's root) as it is now, line by
/// line, with what is behind each line.
pub fn file_view(store: &Store, rel: &str) -> Result<Value> {
    let rel_path = Path::new(rel);
    if rel.is_empty()
        || rel_path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
    {
        bail!("give a path inside the repository, like src/main.rs");
    }
    if rel_path.starts_with(".devtrace") || rel_path.starts_with(".git") {
        bail!("{rel} is DevTrace's or git's own");
    }
    let root = store.dir().parent().unwrap_or(Path::new("/"));
    let bytes = match std::fs::read(root.join(rel_path)) {
        Ok(b) => b,
        Err(e) => bail!("cannot read {rel}: {e}"),
    };
    let binary = bytes.iter().take(8000).any(|&b| b == 0);
    let text = String::from_utf8_lossy(&bytes);
    let not_utf8 = matches!(text, std::borrow::Cow::Owned(_));
    let all: Vec<&str> = if binary {
        Vec::new()
    } else {
        text.lines().collect()
    };
    let count = all.len().min(LINES_MAX);
    let b = blame::gather(store, rel.as_bytes(), count)?;
    let mut hl = Lines::for_path(rel);
    let lines: Vec<Value> = all[..count]
        .iter()
        .zip(&b.lines)
        .map(|(t, change)| json!({"h": hl.line(t), "c": change}))
        .collect();
    let changes: serde_json::Map<String, Value> = b
        .changes
        .iter()
        .map(|(id, behind)| (id.clone(), behind_json(behind)))
        .collect();
    Ok(json!({
        "path": rel,
        "binary": binary,
        "not_utf8": not_utf8,
        "size": bytes.len(),
        "cut": all.len() > count,
        "lines": lines,
        "changes": changes,
    }))
}

fn behind_json(b: &blame::Behind) -> Value {
    json!({
        "edit": {"id": b.edit.id, "ts": b.edit.ts.rfc3339_ms(), "session": b.edit.session},
        "cause": b.cause.as_ref().map(what_ran),
        "causes": b.causes.iter().map(what_ran).collect::<Vec<_>>(),
        "prompt": b.prompt.as_ref().map(|p| match &p.data {
            Data::Prompt(p2) => json!({"id": p.id, "text": p2.text}),
            _ => Value::Null,
        }),
    })
}

/// A command or tool call, in a line: its id, session, and what ran.
fn what_ran(e: &Event) -> Value {
    let what = match &e.data {
        Data::RunCommand(r) => r.command.text().to_owned(),
        Data::ToolCall(t) => {
            let arg = t
                .input
                .get("command")
                .or_else(|| t.input.get("file_path"))
                .and_then(Value::as_str)
                .unwrap_or("");
            format!("{} {arg}", t.tool).trim_end().to_owned()
        }
        other => other.type_name().to_owned(),
    };
    json!({"id": e.id, "session": e.session, "type": e.type_name(), "agent": e.agent, "what": what})
}
