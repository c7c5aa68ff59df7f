//! Live updates as server-sent events: the store's index is looked at
//! every `EVERY` (a read-only query on a blocking thread); what is new is
//! pushed. For a session, its new events (as one JSON array per message);
//! for the sessions page, that something changed (`{"last_n": N}`).

use super::api::event_json;
use super::state::App;
use crate::store::Store;
use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use serde_json::{json, Value};
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How often the index is looked at: new events show within this and
/// the page's own work, well within a second.
const EVERY: Duration = Duration::from_millis(250);

/// Most events one message carries.
const BATCH: usize = 500;

#[derive(Deserialize)]
pub struct Params {
    #[serde(default)]
    store: usize,
    /// A session's full id: its new events past `after` (a seq).
    session: Option<String>,
    /// Past this seq (a session) or index position (the store).
    #[serde(default)]
    after: i64,
}

struct Watch {
    dir: PathBuf,
    session: Option<String>,
    after: i64,
}

pub async fn live(State(app): State<Arc<App>>, Query(p): Query<Params>) -> Response {
    let Some(dir) = app.stores.get(p.store).cloned() else {
        return super::api::error(axum::http::StatusCode::NOT_FOUND, "no such store");
    };
    let w = Watch {
        dir,
        session: p.session,
        after: p.after,
    };
    Sse::new(updates(w))
        .keep_alive(KeepAlive::default())
        .into_response()
}

fn updates(w: Watch) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(w, |mut w| async move {
        loop {
            tokio::time::sleep(EVERY).await;
            let (dir, session, after) = (w.dir.clone(), w.session.clone(), w.after);
            let found = tokio::task::spawn_blocking(move || look(&dir, session.as_deref(), after))
                .await
                .ok()
                .flatten();
            if let Some((after, data)) = found {
                w.after = after;
                return Some((Ok(Event::default().data(data.to_string())), w));
            }
        }
    })
}

/// What is new past `after`: the new position and the message, or None.
fn look(dir: &std::path::Path, session: Option<&str>, after: i64) -> Option<(i64, Value)> {
    let store = Store::open_read_only(dir).ok()?;
    match session {
        Some(id) => {
            let page = store.session_page(id, after, BATCH).ok()?;
            let last = page.last()?.1.seq as i64;
            let events: Vec<Value> = page.iter().map(|(_, e)| event_json(e)).collect();
            Some((last, Value::Array(events)))
        }
        None => {
            let n = store.last_n().ok()?;
            (n != after).then(|| (n, json!({ "last_n": n })))
        }
    }
}
