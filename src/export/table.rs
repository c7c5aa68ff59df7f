//! `export json` and `export csv`: the events a filter selects, oldest
//! first, read page by page so that a store of any size streams out in
//! bounded memory.

use crate::event::{Data, Event};
use crate::store::{EventFilter, Store};
use anyhow::Result;
use std::io::Write;

/// How many events one page of the store holds.
const PAGE: usize = 2000;

/// The columns of `export csv`, in order.
pub const CSV_COLUMNS: [&str; 13] = [
    "id",
    "session",
    "seq",
    "type",
    "ts",
    "agent",
    "cwd",
    "repo",
    "command",
    "exit_code",
    "duration_ms",
    "text",
    "data",
];

/// Calls `each` with every event the filter selects, in store order,
/// after redaction with the user's patterns.
pub fn each_event(
    store: &Store,
    filter: &EventFilter,
    patterns: &[crate::config::Pattern],
    mut each: impl FnMut(&Event) -> Result<()>,
) -> Result<()> {
    let mut after = 0;
    loop {
        let page = store.events_page(filter, after, PAGE)?;
        let Some((last, _)) = page.last() else {
            return Ok(());
        };
        after = *last;
        for (_, mut ev) in page {
            crate::redact::event_with(&mut ev, patterns);
            each(&ev)?;
        }
    }
}

/// One JSON object per line: the event contract.
pub fn json_line(out: &mut impl Write, ev: &Event) -> Result<()> {
    out.write_all(ev.to_line().as_bytes())?;
    out.write_all(b"\n")?;
    Ok(())
}

pub fn csv_writer<W: Write>(out: W) -> Result<csv::Writer<W>> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_COLUMNS).map_err(csv_error)?;
    Ok(w)
}

/// A CSV error as the I/O error it is (so a closed pipe ends quietly).
fn csv_error(e: csv::Error) -> anyhow::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io.into(),
        other => anyhow::anyhow!("could not write CSV: {other:?}"),
    }
}

/// One row: the envelope, the fields most analyses want as columns, and the
/// whole `data` as JSON.
pub fn csv_row<W: Write>(w: &mut csv::Writer<W>, ev: &Event) -> Result<()> {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let text = match &ev.data {
        Data::Prompt(p) => p.text.clone(),
        Data::Note(n) => n.text.clone(),
        Data::ToolCall(t) => t.tool.clone(),
        Data::McpCall(m) => m.tool.clone().unwrap_or_default(),
        Data::GitSnapshot(g) => g.label.clone(),
        Data::SessionEnd(e) => e.reason.clone(),
        _ => String::new(),
    };
    w.write_record([
        ev.id.as_str(),
        ev.session.as_str(),
        &ev.seq.to_string(),
        ev.data.type_name(),
        &ev.ts.rfc3339_ms(),
        ev.agent.as_deref().unwrap_or(""),
        ev.cwd.as_str(),
        ev.repo.as_deref().unwrap_or(""),
        &opt(ev.data.command_text()),
        &opt(ev.data.exit_code().map(|c| c.to_string())),
        &opt(ev.data.duration().map(|d| d.as_millis().to_string())),
        &text,
        &serde_json::to_string(&ev.data)?,
    ])
    .map_err(csv_error)?;
    Ok(())
}
