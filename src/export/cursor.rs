//! What each endpoint has acknowledged: `.devtrace/export-state.json`, one
//! cursor per endpoint URL, replaced atomically and advanced only after a
//! 2xx answer. A crash between the answer and the write re-sends one batch
//! (with the same span ids); nothing acknowledged is sent twice otherwise,
//! and nothing is skipped.

use anyhow::{Context, Result};
use fs2::FileExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const FILE: &str = "export-state.json";

/// One endpoint's progress.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Cursor {
    /// The store position of the last event acknowledged.
    pub n: i64,
    /// That event's id: the position is found again by it after a reindex.
    pub id: Option<String>,
    pub events: u64,
    pub spans: u64,
    pub last_ok: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    pub endpoints: BTreeMap<String, Cursor>,
}

fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

pub fn load(dir: &Path) -> Result<State> {
    let p = path(dir);
    match std::fs::read(&p) {
        Ok(b) => serde_json::from_slice(&b).with_context(|| {
            format!(
                "{} is damaged; remove it to export everything again",
                p.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
        Err(e) => Err(e).with_context(|| format!("could not read {}", p.display())),
    }
}

/// Changes one endpoint's cursor: read, change, replace, under the state's
/// lock (several endpoints' exports may write at once).
pub fn update(dir: &Path, url: &str, f: impl FnOnce(&mut Cursor)) -> Result<()> {
    let lock = lock_file(dir, "export-state.lock")?;
    lock.lock_exclusive()?;
    let mut state = load(dir)?;
    f(state.endpoints.entry(url.to_owned()).or_default());
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(serde_json::to_string_pretty(&state)?.as_bytes())?;
    tmp.write_all(b"\n")?;
    // No fsync, as for the store: a crash of the exporter loses nothing
    // (the page cache keeps the file); after a power loss at worst one
    // batch is sent again, with the same span ids.
    tmp.persist(path(dir))
        .with_context(|| format!("could not write {}", path(dir).display()))?;
    let _ = FileExt::unlock(&lock);
    Ok(())
}

fn lock_file(dir: &Path, name: &str) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(dir.join(name))
        .with_context(|| format!("could not open {}", dir.join(name).display()))
}

/// Held while one export sends to an endpoint: a second export to the same
/// endpoint from this store is refused (it would send the same events).
pub struct Running(#[allow(dead_code)] File);

pub fn running(dir: &Path, url: &str) -> Result<Running> {
    let name = format!(
        "export-{}.lock",
        super::span::hex(&super::span::event_span_id(url))
    );
    let f = lock_file(dir, &name)?;
    if f.try_lock_exclusive().is_err() {
        return Err(crate::fail(
            format!("another export to {url} is running from this store"),
            "stop it first (a --follow export keeps running until stopped)",
        ));
    }
    Ok(Running(f))
}
