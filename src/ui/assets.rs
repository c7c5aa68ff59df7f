//! The page and its script and styles, embedded in the binary: nothing is
//! loaded from anywhere else.

use super::state::App;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/app.css");

fn typed(kind: &'static str, body: impl IntoResponse) -> Response {
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

pub async fn index() -> Response {
    typed("text/html; charset=utf-8", INDEX)
}

pub async fn script() -> Response {
    typed("text/javascript; charset=utf-8", SCRIPT)
}

pub async fn style() -> Response {
    typed("text/css; charset=utf-8", STYLE)
}

pub async fn highlight(State(app): State<Arc<App>>) -> Response {
    typed("text/css; charset=utf-8", app.highlight_css.clone())
}
