//! What the common command-line arguments name: the store (`--global`,
//! else the nearest `.devtrace/`), a session (`--session`), a time
//! (`--since`/`--until`), event types (`--type`); and the current directory
//! as the shell shows it. Shared by the subcommands in `cmd/`.

use crate::cli::{FilterArgs, StoreArgs};
use crate::store::{self, Store};
use anyhow::{Context, Result};
use std::path::PathBuf;

/// The store directory these arguments name: `--global`, else the nearest
/// `.devtrace/` at or above the current directory.
pub fn store_dir(a: &StoreArgs) -> Result<PathBuf> {
    if a.global {
        let g = store::global_dir();
        if !g.is_dir() {
            return Err(crate::fail(
                format!("there is no global store yet ({})", g.display()),
                "it is created when a command runs outside every initialised repository",
            ));
        }
        return Ok(g);
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    store::find_dir(&cwd).ok_or_else(|| {
        crate::fail(
            "no DevTrace store in this directory or above it",
            "run `devtrace init` in your repository to start recording there (or use --global)",
        )
    })
}

/// The current directory as the shell shows it (`$PWD` when it is right,
/// so that a path through a symlink stays as typed).
pub fn cwd() -> Result<String> {
    let real = std::env::current_dir().context("cannot read the current directory")?;
    Ok(std::env::var("PWD")
        .ok()
        .filter(|p| {
            std::path::Path::new(p).is_absolute()
                && std::fs::canonicalize(p).ok() == real.canonicalize().ok()
        })
        .unwrap_or_else(|| real.to_string_lossy().into_owned()))
}

pub fn open_store(a: &StoreArgs) -> Result<Store> {
    let dir = store_dir(a)?;
    Store::open(&dir)
}

/// The session a `--session` argument names (id, unique prefix, `latest`),
/// as an error that says where to find one.
pub fn session_id(store: &Store, wanted: &str) -> Result<String> {
    store.resolve_session(wanted).map_err(|e| {
        crate::fail(
            format!("{e:#}"),
            "list the sessions with `devtrace sessions`",
        )
    })
}

/// `--since`/`--until` as milliseconds; a time it cannot read is a usage
/// error (exit 2).
pub fn when(s: &Option<String>) -> Result<Option<i64>> {
    s.as_deref()
        .map(|s| crate::timefmt::parse_when(s, crate::timestamp::Timestamp::now()))
        .transpose()
        .map_err(|e| {
            crate::usage(
                format!("{e:#}"),
                "see `devtrace help log` for the time forms",
            )
        })
}

/// `--type` names only known event types (else a usage error, exit 2).
pub fn check_types(types: &[String]) -> Result<()> {
    for t in types {
        if crate::event::Kind::parse(t).is_none() {
            return Err(crate::usage(
                format!("unknown event type '{t}'"),
                format!("use one of: {}", crate::event::TYPES.join(", ")),
            ));
        }
    }
    Ok(())
}

/// The events the filter arguments ask for, of any session (the caller
/// names one when it needs to): a usage error comes before any look at the
/// store.
pub fn event_filter(f: &FilterArgs, limit: Option<usize>) -> Result<store::EventFilter> {
    Ok(store::EventFilter {
        session: None,
        types: f.types.clone(),
        since_ms: when(&f.since)?,
        until_ms: when(&f.until)?,
        after_n: None,
        limit,
        who: f.who.who(),
    })
}
