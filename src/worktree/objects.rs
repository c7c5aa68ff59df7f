//! DevTrace's own object store, `.devtrace/git`: a bare git repository that
//! keeps the file contents and trees of snapshots and per-command changes.
//!
//! Objects the user's repository already holds in its checked-out commit
//! are shared, never copied: a snapshot's tree may point at them. Anything
//! else (edited, staged or untracked contents) is written here, so that
//! `git gc --prune=now` in the user's repository cannot take it away.
//! Nothing in this module ever writes to the user's repository.

use anyhow::{Context, Result};
use git2::{ObjectType, Oid, Repository};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

pub const DIR: &str = "git";

/// Git file modes as they appear in trees.
pub const MODE_FILE: u32 = 0o100644;
pub const MODE_EXEC: u32 = 0o100755;
pub const MODE_LINK: u32 = 0o120000;
pub const MODE_TREE: u32 = 0o040000;

pub struct Objects {
    own: Repository,
    own_dir: PathBuf,
    /// The user's repository, when the tracked root is its work tree.
    user: Option<Repository>,
    root: PathBuf,
}

impl Objects {
    /// Opens (creating on first use) the object store of the store in
    /// `store_dir`, whose tracked files live under `root`.
    pub fn open(store_dir: &Path, root: &Path) -> Result<Objects> {
        let own_dir = store_dir.join(DIR);
        let own = if own_dir.join("objects").is_dir() {
            Repository::open_bare(&own_dir)
        } else {
            let _ = std::fs::DirBuilder::new().mode(0o700).create(&own_dir);
            Repository::init_bare(&own_dir)
        }
        .with_context(|| format!("could not open the object store {}", own_dir.display()))?;
        Ok(Objects {
            own,
            own_dir,
            user: user_repo(root),
            root: root.to_path_buf(),
        })
    }

    /// Opens the user's repository anew: the old one kept every pack file
    /// it read mapped (5 MB for 100,000 files) for as long as ingest ran.
    pub fn reopen_user(&mut self) {
        if self.user.is_some() {
            self.user = None;
            self.user = user_repo(&self.root);
        }
    }

    pub fn user(&self) -> Option<&Repository> {
        self.user.as_ref()
    }

    /// Writes an object into DevTrace's store (a no-op when it is there).
    pub fn write(&self, kind: ObjectType, data: &[u8]) -> Result<Oid> {
        let odb = self.own.odb()?;
        let oid = Oid::hash_object(kind, data)?;
        if !odb.exists(oid) {
            odb.write(kind, data)
                .context("could not write to the object store")?;
        }
        Ok(oid)
    }

    /// Reads an object from DevTrace's store, else from the user's.
    pub fn read(&self, oid: Oid) -> Option<(ObjectType, Vec<u8>)> {
        for repo in std::iter::once(&self.own).chain(self.user.as_ref()) {
            if let Ok(odb) = repo.odb() {
                if let Ok(obj) = odb.read(oid) {
                    return Some((obj.kind(), obj.data().to_vec()));
                }
            }
        }
        None
    }

    /// Copies an object of the user's repository into DevTrace's store.
    pub fn keep(&self, oid: Oid) -> Result<()> {
        if self.own.odb()?.exists(oid) {
            return Ok(());
        }
        if let Some((kind, data)) = self.read(oid) {
            self.write(kind, &data)?;
        }
        Ok(())
    }

    /// A repository that reads both stores (DevTrace's first), for diffs.
    /// Opened anew so that the writer never sees the user's objects.
    pub fn reader(&self) -> Result<Repository> {
        let r = Repository::open_bare(&self.own_dir)?;
        if let Some(u) = &self.user {
            r.odb()?
                .add_disk_alternate(&u.commondir().join("objects").to_string_lossy())?;
        }
        Ok(r)
    }

    /// The user's HEAD commit and branch name, if any.
    pub fn head(&self) -> (Option<Oid>, Option<String>) {
        let Some(u) = &self.user else {
            return (None, None);
        };
        let Ok(head) = u.head() else {
            return (None, None);
        };
        let branch = head
            .is_branch()
            .then(|| head.shorthand().map(str::to_owned))
            .flatten();
        (head.peel_to_commit().ok().map(|c| c.id()), branch)
    }
}

/// The user's repository, only when `root` is its work tree (a store in a
/// subdirectory of a repository tracks its files without sharing objects).
fn user_repo(root: &Path) -> Option<Repository> {
    let repo = Repository::open(root).ok()?;
    let wd = repo.workdir()?.canonicalize().ok()?;
    (wd == root.canonicalize().ok()?).then_some(repo)
}

/// The bytes of a git tree object; `entries` sorted by name as git sorts
/// them (a directory compares as `name/`).
pub fn tree_bytes(entries: &[(&[u8], u32, Oid)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * 40);
    for (name, mode, oid) in entries {
        out.extend_from_slice(format!("{mode:o}").as_bytes());
        out.push(b' ');
        out.extend_from_slice(name);
        out.push(0);
        out.extend_from_slice(oid.as_bytes());
    }
    out
}

/// The bytes of a commit object holding a snapshot's tree.
pub fn commit_bytes(tree: Oid, at_secs: i64, message: &str) -> Vec<u8> {
    let who = format!("DevTrace <devtrace@localhost> {at_secs} +0000");
    format!("tree {tree}\nauthor {who}\ncommitter {who}\n\n{message}\n").into_bytes()
}

/// The entries of a tree object: (name, mode, oid).
pub fn parse_tree(data: &[u8]) -> Vec<(Vec<u8>, u32, Oid)> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(sp) = rest.iter().position(|&b| b == b' ') {
        let Some(nul) = rest[sp..].iter().position(|&b| b == 0).map(|i| sp + i) else {
            break;
        };
        if rest.len() < nul + 21 {
            break;
        }
        let mode = std::str::from_utf8(&rest[..sp])
            .ok()
            .and_then(|m| u32::from_str_radix(m, 8).ok())
            .unwrap_or(0);
        let name = rest[sp + 1..nul].to_vec();
        let Ok(oid) = Oid::from_bytes(&rest[nul + 1..nul + 21]) else {
            break;
        };
        out.push((name, mode, oid));
        rest = &rest[nul + 21..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_bytes_round_trip_and_match_git() {
        let blob = Oid::hash_object(ObjectType::Blob, b"hi\n").unwrap();
        let bytes = tree_bytes(&[(b"a.txt", MODE_FILE, blob), (b"run", MODE_EXEC, blob)]);
        let parsed = parse_tree(&bytes);
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[1], (b"run".to_vec(), MODE_EXEC, blob));
        // The same tree as `git mktree` makes for these entries.
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let mut tb = repo.treebuilder(None).unwrap();
        repo.blob(b"hi\n").unwrap();
        tb.insert("a.txt", blob, 0o100644).unwrap();
        tb.insert("run", blob, 0o100755).unwrap();
        let want = tb.write().unwrap();
        assert_eq!(Oid::hash_object(ObjectType::Tree, &bytes).unwrap(), want);
    }
}
