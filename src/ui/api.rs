//! The JSON the page reads: stores, sessions (the numbers `devtrace
//! sessions` shows), a search, a session's events page by page, one event,
//! a change's diff, a file's lines. Each answer reads the store through a
//! read-only connection on a blocking thread.

use super::state::App;
use crate::event::Data;
use crate::review::search;
use crate::store::Store;
use anyhow::Result;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// Events in one page of a session, by default and at most.
pub const PAGE: usize = 500;
const PAGE_MAX: usize = 2000;

#[derive(Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    store: usize,
    session: Option<String>,
    after: Option<i64>,
    limit: Option<usize>,
    id: Option<String>,
    q: Option<String>,
    path: Option<String>,
}

/// Runs `f` on the chosen store, off the runtime's thread; its error is a
/// 404 with what was wrong.
async fn with_store(
    app: Arc<App>,
    index: usize,
    f: impl FnOnce(&Store) -> Result<Value> + Send + 'static,
) -> Response {
    let Some(dir) = app.stores.get(index).cloned() else {
        return error(StatusCode::NOT_FOUND, "no such store");
    };
    let done = tokio::task::spawn_blocking(move || {
        let store = Store::open_read_only(&dir)?;
        f(&store)
    })
    .await;
    match done {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(e)) => error(StatusCode::NOT_FOUND, &format!("{e:#}")),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "the request failed"),
    }
}

pub fn error(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({ "error": msg }))).into_response()
}

pub async fn stores(State(app): State<Arc<App>>) -> Response {
    let list: Vec<Value> = app
        .stores
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let root = d.parent().unwrap_or(d);
            json!({"index": i, "dir": d, "root": root, "global": *d == crate::store::global_dir()})
        })
        .collect();
    Json(json!({ "stores": list, "version": env!("CARGO_PKG_VERSION") })).into_response()
}

pub async fn sessions(State(app): State<Arc<App>>, Query(p): Query<Params>) -> Response {
    with_store(app, p.store, |s| {
        let rows = s.sessions(None, Some(10_000), None)?;
        let rows: Vec<Value> = rows.iter().rev().map(|r| r.json()).collect();
        Ok(json!({ "sessions": rows, "last_n": s.last_n()? }))
    })
    .await
}

/// The sessions whose commands match the words (the search index), with
/// how many matched in each.
pub async fn search(State(app): State<Arc<App>>, Query(p): Query<Params>) -> Response {
    let words = vec![p.q.unwrap_or_default()];
    with_store(app, p.store, move |s| {
        let found = search::run(
            s,
            &search::Query {
                words,
                limit: 2000,
                ..search::Query::default()
            },
        )?;
        let mut counts: serde_json::Map<String, Value> = serde_json::Map::new();
        for ev in &found {
            let n = counts.get(&ev.session).and_then(Value::as_u64).unwrap_or(0);
            counts.insert(ev.session.clone(), json!(n + 1));
        }
        let ids: Vec<&str> = found.iter().map(|e| e.id.as_str()).collect();
        Ok(json!({ "sessions": counts, "events": ids }))
    })
    .await
}

/// One page of a session's events past `after` (a seq), and its row.
pub async fn events(State(app): State<Arc<App>>, Query(p): Query<Params>) -> Response {
    let wanted = p.session.unwrap_or_default();
    let after = p.after.unwrap_or(0);
    let limit = p.limit.unwrap_or(PAGE).clamp(1, PAGE_MAX);
    with_store(app, p.store, move |s| {
        let id = s.resolve_session(&wanted)?;
        let row = s.session(&id)?.map(|r| r.json());
        let page = s.session_page(&id, after, limit)?;
        let last = page.last().map(|(_, e)| e.seq as i64);
        let events: Vec<Value> = page.iter().map(|(_, e)| event_json(e)).collect();
        Ok(json!({
            "session": row,
            "id": id,
            "total": s.session_len(&id)?,
            "events": events,
            "more": events.len() == limit,
            "after": last.unwrap_or(after),
        }))
    })
    .await
}

/// One event by id or unique prefix, for a permalink.
pub async fn event(State(app): State<Arc<App>>, Query(p): Query<Params>) -> Response {
    let id = p.id.unwrap_or_default();
    with_store(app, p.store, move |s| {
        let ev = s.resolve_event(&id)?;
        Ok(json!({ "event": event_json(&ev) }))
    })
    .await
}

pub async fn diff(State(app): State<Arc<App>>, Query(p): Query<Params>) -> Response {
    let id = p.id.unwrap_or_default();
    with_store(app, p.store, move |s| super::diffview::event_diff(s, &id)).await
}

pub async fn file(State(app): State<Arc<App>>, Query(p): Query<Params>) -> Response {
    let path = p.path.unwrap_or_default();
    with_store(app, p.store, move |s| super::fileview::file_view(s, &path)).await
}

/// An event as the page gets it: the contract's object, and for text that
/// is not UTF-8, a flag (the contract keeps its bytes as base64).
pub fn event_json(e: &crate::event::Event) -> Value {
    let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
    if let Data::RunCommand(r) = &e.data {
        if matches!(r.command, crate::event::Text::Bytes { .. }) {
            v["not_utf8"] = json!(true);
        }
    }
    v
}
