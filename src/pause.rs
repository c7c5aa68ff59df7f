//! Pauses: spans of time in which a shell (or every shell) records nothing.
//! They live in `pauses.json` in the runtime directory; ingest drops every
//! event of a paused session whose time falls in a pause, so a backlog read
//! late is judged by when it happened, not by when ingest got to it.

use crate::runtime;
use anyhow::{Context, Result};
use fs2::FileExt;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub const FILE: &str = "pauses.json";
/// Pauses that ended longer ago than this are forgotten.
const KEEP_US: i64 = 7 * 86_400 * 1_000_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// The paused session, or `None` for every shell.
    pub session: Option<String>,
    pub from_us: i64,
    /// When it ends (`None`: at `devtrace resume`).
    pub until_us: Option<i64>,
}

impl Pause {
    pub fn covers(&self, session: &str, at_us: i64) -> bool {
        self.session.as_deref().is_none_or(|s| s == session)
            && at_us >= self.from_us
            && self.until_us.is_none_or(|u| at_us < u)
    }

    pub fn active(&self, now_us: i64) -> bool {
        now_us >= self.from_us && self.until_us.is_none_or(|u| now_us < u)
    }
}

pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// The pauses recorded in the runtime directory `dir` (none when unreadable).
pub fn load(dir: &Path) -> Vec<Pause> {
    let p = path(dir);
    if runtime::check_private(&p, false).is_err() {
        return Vec::new();
    }
    std::fs::read(&p)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Changes the pauses under a lock, and writes them back atomically.
pub fn update<T>(dir: &Path, f: impl FnOnce(&mut Vec<Pause>) -> T) -> Result<T> {
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("pauses.lock"))
        .with_context(|| format!("cannot open the pause lock in {}", dir.display()))?;
    lock.lock_exclusive()?;
    let mut pauses = load(dir);
    let out = f(&mut pauses);
    let now = runtime::now_us();
    pauses.retain(|p| p.until_us.is_none_or(|u| u > now - KEEP_US));
    runtime::write_atomic(&path(dir), &serde_json::to_vec_pretty(&pauses)?)?;
    let _ = FileExt::unlock(&lock);
    Ok(out)
}

/// What ingest keeps: the pauses, re-read when the file changes.
#[derive(Default)]
pub struct Pauses {
    stamp: Option<SystemTime>,
    list: Vec<Pause>,
}

impl Pauses {
    pub fn refresh(&mut self, dir: &Path) {
        let stamp = std::fs::metadata(path(dir)).and_then(|m| m.modified()).ok();
        if stamp != self.stamp {
            self.stamp = stamp;
            self.list = if stamp.is_some() {
                load(dir)
            } else {
                Vec::new()
            };
        }
    }

    pub fn covers(&self, session: &str, at_us: i64) -> bool {
        self.list.iter().any(|p| p.covers(session, at_us))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_covers_its_span_and_its_session() {
        let p = Pause {
            session: Some("S".into()),
            from_us: 10,
            until_us: Some(20),
        };
        assert!(p.covers("S", 10) && p.covers("S", 19));
        assert!(!p.covers("S", 9) && !p.covers("S", 20) && !p.covers("T", 15));
        let all = Pause {
            session: None,
            from_us: 10,
            until_us: None,
        };
        assert!(all.covers("T", 1_000_000) && !all.covers("T", 5));
    }
}
