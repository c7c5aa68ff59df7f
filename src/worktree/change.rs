//! A file's change between two states, and how changes found apart are
//! folded together: one file changed twice is one change, a change undone
//! is none, and a deletion and an addition of the same content are a rename.

use super::files::Files;
use super::scan::{self, Scan, Seen};
use crate::event::ChangeKind;
use crate::timestamp::Ctime;
use git2::{ObjectType, Oid};
use std::collections::{HashMap, HashSet};

pub use super::files::Entry;

/// One file's change: `old` and `new` are None for an addition and a
/// deletion; `from` is the old path of a rename.
#[derive(Debug, Clone)]
pub struct Change {
    pub path: Vec<u8>,
    pub from: Option<Vec<u8>>,
    pub old: Option<Entry>,
    pub new: Option<Entry>,
    /// When its last write was stamped (the kernel's ctime).
    pub ctime: Ctime,
    /// The look at the tree before the one that found it: none of its
    /// writes can be older (EPOCH: no earlier look).
    pub after: Ctime,
    /// When the look that found it ended: all its writes are older.
    pub seen: Ctime,
    /// How many whole writes (a write closed, a create, delete or move) the
    /// kernel reported for it between the two looks; 0 when unknown.
    pub writes: u32,
    /// The steps that made it, each with its own time, when the kernel
    /// proves them (see `steps.rs`); empty when unknown.
    pub steps: Vec<Change>,
}

impl Change {
    pub fn kind(&self) -> ChangeKind {
        match (&self.old, &self.new, &self.from) {
            (None, _, _) => ChangeKind::Added,
            (_, None, _) => ChangeKind::Deleted,
            (_, _, Some(_)) => ChangeKind::Renamed,
            _ => ChangeKind::Modified,
        }
    }
}

/// The changes between two scans: files of `old` gone from `base` (the
/// state now) and files added (paired into renames where the content is
/// the same), and files modified.
pub(super) fn later_changes(
    seen: &Scan,
    old: &Files,
    base: &Files,
    added: Vec<(&Seen, Entry)>,
    modified: Vec<(&Seen, Entry, Entry)>,
    t0: Ctime,
) -> Vec<Change> {
    let deleted: Vec<(&[u8], Entry)> = old.iter().filter(|(p, _)| !base.contains(p)).collect();
    let mut changes = pair_renames(seen, deleted, added, t0);
    for (f, o, e) in modified {
        changes.push(Change {
            path: f.path.clone(),
            from: None,
            old: Some(o),
            new: Some(e),
            ctime: f.ctime,
            after: Ctime::EPOCH,
            seen: Ctime::EPOCH,
            writes: 0,
            steps: Vec::new(),
        });
    }
    changes
}

/// Deleted and added files with the same content are renames.
fn pair_renames(
    seen: &Scan,
    deleted: Vec<(&[u8], Entry)>,
    added: Vec<(&Seen, Entry)>,
    t0: Ctime,
) -> Vec<Change> {
    let empty = Oid::hash_object(ObjectType::Blob, b"").ok();
    let mut by_oid: HashMap<Oid, Vec<usize>> = HashMap::new();
    for (i, (_, e)) in deleted.iter().enumerate() {
        if Some(e.oid) != empty {
            by_oid.entry(e.oid).or_default().push(i);
        }
    }
    let mut used = HashSet::new();
    let mut out = Vec::new();
    for (f, e) in added {
        let from = by_oid.get_mut(&e.oid).and_then(|v| {
            if v.is_empty() {
                None
            } else {
                Some(v.remove(0))
            }
        });
        if let Some(i) = from {
            used.insert(i);
        }
        out.push(Change {
            path: f.path.clone(),
            from: from.map(|i| deleted[i].0.to_vec()),
            old: from.map(|i| deleted[i].1),
            new: Some(e),
            ctime: f.ctime,
            after: Ctime::EPOCH,
            seen: Ctime::EPOCH,
            writes: 0,
            steps: Vec::new(),
        });
    }
    for (i, (p, e)) in deleted.iter().enumerate() {
        if used.contains(&i) {
            continue;
        }
        out.push(Change {
            path: p.to_vec(),
            from: None,
            old: Some(*e),
            new: None,
            ctime: scan::parent_ctime(seen, p).unwrap_or(t0),
            after: Ctime::EPOCH,
            seen: Ctime::EPOCH,
            writes: 0,
            steps: Vec::new(),
        });
    }
    out
}

/// On a first scan, an addition and a deletion with the same content are a
/// rename too.
pub(super) fn pair_moves(changes: Vec<Change>) -> Vec<Change> {
    let (gone, rest): (Vec<Change>, Vec<Change>) =
        changes.into_iter().partition(|c| c.new.is_none());
    let mut gone: Vec<Option<Change>> = gone.into_iter().map(Some).collect();
    let empty = Oid::hash_object(ObjectType::Blob, b"").ok();
    let mut out = Vec::new();
    for mut c in rest {
        if c.old.is_none() {
            let hit = gone.iter_mut().find(|g| {
                g.as_ref().is_some_and(|g| {
                    g.old.map(|e| e.oid) == c.new.map(|e| e.oid)
                        && Some(g.old.map_or(Oid::zero(), |e| e.oid)) != empty
                })
            });
            if let Some(g) = hit.and_then(Option::take) {
                c.from = Some(g.path);
                c.old = g.old;
            }
        }
        out.push(c);
    }
    out.extend(gone.into_iter().flatten());
    out
}

/// Folds several changes of one file into one, oldest first.
pub fn merge(changes: Vec<Change>) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::new();
    let mut at: HashMap<Vec<u8>, usize> = HashMap::new();
    for c in changes {
        match at.get(&c.path).copied() {
            // Changed again, or deleted and made again: one change.
            Some(i) if out[i].new.is_some() || c.old.is_none() => {
                let prev = &mut out[i];
                prev.new = c.new;
                prev.ctime = c.ctime;
                prev.after = prev.after.min(c.after);
                prev.seen = prev.seen.max(c.seen);
                prev.writes = 0; // several changes: not one write
                prev.steps.clear();
                if c.from.is_some() && prev.from.is_none() {
                    prev.from = c.from;
                }
            }
            _ => {
                // A rename of a file changed earlier in the window continues it.
                let src = c.from.as_ref().and_then(|f| at.get(f).copied());
                match src {
                    Some(i) if out[i].new.is_some() => {
                        let prev = out[i].clone();
                        out[i].new = None; // moved away
                        out[i].path = Vec::new();
                        at.remove(&prev.path);
                        at.insert(c.path.clone(), out.len());
                        out.push(Change {
                            path: c.path,
                            from: prev.from.or(Some(prev.path)),
                            old: prev.old,
                            new: c.new,
                            ctime: c.ctime,
                            after: prev.after.min(c.after),
                            seen: prev.seen.max(c.seen),
                            writes: 0,
                            steps: Vec::new(),
                        });
                    }
                    _ => {
                        at.insert(c.path.clone(), out.len());
                        out.push(c);
                    }
                }
            }
        }
    }
    let merged: Vec<Change> = out
        .into_iter()
        .filter(|c| !c.path.is_empty())
        .filter_map(|mut c| {
            if c.new.is_none() {
                if let Some(f) = c.from.take() {
                    c.path = f; // renamed, then deleted: the original is gone
                }
            }
            if c.old.is_none() && c.new.is_none() {
                return None; // added, then deleted
            }
            if c.old == c.new && c.from.is_none() {
                return None; // changed, then changed back
            }
            if c.from.as_ref() == Some(&c.path) {
                c.from = None;
                if c.old == c.new {
                    return None;
                }
            }
            Some(c)
        })
        .collect();
    // A deletion and an addition of the same content, seen apart (a scan
    // that walked past a rename halfway), are one rename.
    pair_moves(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(s: &str) -> Option<Entry> {
        Some(Entry {
            oid: Oid::hash_object(ObjectType::Blob, s.as_bytes()).unwrap(),
            mode: super::super::objects::MODE_FILE,
        })
    }

    fn ch(path: &str, from: Option<&str>, old: Option<Entry>, new: Option<Entry>) -> Change {
        Change {
            path: path.into(),
            from: from.map(Into::into),
            old,
            new,
            ctime: Ctime::EPOCH,
            after: Ctime::EPOCH,
            seen: Ctime::EPOCH,
            writes: 0,
            steps: Vec::new(),
        }
    }

    #[test]
    fn merge_folds_a_file_changed_twice_and_drops_reverts() {
        let m = merge(vec![
            ch("a", None, oid("1"), oid("2")),
            ch("a", None, oid("2"), oid("3")),
            ch("b", None, oid("1"), oid("2")),
            ch("b", None, oid("2"), oid("1")),
            ch("c", None, None, oid("x")),
            ch("c", None, oid("x"), None),
        ]);
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].old, m[0].new), (oid("1"), oid("3")));
    }

    #[test]
    fn merge_follows_renames() {
        let m = merge(vec![
            ch("b", Some("a"), oid("1"), oid("1")),
            ch("b", None, oid("1"), oid("2")),
        ]);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].kind().as_str(), "renamed");
        assert_eq!(m[0].from.as_deref(), Some(&b"a"[..]));
        let m = merge(vec![
            ch("a", None, oid("1"), oid("2")),
            ch("b", Some("a"), oid("2"), oid("2")),
        ]);
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].kind().as_str(), m[0].old), ("renamed", oid("1")));
        let m = merge(vec![
            ch("b", Some("a"), oid("1"), oid("1")),
            ch("b", None, oid("1"), None),
        ]);
        assert_eq!(
            (m.len(), m[0].kind().as_str(), m[0].path.as_slice()),
            (1, "deleted", &b"a"[..])
        );
    }
}
