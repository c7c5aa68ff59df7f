//! The record out of the machine. `export json|csv` for analysis
//! (`table.rs`); `export otlp`, OpenTelemetry spans over OTLP/HTTP
//! protobuf, each event once per endpoint:
//!
//! | file | job |
//! |---|---|
//! | `map.rs` | which spans the events make and how they nest |
//! | `attrs.rs` | each span's attributes, by convention (process, GenAI, MCP, Langfuse, OpenInference) |
//! | `span.rs` | the span type; trace and span ids derived from session and event ids |
//! | `otlp.rs` | spans as an `ExportTraceServiceRequest` (protobuf) |
//! | `source.rs` | batches and lookups from the store, through redaction |
//! | `endpoint.rs` | endpoints and headers from flags, `OTEL_EXPORTER_OTLP_*`, `[export]` |
//! | `send.rs` | HTTP POST with retries, backoff and Retry-After |
//! | `cursor.rs` | each endpoint's acknowledged position (`export-state.json`) |
//! | `pump.rs` | one export to one endpoint: batch, send, advance; `--follow` |
//! | `status.rs` | `export status` |

mod attrs;
mod cursor;
mod endpoint;
mod map;
mod otlp;
mod pump;
mod send;
mod source;
mod span;
mod status;
pub mod table;

use crate::cli::OtlpArgs;
use anyhow::Result;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

pub use status::status_command;

/// `devtrace export otlp`.
pub fn otlp_command(a: OtlpArgs) -> Result<i32> {
    let since_ms = crate::resolve::when(&a.since)?;
    if !(a.timeout > 0.0 && a.timeout.is_finite()) {
        return Err(crate::usage(
            "--timeout must be a positive number of seconds",
            "for example --timeout 30",
        ));
    }
    let dir = crate::resolve::store_dir(&a.store)?;
    let cfg = crate::config::load(Some(&dir)).map_err(|e| {
        crate::fail(
            format!("{e:#}"),
            "fix the file; the keys are listed in the README (Configuration)",
        )
    })?;
    let endpoints = endpoint::resolve(
        a.endpoint.as_deref(),
        &cfg.export.endpoints.value,
        &a.headers,
    )?;
    let session = match &a.session {
        Some(s) => {
            let store = crate::store::Store::open(&dir)?;
            Some(crate::resolve::session_id(&store, s)?)
        }
        None => None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone())?;
    }
    let policy = attrs::Policy {
        tool_output: cfg.export.tool_output.value,
        types: cfg
            .export
            .types
            .value
            .iter()
            .filter_map(|t| crate::event::Kind::parse(t))
            .collect(),
        diffs: a.diffs || cfg.export.diffs.value,
    };
    let jobs: Vec<pump::Job> = endpoints
        .into_iter()
        .map(|endpoint| pump::Job {
            dir: dir.clone(),
            endpoint,
            policy: policy.clone(),
            patterns: cfg.redact_patterns.clone(),
            since_ms,
            session: session.clone(),
            batch: a.batch,
            timeout: Duration::from_secs_f64(a.timeout),
            follow: a.follow,
            stop: stop.clone(),
        })
        .collect();
    run_jobs(jobs)
}

/// Runs each endpoint's export (at once, on threads, when following);
/// reports what each sent. The first failure decides the exit status.
fn run_jobs(jobs: Vec<pump::Job>) -> Result<i32> {
    let results: Vec<(String, Result<pump::Sent>)> = std::thread::scope(|sc| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|j| (j.endpoint.url.clone(), sc.spawn(move || j.run())))
            .collect();
        handles
            .into_iter()
            .map(|(url, h)| {
                (
                    url,
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("the export crashed"))),
                )
            })
            .collect()
    });
    let mut first_err = None;
    for (url, r) in results {
        match r {
            Ok(sent) => println!(
                "{}: {} as {}",
                url,
                crate::output::count(sent.events, "event"),
                crate::output::count(sent.spans, "span")
            ),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(0),
    }
}
