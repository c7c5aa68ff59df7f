//! Snapshots: the trees of a tracked state, written into DevTrace's object
//! store (sharing what the checked-out commit holds), and the commit that
//! names one.

use super::change::{Change, Entry};
use super::objects::{self, MODE_TREE};
use super::state::Tracker;
use anyhow::Result;
use git2::{ObjectType, Oid};
use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// A snapshot as written to the object store.
#[derive(Debug, Clone)]
pub struct SnapshotInfo {
    pub commit: Oid,
    pub tree: Oid,
    pub head: Option<Oid>,
    pub branch: Option<String>,
    pub files_changed: Option<usize>,
}

impl Tracker {
    /// Writes the tree of the current state (with `revert`, oldest first,
    /// undone: the state before those changes) and returns its id.
    pub fn write_tree(&self, revert: &[Change]) -> Result<Oid> {
        if revert.is_empty() {
            let entries: Vec<(&[u8], Entry)> = self.base.iter().collect();
            let head = self.head_tree();
            return Ok(self.build(&entries, 0, b"", head.as_ref())?.0);
        }
        let mut state: BTreeMap<&[u8], Entry> = self.base.iter().collect();
        for c in revert.iter().rev() {
            state.remove(c.path.as_slice());
            if let Some(old) = c.old {
                state.insert(c.from.as_deref().unwrap_or(&c.path), old);
            }
        }
        let entries: Vec<(&[u8], Entry)> = state.into_iter().collect();
        let head = self.head_tree();
        let (oid, _) = self.build(&entries, 0, b"", head.as_ref())?;
        Ok(oid)
    }

    /// Writes the trees for `entries` (sorted, all under `dir`, of which
    /// `skip` bytes are the directory prefix); returns the tree's id.
    fn build(
        &self,
        entries: &[(&[u8], Entry)],
        skip: usize,
        dir: &[u8],
        head: Option<&git2::Tree>,
    ) -> Result<(Oid, usize)> {
        let mut items: Vec<(&[u8], u32, Oid)> = Vec::new();
        let mut i = 0;
        while i < entries.len() {
            let rest = &entries[i].0[skip..];
            match rest.iter().position(|&b| b == b'/') {
                None => {
                    items.push((rest, entries[i].1.mode, entries[i].1.oid));
                    i += 1;
                }
                Some(slash) => {
                    let name = &rest[..slash];
                    let prefix_len = skip + slash + 1;
                    let start = i;
                    while i < entries.len()
                        && entries[i].0.len() > prefix_len
                        && entries[i].0[..prefix_len] == entries[start].0[..prefix_len]
                    {
                        i += 1;
                    }
                    let sub_dir = &entries[start].0[..prefix_len - 1];
                    let (oid, _) = self.build(&entries[start..i], prefix_len, sub_dir, head)?;
                    items.push((name, MODE_TREE, oid));
                }
            }
        }
        let bytes = objects::tree_bytes(&items);
        let oid = Oid::hash_object(ObjectType::Tree, &bytes)?;
        if self.stored_trees.borrow().contains(&oid) {
            return Ok((oid, entries.len()));
        }
        let shared = head.is_some_and(|h| {
            if dir.is_empty() {
                h.id() == oid
            } else {
                h.get_path(Path::new(std::ffi::OsStr::from_bytes(dir)))
                    .is_ok_and(|e| e.id() == oid)
            }
        });
        if !shared {
            self.objects.write(ObjectType::Tree, &bytes)?;
        }
        self.stored_trees.borrow_mut().insert(oid);
        Ok((oid, entries.len()))
    }

    /// Records a snapshot of the current state (before `revert`) as a commit
    /// in DevTrace's object store.
    pub fn snapshot(&self, label: &str, revert: &[Change]) -> Result<SnapshotInfo> {
        let tree = self.write_tree(revert)?;
        let (head, branch) = self.objects.head();
        let mut message = if label.is_empty() {
            "snapshot".to_owned()
        } else {
            label.to_owned()
        };
        if let Some(h) = head {
            message.push_str(&format!("\n\nhead: {h}"));
        }
        let secs = crate::timestamp::Timestamp::now().as_secs();
        let commit = self.objects.write(
            ObjectType::Commit,
            &objects::commit_bytes(tree, secs, &message),
        )?;
        let files_changed = match head {
            Some(h) => self.count_changed(h, tree).ok(),
            None => None,
        };
        Ok(SnapshotInfo {
            commit,
            tree,
            head,
            branch,
            files_changed,
        })
    }

    fn count_changed(&self, head: Oid, tree: Oid) -> Result<usize> {
        let r = self.objects.reader()?;
        let old = r.find_commit(head)?.tree()?;
        let new = r.find_tree(tree)?;
        let n = r
            .diff_tree_to_tree(Some(&old), Some(&new), None)?
            .deltas()
            .len();
        Ok(n)
    }
}
