//! `search_commands`: commands (and agents' shell tool calls) by their
//! text, each with what it did and what it changed.

use super::common::{clamp, session_id, when, who, Ctx, ToolError, ToolResult};
use crate::event::{Data, Event};
use crate::review::search;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// The words to look for in command text (all of them; the last one
    /// as a prefix).
    pub query: String,
    /// Only this session (id, prefix or `latest`).
    pub session: Option<String>,
    /// Only commands that failed (exit status other than 0).
    pub failed_only: Option<bool>,
    /// Only what this agent ran, `person` for people, `any` for any agent.
    pub agent: Option<String>,
    /// Only commands run in this directory or below it (absolute, or
    /// relative to the repository's root).
    pub cwd: Option<String>,
    /// Only commands run at or after this time (2h, yesterday, RFC 3339).
    pub since: Option<String>,
    /// At most this many hits (1 to 100; 20 when not given).
    pub limit: Option<u32>,
}

/// One command found.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Hit {
    /// The event's id (for get_diff and list_events).
    pub id: String,
    pub session: String,
    pub command: String,
    pub exit_code: Option<i64>,
    pub duration_ms: Option<u64>,
    pub cwd: String,
    pub time: String,
    /// The agent that ran it, or `person`.
    pub who: String,
    /// The agent's stated reason for the call, when it gave one.
    pub intent: Option<String>,
    /// The files the command changed.
    pub changed_files: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchOut {
    /// Best match first.
    pub hits: Vec<Hit>,
}

pub fn run(ctx: &Ctx, a: SearchArgs) -> ToolResult<SearchOut> {
    if a.query.trim().is_empty() {
        return Err(ToolError("query: give the words to look for".into()));
    }
    let mut store = ctx.store()?;
    search::catch_up(&mut store);
    let cwd = a.cwd.as_deref().map(|d| {
        let p = std::path::Path::new(d);
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            ctx.root().join(p)
        };
        crate::config::normalize(&abs)
            .to_string_lossy()
            .into_owned()
    });
    let session = match &a.session {
        Some(s) => Some(session_id(&store, s)?),
        None => None,
    };
    let q = search::Query {
        words: vec![a.query.clone()],
        failed: a.failed_only.unwrap_or(false),
        cwd,
        session,
        who: who(&a.agent),
        since_ms: when("since", &a.since)?,
        until_ms: None,
        limit: clamp(a.limit, 20, 100),
    };
    let found = search::run(&store, &q)?;
    let mut hits = Vec::new();
    for ev in found {
        let files = changed_files(&store, &ev)?;
        hits.push(hit(ev, files));
    }
    Ok(SearchOut { hits })
}

fn changed_files(store: &crate::store::Store, ev: &Event) -> ToolResult<Vec<String>> {
    let mut files = Vec::new();
    for e in store.edits_caused_by(&ev.session, &ev.id)? {
        if let Data::EditFiles(edit) = &e.data {
            for f in &edit.files {
                let p = f.path.text().to_owned();
                if !files.contains(&p) {
                    files.push(p);
                }
            }
        }
    }
    Ok(files)
}

fn hit(ev: Event, changed_files: Vec<String>) -> Hit {
    let (exit_code, intent) = match &ev.data {
        Data::ToolCall(t) => (
            ev.data.exit_code().or(t.is_error.map(i64::from)),
            t.intent.clone(),
        ),
        d => (d.exit_code(), None),
    };
    Hit {
        command: super::common::bound(ev.command_text().unwrap_or_default().into())
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        duration_ms: ev.data.duration().map(|d| d.as_millis() as u64),
        time: ev.ts.rfc3339_ms(),
        who: ev.agent.clone().unwrap_or_else(|| "person".into()),
        id: ev.id,
        session: ev.session,
        exit_code,
        cwd: ev.cwd,
        intent,
        changed_files,
    }
}
