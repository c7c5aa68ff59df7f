//! Where an event goes: the store of the command's directory, and the git
//! repository it ran in. Lookups are cached for a second, so that a burst of
//! commands costs a few stat calls, and a new `devtrace init` is seen soon.

use crate::store::{self, Store};
use anyhow::Result;
use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct Router {
    stores: HashMap<PathBuf, (PathBuf, Instant)>,
    repos: HashMap<PathBuf, (Option<String>, Instant)>,
    open: HashMap<PathBuf, Store>,
}

/// The root of the git work tree holding `dir`, if any.
pub fn repo_root(dir: &Path) -> Option<String> {
    dir.ancestors()
        .find(|a| a.join(".git").exists())
        .map(|a| a.to_string_lossy().into_owned())
}

impl Router {
    /// The store of a directory as a record carries it (bytes).
    pub fn store_for_bytes(&mut self, cwd: &[u8]) -> PathBuf {
        self.store_for(Path::new(std::ffi::OsStr::from_bytes(cwd)))
    }

    pub fn store_for(&mut self, cwd: &Path) -> PathBuf {
        if let Some((dir, at)) = self.stores.get(cwd) {
            if at.elapsed() < TTL {
                return dir.clone();
            }
        }
        let dir = store::dir_for(cwd);
        self.stores
            .insert(cwd.to_path_buf(), (dir.clone(), Instant::now()));
        dir
    }

    pub fn repo_for(&mut self, cwd: &Path) -> Option<String> {
        if let Some((repo, at)) = self.repos.get(cwd) {
            if at.elapsed() < TTL {
                return repo.clone();
            }
        }
        let repo = repo_root(cwd);
        self.repos
            .insert(cwd.to_path_buf(), (repo.clone(), Instant::now()));
        repo
    }

    /// An open store for `dir`, creating the global store on first use.
    pub fn open(&mut self, dir: &Path) -> Result<&mut Store> {
        if !self.open.contains_key(dir) {
            if dir == store::global_dir() {
                store::create_dir(dir)?;
            }
            let s = Store::open(dir)?;
            // Known to `devtrace stats --global` from now on.
            let _ = store::register(dir);
            self.open.insert(dir.to_path_buf(), s);
        }
        Ok(self.open.get_mut(dir).expect("inserted above"))
    }

    /// Forgets an open store (after an error, or when it was removed).
    pub fn close(&mut self, dir: &Path) {
        self.open.remove(dir);
    }
}
