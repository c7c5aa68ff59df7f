//! Which directories changed since the last scan, from inotify: one watch
//! per directory the scan walked, so that after a command only the
//! directories it touched are read again, not the whole tree. When the
//! kernel's event queue overflowed, a watch could not be added, or an ignore
//! file changed, the answer is "everything" and the next scan is a full one.
//! A thread of its own reads the events as they come (`reader.rs`), and
//! takes the contents each closed write left.

use super::reader::{self, Reader, Shared, Take};
use crate::timestamp::Ctime;
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify, WatchDescriptor};
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;

pub struct Watch {
    shared: Arc<Shared>,
    /// The thread reading `shared`'s queue; stopped when dropped.
    _reader: Option<Reader>,
    by_path: HashMap<Vec<u8>, WatchDescriptor>,
    /// A watch could not be added (the per-user limit): results are partial.
    pub broken: bool,
    /// Something happened that only a full scan can sort out.
    full: bool,
    /// Events were lost (the queue overflowed): the writes counted say
    /// nothing.
    lost: bool,
    /// The whole writes the kernel reported per path since `take_ops`.
    ops: HashMap<Vec<u8>, Ops>,
    /// Directories written while a look ran: dirty for the next one.
    carry: HashSet<Vec<u8>>,
    /// The contents closed writes left, per file, oldest first.
    takes: HashMap<Vec<u8>, Vec<Take>>,
    /// When a look last read the queue before reading the tree: every
    /// write made before is in what it read.
    drained: Ctime,
}

/// What the kernel reported of one path between two looks.
#[derive(Debug, Default, Clone, Copy)]
pub struct Ops {
    /// Writes closed, creates (of directories), deletes and moves.
    pub whole: u32,
    /// A write not closed yet (or written through a mapping), or a file
    /// made and not yet closed: the count says nothing.
    pub open: bool,
    /// Entries made, removed or moved under this name (each changes the
    /// directory's ctime).
    pub entries: u32,
    /// A directory was made under this name.
    pub made_dir: bool,
    /// Written (or moved) while the look ran: what it read may be a state in
    /// the middle of a write (`>` had emptied the file, `echo` had not yet
    /// written), though the write had closed by the time the look ended.
    pub late: bool,
}

impl Ops {
    /// The number of whole writes, or 0 when it cannot be told.
    pub fn count(self) -> u32 {
        if self.open {
            0
        } else {
            self.whole
        }
    }
}

impl Watch {
    /// A watch of the tree at `root`, with its reading thread.
    pub fn new(root: &Path) -> Option<Watch> {
        let ino = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC).ok()?;
        let shared = Arc::new(Shared::new(ino, root.to_path_buf()));
        Some(Watch {
            _reader: Reader::start(shared.clone()),
            shared,
            by_path: HashMap::new(),
            broken: false,
            full: false,
            lost: false,
            ops: HashMap::new(),
            carry: HashSet::new(),
            takes: HashMap::new(),
            drained: Ctime::EPOCH,
        })
    }

    pub fn watches(&self, rel: &[u8]) -> bool {
        self.by_path.contains_key(rel)
    }

    /// Watches the directory `rel` (relative to `root`); call before reading it.
    pub fn add(&mut self, root: &Path, rel: &[u8]) {
        if self.broken || self.by_path.contains_key(rel) {
            return;
        }
        let path = if rel.is_empty() {
            root.to_path_buf()
        } else {
            root.join(OsStr::from_bytes(rel))
        };
        match self.shared.ino.add_watch(&path, reader::flags()) {
            Ok(wd) => {
                let old = reader_lock(&self.shared).insert(wd, rel.to_vec());
                if let Some(old) = old {
                    self.by_path.remove(&old);
                }
                self.by_path.insert(rel.to_vec(), wd);
            }
            Err(nix::errno::Errno::ENOENT) | Err(nix::errno::Errno::ENOTDIR) => {}
            Err(_) => self.broken = true,
        }
    }

    /// Forgets `rel` and every directory under it (moved or removed: its
    /// watches would report under the old name).
    fn forget(&mut self, rel: &[u8]) {
        let mut prefix = rel.to_vec();
        prefix.push(b'/');
        let gone: Vec<Vec<u8>> = self
            .by_path
            .keys()
            .filter(|p| p.as_slice() == rel || p.starts_with(&prefix))
            .cloned()
            .collect();
        for p in gone {
            if let Some(wd) = self.by_path.remove(&p) {
                reader_lock(&self.shared).remove(&wd);
                let _ = self.shared.ino.rm_watch(wd);
            }
        }
    }

    /// The directories that changed since the last call, or None when only
    /// a full scan will do.
    pub fn dirty(&mut self) -> Option<HashSet<Vec<u8>>> {
        let mut dirty = std::mem::take(&mut self.carry);
        self.read(&mut dirty);
        self.drained = Ctime::now();
        if self.full || self.broken {
            return None;
        }
        Some(dirty)
    }

    /// At the end of a look: what was written while it ran counts for the
    /// changes it found (and again for the next look, whose directories it
    /// also marks). Returns the writes per path since the look began.
    pub fn finish_look(&mut self) -> HashMap<Vec<u8>, Ops> {
        let before = std::mem::take(&mut self.ops);
        let mut carry = std::mem::take(&mut self.carry);
        self.read(&mut carry);
        self.carry = carry;
        if self.lost || self.broken {
            self.ops.clear();
            self.lose_takes();
            return HashMap::new();
        }
        let mut all = before;
        for (p, late) in &self.ops {
            let o = all.entry(p.clone()).or_default();
            o.whole += late.whole;
            o.open |= late.open;
            o.entries += late.entries;
            o.made_dir |= late.made_dir;
            o.late |= late.open || late.whole > 0;
        }
        all
    }

    /// Has the next look read directory `rel` again.
    pub fn look_again(&mut self, rel: Vec<u8>) {
        self.carry.insert(rel);
    }

    /// The contents closed writes left, per file, held until a look has
    /// used them (see `steps.rs`).
    pub fn takes_mut(&mut self) -> &mut HashMap<Vec<u8>, Vec<Take>> {
        &mut self.takes
    }

    /// When the look under way read the queue, before it read the tree.
    pub fn drained(&self) -> Ctime {
        self.drained
    }

    /// Reads what the kernel queued: directories into `dirty`, writes into
    /// `ops`, contents into `takes`.
    fn read(&mut self, dirty: &mut HashSet<Vec<u8>>) {
        let inbox = self.shared.drain();
        if inbox.overflow {
            self.full = true;
            self.lost = true;
        }
        for t in inbox.takes {
            self.takes.entry(t.path.clone()).or_default().push(t);
        }
        if inbox.takes_lost {
            self.lose_takes();
        }
        {
            for ev in inbox.events {
                if ev.mask.contains(AddWatchFlags::IN_Q_OVERFLOW) {
                    self.full = true;
                    self.lost = true;
                    continue;
                }
                let Some(dir) = reader_lock(&self.shared).get(&ev.wd).cloned() else {
                    continue;
                };
                if ev.mask.intersects(
                    AddWatchFlags::IN_DELETE_SELF
                        | AddWatchFlags::IN_MOVE_SELF
                        | AddWatchFlags::IN_IGNORED,
                ) {
                    self.forget(&dir);
                    continue;
                }
                if let Some(name) = &ev.name {
                    let name = name.as_bytes();
                    self.count_op(&dir, name, ev.mask);
                    if name == b".gitignore" || name == b".ignore" {
                        self.full = true;
                    }
                    if ev.mask.contains(AddWatchFlags::IN_ISDIR)
                        && ev
                            .mask
                            .intersects(AddWatchFlags::IN_MOVED_FROM | AddWatchFlags::IN_DELETE)
                    {
                        let mut sub = dir.clone();
                        if !sub.is_empty() {
                            sub.push(b'/');
                        }
                        sub.extend_from_slice(name);
                        self.forget(&sub);
                    }
                }
                dirty.insert(dir);
            }
        }
    }

    /// Some closed write has no take: none held counts (a later run of
    /// takes begins at a new anchor).
    fn lose_takes(&mut self) {
        self.takes.clear();
    }

    fn count_op(&mut self, dir: &[u8], name: &[u8], mask: AddWatchFlags) {
        let mut path = dir.to_vec();
        if !path.is_empty() {
            path.push(b'/');
        }
        path.extend_from_slice(name);
        let op = self.ops.entry(path).or_default();
        // A file made holds a write open until its close: `> big.txt` makes
        // the file empty, and `seq` writes it later. (A link or a FIFO made
        // has no close: it is put off a look or two, then told as seen.)
        let made = mask.contains(AddWatchFlags::IN_CREATE);
        let is_dir = mask.contains(AddWatchFlags::IN_ISDIR);
        if mask.contains(AddWatchFlags::IN_MODIFY) || (made && !is_dir) {
            op.open = true;
        }
        let entry = AddWatchFlags::IN_CREATE
            | AddWatchFlags::IN_DELETE
            | AddWatchFlags::IN_MOVED_FROM
            | AddWatchFlags::IN_MOVED_TO;
        if mask.intersects(entry) {
            op.entries += 1;
        }
        if made && is_dir {
            op.made_dir = true;
        }
        let whole = AddWatchFlags::IN_CLOSE_WRITE
            | AddWatchFlags::IN_DELETE
            | AddWatchFlags::IN_MOVED_FROM
            | AddWatchFlags::IN_MOVED_TO;
        if mask.intersects(whole) {
            op.whole += 1;
            op.open = false;
        } else if made && is_dir {
            op.whole += 1;
        }
    }
}

fn reader_lock(sh: &Shared) -> std::sync::MutexGuard<'_, HashMap<WatchDescriptor, Vec<u8>>> {
    reader::lock(&sh.by_wd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_made_while_a_look_reads_the_tree_is_marked_late() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Watch::new(dir.path()).unwrap();
        w.add(dir.path(), b"");
        std::fs::write(dir.path().join("before.txt"), "one\n").unwrap();
        // The look begins: it drains the queue, then reads the tree.
        let dirty = w.dirty().unwrap();
        assert!(dirty.contains(&b""[..]), "{dirty:?}");
        std::fs::write(dir.path().join("during.txt"), "two\n").unwrap();
        let ops = w.finish_look();
        let before = ops[&b"before.txt"[..]];
        let during = ops[&b"during.txt"[..]];
        assert!(!before.late && !before.open, "{before:?}");
        assert!(during.late && !during.open, "{during:?}");
        assert_eq!(during.count(), 1);
        // The next look reads them again, and neither is late for it.
        let again = w.dirty().unwrap();
        assert!(again.contains(&b""[..]), "{again:?}");
        assert!(w.finish_look().values().all(|o| !o.late));
    }

    /// `seq 1 5000 > big.txt`: the shell makes the file, and `seq` writes
    /// it later. A look in between reads an empty file no command left.
    #[test]
    fn a_file_made_and_not_yet_closed_is_open() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Watch::new(dir.path()).unwrap();
        w.add(dir.path(), b"");
        let f = std::fs::File::create(dir.path().join("big.txt")).unwrap();
        w.dirty().unwrap();
        let made = w.finish_look()[&b"big.txt"[..]];
        assert!(made.open, "{made:?}");
        assert_eq!(made.count(), 0);
        drop(f);
        w.dirty().unwrap();
        let closed = w.finish_look()[&b"big.txt"[..]];
        assert!(!closed.open && closed.count() == 1, "{closed:?}");
    }
}
