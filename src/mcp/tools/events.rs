//! `list_events`: one session's events in order, paged by sequence number.

use super::common::{
    bounded_event, clamp, session_id, Ctx, ToolError, ToolResult, MAX_EVENTS_BYTES,
};
use rusqlite::types::Value as SqlValue;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventsArgs {
    /// The session: its id, a unique prefix of it, or `latest`.
    pub session: String,
    /// Only events of these types (run_command, edit_files, tool_call,
    /// prompt, note, git_snapshot, mcp_call, session_start, session_end).
    pub types: Option<Vec<String>>,
    /// Only events after this sequence number (the previous page's
    /// `next_after_seq`).
    pub after_seq: Option<u64>,
    /// At most this many events (1 to 200; 50 when not given).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct EventsOut {
    pub session: String,
    /// Events of the DevTrace event contract, in order (long strings cut).
    pub events: Vec<Map<String, Value>>,
    /// Pass as `after_seq` for the next page; null on the last page.
    pub next_after_seq: Option<u64>,
}

pub fn run(ctx: &Ctx, a: EventsArgs) -> ToolResult<EventsOut> {
    let limit = clamp(a.limit, 50, 200);
    let types = a.types.unwrap_or_default();
    if let Some(t) = types
        .iter()
        .find(|t| crate::event::Kind::parse(t).is_none())
    {
        return Err(ToolError(format!(
            "types: unknown event type '{t}'; use one of: {}",
            crate::event::TYPES.join(", ")
        )));
    }
    let store = ctx.store()?;
    let session = session_id(&store, &a.session)?;
    let mut cond = "session = ?1 AND seq > ?2".to_owned();
    let mut args = vec![
        SqlValue::Text(session.clone()),
        SqlValue::Integer(a.after_seq.unwrap_or(0).min(i64::MAX as u64) as i64),
    ];
    if !types.is_empty() {
        let marks: Vec<String> = (0..types.len()).map(|i| format!("?{}", i + 3)).collect();
        cond.push_str(&format!(" AND type IN ({})", marks.join(", ")));
        args.extend(types.into_iter().map(SqlValue::Text));
    }
    args.push(SqlValue::Integer(limit as i64 + 1));
    let sql = format!(
        "SELECT json FROM events WHERE {cond} ORDER BY seq LIMIT ?{}",
        args.len()
    );
    let mut stmt = store.conn().prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(0))?;
    let (mut events, mut bytes, mut last, mut more) = (Vec::new(), 0, None, false);
    for json in rows {
        let Ok(ev) = serde_json::from_str::<crate::event::Event>(&json?) else {
            continue;
        };
        let v = bounded_event(&ev);
        let size = v.to_string().len();
        if events.len() == limit || (!events.is_empty() && bytes + size > MAX_EVENTS_BYTES) {
            more = true;
            break;
        }
        bytes += size;
        last = Some(ev.seq);
        if let Value::Object(m) = v {
            events.push(m);
        }
    }
    Ok(EventsOut {
        session,
        events,
        next_after_seq: if more { last } else { None },
    })
}
