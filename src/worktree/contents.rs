//! Reading the files a look finds changed: their entries (content ids),
//! from the earlier state while their ctime says they did not change, else
//! from the git index on a first look, else read now and kept in
//! `.devtrace/git`.

use super::change::Entry;
use super::files::Files;
use super::index_hint::IndexHint;
use super::objects::MODE_LINK;
use super::scan::{Scan, Seen};
use super::state::{Tracker, MARGIN};
use crate::timestamp::Ctime;
use git2::{ObjectType, Oid};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

fn ctime_of(path: &Path) -> Ctime {
    std::fs::symlink_metadata(path)
        .map(|m| Ctime::from_parts(m.ctime(), m.ctime_nsec()))
        .unwrap_or_default()
}

impl Tracker {
    /// The entry of each file seen: the earlier one while its ctime says it
    /// has not changed, else the index's where it matches (first scan),
    /// else its content read now. None: unreadable, and not known before.
    pub(super) fn entries(
        &self,
        seen: &mut Scan,
        old: &Files,
        hint: Option<&IndexHint>,
        head_tree: Option<&git2::Tree>,
        pump: &mut dyn FnMut(),
    ) -> Vec<Option<Entry>> {
        let mut entries: Vec<Option<Entry>> = Vec::with_capacity(seen.files.len());
        for f in seen.files.iter_mut() {
            let old = old.get(&f.path);
            let fresh = match (old, self.scanned) {
                (Some(o), Some(t)) if f.ctime < t.saturating_sub(MARGIN) && o.mode == f.mode => {
                    Some(o)
                }
                _ => None,
            };
            let entry = match fresh {
                Some(e) => Some(e),
                None => match hint.and_then(|h| h.matching(f, &self.objects)) {
                    Some(e) => Some(e),
                    None => match self.hash(f, head_tree, pump) {
                        Some((e, ctime)) => {
                            // Written while we read it: the content is the
                            // newer one, and so must its time be.
                            f.ctime = f.ctime.max(ctime);
                            Some(e)
                        }
                        // Unreadable now: keep what we knew.
                        None => old,
                    },
                },
            };
            entries.push(entry);
        }
        entries
    }

    /// Reads a file whose metadata changed, and keeps its content unless
    /// the checked-out commit already holds it at that path.
    fn hash(
        &self,
        f: &Seen,
        head: Option<&git2::Tree>,
        pump: &mut dyn FnMut(),
    ) -> Option<(Entry, Ctime)> {
        pump();
        let full = self.root.join(std::ffi::OsStr::from_bytes(&f.path));
        let data = if f.mode == MODE_LINK {
            std::fs::read_link(&full)
                .ok()?
                .as_os_str()
                .as_bytes()
                .to_vec()
        } else if f.size > self.limits.max_file_bytes {
            // Too large to keep: its identity still tells change from none.
            let oid = Oid::hash_file(ObjectType::Blob, &full).ok()?;
            return Some((Entry { oid, mode: f.mode }, ctime_of(&full)));
        } else {
            std::fs::read(&full).ok()?
        };
        let ctime = ctime_of(&full);
        let oid = Oid::hash_object(ObjectType::Blob, &data).ok()?;
        let shared = head
            .and_then(|t| {
                t.get_path(Path::new(std::ffi::OsStr::from_bytes(&f.path)))
                    .ok()
            })
            .is_some_and(|e| e.id() == oid);
        let budget = self.kept_bytes.get() + data.len() as u64 <= self.limits.max_scan_bytes;
        if !shared && budget {
            self.objects.write(ObjectType::Blob, &data).ok()?;
            self.kept_bytes
                .set(self.kept_bytes.get() + data.len() as u64);
        }
        Some((Entry { oid, mode: f.mode }, ctime))
    }
}
