//! `devtrace export status`: each endpoint's cursor, backlog and last error.

use super::cursor;
use crate::cli::StatusArgs;
use crate::store::Store;
use anyhow::Result;
use serde::Serialize;

/// One endpoint's state, as `--json` prints it.
#[derive(Debug, Serialize)]
struct Row {
    endpoint: String,
    /// The id of the last event the endpoint acknowledged.
    acknowledged: Option<String>,
    /// Events stored after it: not sent yet.
    backlog: i64,
    events: u64,
    spans: u64,
    last_ok: Option<String>,
    last_error: Option<String>,
    last_error_at: Option<String>,
}

fn gather(store: &Store) -> Result<Vec<Row>> {
    let state = cursor::load(store.dir())?;
    let mut rows = Vec::new();
    for (url, c) in state.endpoints {
        let pos = match &c.id {
            Some(id) => store.position(id)?.unwrap_or(c.n),
            None => c.n,
        };
        rows.push(Row {
            endpoint: url,
            acknowledged: c.id,
            backlog: store.count_after(pos)?,
            events: c.events,
            spans: c.spans,
            last_ok: c.last_ok,
            last_error: c.last_error,
            last_error_at: c.last_error_at,
        });
    }
    Ok(rows)
}

pub fn status_command(a: StatusArgs) -> Result<i32> {
    let store = crate::resolve::open_store(&a.store)?;
    let rows = gather(&store)?;
    let mut out = crate::output::Out::new(a.json);
    if a.json {
        for r in &rows {
            out.line(&serde_json::to_string(r)?)?;
        }
        out.flush()?;
        return Ok(0);
    }
    if rows.is_empty() {
        out.line(
            "No exports yet: `devtrace export otlp --endpoint URL` sends this store's events.",
        )?;
    }
    for r in &rows {
        out.line(&r.endpoint)?;
        out.line(&format!(
            "  sent       {} as {}, last at {}",
            crate::output::count(r.events, "event"),
            crate::output::count(r.spans, "span"),
            r.last_ok.as_deref().unwrap_or("never")
        ))?;
        out.line(&format!(
            "  cursor     {}",
            r.acknowledged
                .as_deref()
                .unwrap_or("(nothing acknowledged yet)")
        ))?;
        out.line(&format!(
            "  backlog    {}",
            crate::output::count(r.backlog as u64, "event")
        ))?;
        if let Some(e) = &r.last_error {
            out.line(&format!(
                "  last error {} ({})",
                e,
                r.last_error_at.as_deref().unwrap_or("")
            ))?;
        }
    }
    out.flush()?;
    Ok(0)
}
