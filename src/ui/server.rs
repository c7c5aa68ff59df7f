//! The server: binds 127.0.0.1 (a free port by default), prints the URL
//! with its token as the first line of output, opens a browser when there
//! is a display, and serves the page, its assets (all embedded) and the
//! JSON, every request through the access check.

use super::access::{Access, Verdict};
use super::state::App;
use super::{api, assets, live};
use crate::store::Store;
use anyhow::{Context, Result};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

pub struct Options {
    pub stores: Vec<PathBuf>,
    pub port: u16,
    pub open: bool,
}

pub async fn serve(o: Options) -> Result<()> {
    // Each store's index made and caught up once (the search index too),
    // as every review command does; requests then only read.
    // With --global, a store that cannot be opened is left out, and said.
    let single = o.stores.len() == 1;
    let mut stores = Vec::new();
    for dir in o.stores {
        match Store::open(&dir) {
            Ok(mut store) => {
                crate::review::search::catch_up(&mut store);
                stores.push(dir);
            }
            Err(e) if single => return Err(e),
            Err(e) => eprintln!("devtrace ui: leaving out {}: {e:#}", dir.display()),
        }
    }
    if stores.is_empty() {
        return Err(crate::fail(
            "none of the stores could be opened",
            "see `devtrace doctor`",
        ));
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", o.port))
        .await
        .map_err(|e| {
            crate::fail(
                format!("cannot listen on 127.0.0.1:{}: {e}", o.port),
                "choose another port with --port N, or leave it out for any free port",
            )
        })?;
    let port = listener.local_addr()?.port();
    let app = Arc::new(App {
        stores,
        access: Access::new(port).context("cannot make a token")?,
        highlight_css: super::highlight::css(),
    });
    let url = format!("http://127.0.0.1:{port}/?token={}", app.access.token);
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{url}")?;
    stdout.flush()?;
    eprintln!(
        "devtrace ui: serving {} read-only on 127.0.0.1:{port}; Ctrl-C stops it",
        app.stores
            .iter()
            .map(|d| crate::output::tilde(&d.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if o.open && has_display() {
        open_browser(&url, port);
    }
    axum::serve(listener, routes(app))
        .await
        .context("the web server stopped")
}

pub fn routes(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(assets::index))
        .route("/assets/app.js", get(assets::script))
        .route("/assets/app.css", get(assets::style))
        .route("/assets/highlight.css", get(assets::highlight))
        .route("/e/{id}", get(permalink))
        .route("/api/stores", get(api::stores))
        .route("/api/sessions", get(api::sessions))
        .route("/api/search", get(api::search))
        .route("/api/events", get(api::events))
        .route("/api/event", get(api::event))
        .route("/api/diff", get(api::diff))
        .route("/api/file", get(api::file))
        .route("/api/live", get(live::live))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// `/e/ID`: the page, at that event.
async fn permalink(axum::extract::Path(id): axum::extract::Path<String>) -> Response {
    let id: String = id.chars().filter(char::is_ascii_alphanumeric).collect();
    Redirect::to(&format!("/#/event/{id}")).into_response()
}

/// Every request: refused unless it names this server, only reads, and
/// carries the token; every answer uncached, unframed, and allowed to load
/// nothing from elsewhere.
async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let verdict = app.access.check(req.method(), req.uri(), req.headers());
    let mut resp = match verdict {
        Verdict::Deny(status, why) => (status, why).into_response(),
        Verdict::Allow { set_cookie } => {
            let mut resp = next.run(req).await;
            if set_cookie {
                if let Ok(v) = HeaderValue::from_str(&app.access.cookie()) {
                    resp.headers_mut().insert(header::SET_COOKIE, v);
                }
            }
            resp
        }
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// Opens the URL in the user's browser through a private file that sends
/// it on (so the token is never in a process's arguments, which other
/// users can read). Failing is only reported: the URL is printed.
fn open_browser(url: &str, port: u16) {
    let page = crate::runtime::dir().join(format!("ui-{port}.html"));
    let html = format!(
        "<!doctype html><meta http-equiv=\"refresh\" content=\"0;url={url}\"><a href=\"{url}\">DevTrace</a>\n"
    );
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&page)
        .and_then(|mut f| f.write_all(html.as_bytes()));
    if written.is_err() {
        eprintln!("devtrace ui: could not open a browser; open the URL above");
        return;
    }
    let browser = std::env::var("BROWSER").ok().filter(|b| !b.is_empty());
    let program = browser.as_deref().unwrap_or("xdg-open");
    let started = std::process::Command::new(program)
        .arg(format!("file://{}", page.display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if started.is_err() {
        eprintln!("devtrace ui: could not start {program}; open the URL above");
    }
}

use std::os::unix::fs::OpenOptionsExt;
