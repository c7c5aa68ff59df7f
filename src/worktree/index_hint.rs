//! The user's git index as a cache of content ids, for a first scan.

use super::change::{Change, Entry};
use super::files::Files;
use super::objects::Objects;
use super::scan::{self, Scan, Seen};
use crate::timestamp::Ctime;
use std::collections::HashSet;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;

/// The user's index as a cache of content ids: a file whose size, mtime,
/// inode and mode match its index entry (and was not written in the same
/// instant as the index) has the entry's content. Spares reading every
/// tracked file on the first scan.
pub(super) struct IndexHint {
    /// Looked up in place: a copy of its entries by path took 150 bytes a
    /// file more at a first scan's peak (150 MB for 1,000,000 files).
    index: git2::Index,
    index_mtime: (i64, i64),
    staged: HashSet<Vec<u8>>,
}

impl IndexHint {
    pub(super) fn load(objects: &Objects, head: Option<&git2::Tree>) -> Option<IndexHint> {
        let repo = objects.user()?;
        // Opened apart from `repo`, which would keep it (the whole index,
        // ~150 bytes a file) for as long as ingest runs.
        let index = git2::Index::open(&repo.path().join("index")).ok()?;
        let meta = std::fs::metadata(repo.path().join("index")).ok()?;
        let staged = repo
            .diff_tree_to_index(head, Some(&index), None)
            .ok()?
            .deltas()
            .filter_map(|d| d.new_file().path_bytes().map(<[u8]>::to_vec))
            .collect();
        Some(IndexHint {
            index,
            index_mtime: (meta.mtime(), meta.mtime_nsec()),
            staged,
        })
    }

    /// The index's entry of `path` (stage 0: conflicted paths have none).
    fn entry(&self, path: &[u8]) -> Option<git2::IndexEntry> {
        self.index
            .get_path(std::path::Path::new(std::ffi::OsStr::from_bytes(path)), 0)
    }

    pub(super) fn matching(&self, f: &Seen, objects: &Objects) -> Option<Entry> {
        let e = self.entry(&f.path)?;
        let mtime = (e.mtime.seconds() as i64, e.mtime.nanoseconds() as i64);
        let same = mtime == f.mtime
            && e.file_size == f.size as u32
            && e.ino == f.ino as u32
            && e.mode == f.mode
            && mtime < self.index_mtime;
        if !same {
            return None;
        }
        if self.staged.contains(&f.path) && objects.keep(e.id).is_err() {
            return None;
        }
        Some(Entry {
            oid: e.id,
            mode: f.mode,
        })
    }

    /// The changes a first scan can tell, from what the index knew (`hint`):
    /// the files added since `since` whose content the index did not have, and
    /// the files the index had that are gone from `base`, the state now.
    pub(super) fn first_scan_changes(
        &self,
        since: Ctime,
        added: &[(&Seen, Entry)],
        seen: &Scan,
        base: &Files,
        t0: Ctime,
    ) -> Vec<Change> {
        let mut first_changes = Vec::new();
        for (f, e) in added {
            if f.ctime <= since {
                continue;
            }
            let old = self.entry(&f.path).map(|ie| Entry {
                oid: ie.id,
                mode: ie.mode,
            });
            if old != Some(*e) {
                first_changes.push(Change {
                    path: f.path.clone(),
                    from: None,
                    old,
                    new: Some(*e),
                    ctime: f.ctime,
                    after: Ctime::EPOCH,
                    seen: Ctime::EPOCH,
                    writes: 0,
                    steps: Vec::new(),
                });
            }
        }
        for ie in self.index.iter().filter(|e| (e.flags >> 12) & 3 == 0) {
            let p = &ie.path;
            let dir_t = scan::parent_ctime(seen, p).unwrap_or(t0);
            if !base.contains(p) && dir_t > since {
                first_changes.push(Change {
                    path: p.clone(),
                    from: None,
                    old: Some(Entry {
                        oid: ie.id,
                        mode: ie.mode,
                    }),
                    new: None,
                    ctime: dir_t,
                    after: Ctime::EPOCH,
                    seen: Ctime::EPOCH,
                    writes: 0,
                    steps: Vec::new(),
                });
            }
        }
        first_changes
    }
}
