//! Pauses: spans of time in which a shell (or every shell) records nothing.
//! They live in `pauses.json` in the runtime directory; ingest drops every
//! event of a paused session whose time falls in a pause, so a backlog read
//! late is judged by when it happened, not by when ingest got to it.

use crate::runtime;
use crate::timestamp::Timestamp;
use anyhow::{Context, Result};
use fs2::FileExt;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

pub const FILE: &str = "pauses.json";
/// Pauses that ended longer ago than this are forgotten.
const KEEP: Duration = Duration::from_secs(7 * 86_400);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// The paused session, or `None` for every shell.
    pub session: Option<String>,
    #[serde(rename = "from_us", with = "crate::timestamp::epoch_us")]
    pub from: Timestamp,
    /// When it ends (`None`: at `devtrace resume`).
    #[serde(rename = "until_us", default, with = "crate::timestamp::opt_epoch_us")]
    pub until: Option<Timestamp>,
}

impl Pause {
    pub fn covers(&self, session: &str, at: Timestamp) -> bool {
        self.session.as_deref().is_none_or(|s| s == session) && self.active(at)
    }

    /// Whether the pause runs at `at`.
    pub fn active(&self, at: Timestamp) -> bool {
        at >= self.from && self.until.is_none_or(|u| at < u)
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
    let now = Timestamp::now();
    pauses.retain(|p| p.until.is_none_or(|u| u.saturating_add(KEEP) > now));
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

    pub fn covers(&self, session: &str, at: Timestamp) -> bool {
        self.list.iter().any(|p| p.covers(session, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(n: i64) -> Timestamp {
        Timestamp::from_micros(n)
    }

    #[test]
    fn a_pause_covers_its_span_and_its_session() {
        let p = Pause {
            session: Some("S".into()),
            from: us(10),
            until: Some(us(20)),
        };
        assert!(p.covers("S", us(10)) && p.covers("S", us(19)));
        assert!(!p.covers("S", us(9)) && !p.covers("S", us(20)) && !p.covers("T", us(15)));
        let all = Pause {
            session: None,
            from: us(10),
            until: None,
        };
        assert!(all.covers("T", us(1_000_000)) && !all.covers("T", us(5)));
    }

    #[test]
    fn pauses_keep_their_file_form() {
        let json = r#"[{"session":"S","from_us":10,"until_us":null},{"session":null,"from_us":1,"until_us":2}]"#;
        let list: Vec<Pause> = serde_json::from_str(json).unwrap();
        assert_eq!(list[1].until, Some(us(2)));
        assert_eq!(serde_json::to_string(&list).unwrap(), json);
    }
}
