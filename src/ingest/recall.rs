//! What an ingest that starts over recalls of the commands already stored.
//!
//! A change made before a crash, and not stored then, is found again by the
//! next ingest's first look at the tree. The commands that ran meanwhile
//! were stored, so their records are not read again: without them as
//! candidates, the change would be given to a later command (or called
//! made between commands). So when a store's tracker is opened, the
//! commands and tool calls stored since shortly before its saved look
//! become spans again, each with its recorded run.

use super::attribute::Spans;
use crate::event::Data;
use crate::store::{EventFilter, Store};
use crate::timestamp::{Ctime, Timestamp};
use std::path::Path;
use std::time::Duration;

/// How far before the saved look stored commands are recalled: a command
/// that began before it may have written after it.
const BEFORE: Duration = Duration::from_secs(600);

/// Adds to `spans` the runs of the commands stored in `store` that began
/// after `looked` (less [`BEFORE`]). Best effort: a store that cannot be
/// read adds nothing.
pub fn stored_runs(store: &Path, looked: Ctime, spans: &mut Spans) {
    let Ok(db) = Store::open(store) else {
        return;
    };
    let since = looked.saturating_sub(BEFORE).to_timestamp();
    let filter = EventFilter {
        types: vec!["run_command".into(), "tool_call".into()],
        since_ms: Some(since.as_millis()),
        ..Default::default()
    };
    let Ok(events) = db.events(&filter) else {
        return;
    };
    for (_, ev) in events {
        let (start, end, duration) = match &ev.data {
            Data::RunCommand(c) => (c.started_at, c.ended_at, c.duration),
            Data::ToolCall(c) => (c.started_at, c.ended_at, c.duration),
            _ => continue,
        };
        let start = start.unwrap_or(ev.ts);
        // Where no end was recorded, the one its duration gives.
        let end = end.or_else(|| {
            let us = i64::try_from(duration?.as_micros()).ok()?;
            Some(Timestamp::from_micros(start.as_micros() + us))
        });
        if let Some(end) = end {
            spans.recall(&ev.id, &ev.session, Ctime::from(start), Ctime::from(end));
        }
    }
}
