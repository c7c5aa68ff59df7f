//! A tracker's state on disk: the tree of the last look, written into
//! `.devtrace/git` like a snapshot's and named in `devtrace-baseline` with
//! the time the look began, so that a restarted ingest starts from it.

use super::change::Entry;
use super::memory::give_back_memory;
use super::objects::{self, MODE_TREE};
use super::state::Tracker;
use crate::timestamp::Ctime;
use anyhow::Result;
use git2::{ObjectType, Oid};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

const BASELINE_FILE: &str = "devtrace-baseline";
const SAVE_EVERY: Duration = Duration::from_secs(5);

#[derive(Serialize, Deserialize)]
struct Saved {
    tree: String,
    #[serde(rename = "scanned_ns", with = "crate::timestamp::ctime_ns")]
    scanned: Ctime,
}

impl Tracker {
    /// Starts from the state the last ingest saved, if any (else the next
    /// look is a first one).
    pub(super) fn load_saved(&mut self) {
        let saved: Option<Saved> = std::fs::read(self.baseline_path())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        if let Some(s) = saved {
            if let Ok(tree) = Oid::from_str(&s.tree) {
                let mut base = Vec::new();
                if self.load_tree(tree, &mut Vec::new(), &mut base) {
                    // Git orders a directory as its name and a '/', which
                    // is byte order of the whole paths; sorted anyway.
                    base.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                    base.dedup_by(|b, a| a.0 == b.0);
                    self.base = base.iter().map(|(p, e)| (p.as_slice(), *e)).collect();
                    self.scanned = Some(s.scanned);
                }
                drop(base);
                give_back_memory();
            }
        }
    }

    fn baseline_path(&self) -> PathBuf {
        Tracker::baseline_path_of(&self.store_dir)
    }

    /// Where the state of the store in `store_dir` is saved.
    pub fn baseline_path_of(store_dir: &Path) -> PathBuf {
        store_dir.join(objects::DIR).join(BASELINE_FILE)
    }

    fn load_tree(&self, tree: Oid, prefix: &mut Vec<u8>, out: &mut Vec<(Vec<u8>, Entry)>) -> bool {
        let Some((ObjectType::Tree, data)) = self.objects.read(tree) else {
            return false;
        };
        for (name, mode, oid) in objects::parse_tree(&data) {
            let len = prefix.len();
            if !prefix.is_empty() {
                prefix.push(b'/');
            }
            prefix.extend_from_slice(&name);
            let ok = if mode == MODE_TREE {
                self.load_tree(oid, prefix, out)
            } else {
                out.push((prefix.clone(), Entry { oid, mode }));
                true
            };
            prefix.truncate(len);
            if !ok {
                return false;
            }
        }
        true
    }

    /// Saves the state now and then, not after every command: when it
    /// changed, and the last save is old (or there was none yet, or `soon`
    /// asked for one). Call it once what the scans found is stored: a
    /// restarted ingest starts from the saved state.
    pub fn save_due(&mut self) -> Result<()> {
        let due = self.soon
            || self.saved == Ctime::EPOCH
            || self.saved.saturating_add(SAVE_EVERY) < Ctime::now();
        if due {
            self.save()?;
        }
        Ok(())
    }

    /// Asks the next [`save_due`](Self::save_due) to save.
    pub fn save_soon(&mut self) {
        self.soon = true;
    }

    /// Saves the last scanned state, for the next ingest to start from,
    /// with the changes not claimed yet undone (and the look dated before
    /// them): they are not stored yet, and an ingest that starts from this
    /// state finds them again rather than taking them for the old state.
    /// Changes already stored may be found again from an older state; the
    /// store drops what it already has.
    pub fn save(&mut self) -> Result<()> {
        let Some(scanned) = self.scanned.filter(|_| self.unsaved) else {
            return Ok(());
        };
        let tree = self.write_tree(&self.unclaimed)?;
        let first_unclaimed = self
            .unclaimed
            .iter()
            .map(|c| c.after)
            .chain(self.deferred.floor())
            .min();
        let saved = Saved {
            tree: tree.to_string(),
            scanned: first_unclaimed.map_or(scanned, |a| a.min(scanned)),
        };
        crate::runtime::write_atomic(&self.baseline_path(), &serde_json::to_vec(&saved)?)?;
        // Saved again once the unclaimed changes are stored.
        self.unsaved = !self.unclaimed.is_empty();
        self.soon = false;
        self.saved = Ctime::now();
        // Writing the trees took a table of every file for a moment, and
        // mapped the packs of the user's repository.
        self.objects.reopen_user();
        give_back_memory();
        Ok(())
    }
}
