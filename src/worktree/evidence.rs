//! What the kernel's reports say of when a change was made, beyond the
//! two looks around it: how many whole writes made it (one write was made
//! when it was stamped), and whether it lies in a directory made since the
//! look before (then nothing of it is older than that directory).

use super::change::Change;
use super::watch::Ops;
use crate::timestamp::Ctime;
use std::collections::HashMap;

/// The directory part of a relative path ("" for the top).
pub(super) fn parent(p: &[u8]) -> &[u8] {
    p.iter()
        .rposition(|&b| b == b'/')
        .map_or(&[][..], |i| &p[..i])
}

/// The entries a move renamed: `a/b/c` → `z/b/c` moved `a` to `z`.
fn moved_entries<'a>(from: &'a [u8], to: &'a [u8]) -> (&'a [u8], &'a [u8]) {
    let (mut f, mut t) = (from, to);
    while let (Some(i), Some(j)) = (
        f.iter().rposition(|&b| b == b'/'),
        t.iter().rposition(|&b| b == b'/'),
    ) {
        if f[i..] != t[j..] {
            break;
        }
        (f, t) = (&f[..i], &t[..j]);
    }
    (f, t)
}

pub struct Evidence<'a> {
    pub ops: &'a HashMap<Vec<u8>, Ops>,
    /// The ctimes of the directories the look read.
    pub dirs: &'a HashMap<Vec<u8>, Ctime>,
}

impl Evidence<'_> {
    fn writes(&self, p: &[u8]) -> u32 {
        self.ops.get(p).map_or(0, |o| o.count())
    }

    /// Entries made, removed or moved in directory `dir` since the look.
    fn entries_in(&self, dir: &[u8]) -> u32 {
        self.ops
            .iter()
            .filter(|(p, _)| parent(p) == dir)
            .map(|(_, o)| o.entries)
            .sum()
    }

    /// When the directory entry `p` was made or removed, if that was the
    /// only entry change in its directory (whose ctime then says when).
    fn entry_time(&self, p: &[u8]) -> Option<Ctime> {
        let dir = parent(p);
        (self.entries_in(dir) == 1).then(|| self.dirs.get(dir).copied())?
    }

    /// Sets what the reports say of `c`: its whole writes, and a later
    /// `after` when it lies in a directory made since the look before.
    pub fn apply(&self, c: &mut Change) {
        c.writes = match &c.from {
            Some(f) => {
                // A file moved with its directory: the directory's move.
                let (f, p) = if c.old == c.new {
                    moved_entries(f, &c.path)
                } else {
                    (&f[..], &c.path[..])
                };
                u32::from(self.writes(f) == 1 && self.writes(p) == 1)
            }
            // A deletion is stamped with its directory's last change: its
            // own time only when that was the directory's one change.
            None if c.new.is_none() => match self.entry_time(&c.path) {
                Some(t) => {
                    c.ctime = t;
                    u32::from(self.writes(&c.path) == 1)
                }
                None => 0,
            },
            None => self.writes(&c.path),
        };
        // Made inside a directory made since the look before: no older
        // than that directory.
        let mut dir = parent(&c.path);
        while !dir.is_empty() {
            if self.ops.get(dir).is_some_and(|o| o.made_dir) {
                if let Some(t) = self.entry_time(dir) {
                    c.after = c.after.max(t);
                }
                break;
            }
            dir = parent(dir);
        }
    }
}
