//! The thread that reads the kernel's file events as they come, so that
//! no scan, store write or shell record delays them: it stamps each batch
//! when it has it in hand, and when a write to a file closes it takes the
//! file's contents at once ("a take"). A take counts only when the kernel
//! proves no later write touched the file before it was read: no later
//! event for it was queued, before or while it was read, and its ctime did
//! not move. Takes let a change found by a look be cut into the steps that
//! made it (see `steps.rs`), each with a narrow time of its own.
//!
//! The thread and the look share one lock: a look drains what the thread
//! read and reads the rest of the kernel's queue itself, so it never misses
//! an event the thread has in hand.

use crate::timestamp::Ctime;
use git2::{ObjectType, Oid};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::inotify::{AddWatchFlags, Inotify, InotifyEvent, WatchDescriptor};
use std::collections::{HashMap, VecDeque};
use std::ffi::OsStr;
use std::io::Read;
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// Files larger than this are not taken (their steps stay unknown).
const MAX_FILE: u64 = 1 << 20;
/// Bytes of takes held between two looks; past it, takes stop until the
/// next look (and the ones held are dropped: a missing take would hide a
/// write from the steps).
const MAX_HELD: usize = 16 << 20;
/// Events held between two looks; past it, they are dropped and the next
/// look is a full one (as when the kernel's own queue overflows).
const MAX_EVENTS: usize = 1 << 16;

/// The events each directory of the tree is watched for.
pub fn flags() -> AddWatchFlags {
    AddWatchFlags::IN_CREATE
        | AddWatchFlags::IN_DELETE
        | AddWatchFlags::IN_MODIFY
        | AddWatchFlags::IN_ATTRIB
        | AddWatchFlags::IN_CLOSE_WRITE
        | AddWatchFlags::IN_MOVED_FROM
        | AddWatchFlags::IN_MOVED_TO
        | AddWatchFlags::IN_DELETE_SELF
        | AddWatchFlags::IN_MOVE_SELF
        | AddWatchFlags::IN_ONLYDIR
        | AddWatchFlags::IN_DONT_FOLLOW
}

/// A file's contents taken when a write to it closed.
#[derive(Debug, Clone)]
pub struct Take {
    /// Relative to the tree's root.
    pub path: Vec<u8>,
    /// The id of the contents the write left; None when they could not be
    /// taken whole (a later write came first, the file is large, or the
    /// look read the event before the thread did).
    pub oid: Option<Oid>,
    /// The contents themselves, while a step may need them (an anchor
    /// keeps only their id).
    pub content: Option<Vec<u8>>,
    /// The file's ctime when it was read (EPOCH without contents).
    pub ctime: Ctime,
    /// When the close was in hand: the write was made before.
    pub seen: Ctime,
    /// Until when no later write had touched the file: the next write was
    /// made after.
    pub until: Ctime,
    /// Not a write: the file was made here (its event, in order with the
    /// takes). The steps of a new file begin at its last birth.
    pub born: bool,
}

impl Take {
    fn unknown(path: Vec<u8>, at: Ctime) -> Take {
        Take {
            path,
            oid: None,
            content: None,
            ctime: Ctime::EPOCH,
            seen: at,
            until: at,
            born: false,
        }
    }

    fn born(path: Vec<u8>, at: Ctime) -> Take {
        Take {
            born: true,
            ..Take::unknown(path, at)
        }
    }
}

/// What the thread read since the last look.
#[derive(Default)]
pub struct Inbox {
    pub events: Vec<InotifyEvent>,
    pub takes: Vec<Take>,
    bytes: usize,
    /// Events were dropped: only a full look sorts it out.
    pub overflow: bool,
    /// Takes were dropped: none of this look's counts.
    pub takes_lost: bool,
}

/// The inotify instance and what the look and the thread share of it.
pub struct Shared {
    pub ino: Inotify,
    pub by_wd: Mutex<HashMap<WatchDescriptor, Vec<u8>>>,
    inbox: Mutex<Inbox>,
    root: PathBuf,
    stop: AtomicBool,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn closed_file(ev: &InotifyEvent) -> bool {
    ev.mask.contains(AddWatchFlags::IN_CLOSE_WRITE)
        && !ev.mask.contains(AddWatchFlags::IN_ISDIR)
        && ev.name.is_some()
}

fn made_file(ev: &InotifyEvent) -> bool {
    ev.mask.contains(AddWatchFlags::IN_CREATE)
        && !ev.mask.contains(AddWatchFlags::IN_ISDIR)
        && ev.name.is_some()
}

impl Shared {
    pub fn new(ino: Inotify, root: PathBuf) -> Shared {
        Shared {
            ino,
            by_wd: Mutex::default(),
            inbox: Mutex::default(),
            root,
            stop: AtomicBool::new(false),
        }
    }

    fn path_of(&self, ev: &InotifyEvent) -> Option<Vec<u8>> {
        let mut path = lock(&self.by_wd).get(&ev.wd)?.clone();
        if !path.is_empty() {
            path.push(b'/');
        }
        path.extend_from_slice(ev.name.as_ref()?.as_bytes());
        Some(path)
    }

    /// The birth `ev` reports, if it made a file (in hand at `at`).
    fn birth(&self, ev: &InotifyEvent, at: Ctime) -> Option<Take> {
        let path = self.path_of(ev).filter(|_| made_file(ev))?;
        Some(Take::born(path, at))
    }

    /// Everything read since the last drain, with the rest of the kernel's
    /// queue read now (its closed writes get no contents: no time is left
    /// to prove them).
    pub fn drain(&self) -> Inbox {
        let mut inbox = lock(&self.inbox);
        while let Ok(evs) = self.ino.read_events() {
            if evs.is_empty() {
                break;
            }
            let at = Ctime::now();
            for ev in evs {
                if let Some(t) = self.birth(&ev, at) {
                    inbox.takes.push(t);
                } else if closed_file(&ev) {
                    if let Some(p) = self.path_of(&ev) {
                        inbox.takes.push(Take::unknown(p, at));
                    }
                }
                inbox.events.push(ev);
            }
        }
        std::mem::take(&mut *inbox)
    }

    /// Reads one batch of the kernel's queue, taking the contents of the
    /// files whose writes closed.
    fn read_batch(&self) {
        let mut inbox = lock(&self.inbox);
        let evs = match self.ino.read_events() {
            Ok(evs) if !evs.is_empty() => evs,
            _ => return,
        };
        let seen = Ctime::now();
        let mut queue: VecDeque<(InotifyEvent, Ctime)> =
            evs.into_iter().map(|e| (e, seen)).collect();
        while let Some((ev, seen)) = queue.pop_front() {
            if let Some(t) = self.birth(&ev, seen) {
                inbox.takes.push(t);
            }
            if closed_file(&ev) {
                if let Some(path) = self.path_of(&ev) {
                    let take = self.take(&ev, path, seen, &mut queue, &inbox);
                    inbox.bytes += take.content.as_ref().map_or(0, Vec::len);
                    inbox.takes.push(take);
                }
            }
            if inbox.events.len() >= MAX_EVENTS {
                inbox.overflow = true;
                inbox.events.clear();
            }
            inbox.events.push(ev);
        }
        if inbox.bytes > MAX_HELD {
            inbox.takes_lost = true;
        }
    }

    /// The contents `ev`'s write left, if nothing touched the file after.
    fn take(
        &self,
        ev: &InotifyEvent,
        path: Vec<u8>,
        seen: Ctime,
        queue: &mut VecDeque<(InotifyEvent, Ctime)>,
        inbox: &Inbox,
    ) -> Take {
        let mut take = Take::unknown(path, seen);
        if inbox.takes_lost || inbox.bytes > MAX_HELD || touched(ev, queue.iter()) {
            return take;
        }
        let Some((content, ctime)) = read_whole(&self.root.join(OsStr::from_bytes(&take.path)))
        else {
            return take;
        };
        // A write made while it was read is in the queue by now.
        let until = Ctime::now();
        let from = queue.len();
        if let Ok(more) = self.ino.read_events() {
            let at = Ctime::now();
            queue.extend(more.into_iter().map(|e| (e, at)));
        }
        if touched(ev, queue.range(from..)) {
            return take;
        }
        let Ok(oid) = Oid::hash_object(ObjectType::Blob, &content) else {
            return take;
        };
        take.oid = Some(oid);
        take.content = Some(content);
        take.ctime = ctime;
        take.until = until;
        take
    }
}

/// Whether an event in `q` touched `ev`'s file again.
fn touched<'a>(ev: &InotifyEvent, mut q: impl Iterator<Item = &'a (InotifyEvent, Ctime)>) -> bool {
    q.any(|(e, _)| {
        e.wd == ev.wd
            && e.name == ev.name
            && e.mask.intersects(
                AddWatchFlags::IN_MODIFY
                    | AddWatchFlags::IN_CLOSE_WRITE
                    | AddWatchFlags::IN_DELETE
                    | AddWatchFlags::IN_MOVED_FROM
                    | AddWatchFlags::IN_MOVED_TO
                    | AddWatchFlags::IN_CREATE,
            )
    })
}

/// A regular file's whole contents and its ctime, if no write moved the
/// ctime while it was read.
fn read_whole(path: &std::path::Path) -> Option<(Vec<u8>, Ctime)> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    let before = f.metadata().ok()?;
    if !before.is_file() || before.len() > MAX_FILE {
        return None;
    }
    let mut content = Vec::with_capacity(before.len() as usize);
    (&mut f).take(MAX_FILE + 1).read_to_end(&mut content).ok()?;
    let after = f.metadata().ok()?;
    let stamp = |m: &std::fs::Metadata| (m.ctime(), m.ctime_nsec(), m.len());
    if stamp(&before) != stamp(&after) || content.len() as u64 != after.len() {
        return None;
    }
    Some((
        content,
        Ctime::from_parts(after.ctime(), after.ctime_nsec()),
    ))
}

/// The running thread; stopped when dropped.
pub struct Reader {
    shared: Arc<Shared>,
    wake: UnixStream,
    handle: Option<JoinHandle<()>>,
}

impl Reader {
    /// Starts the thread; None when it cannot (the look then reads the
    /// queue alone, and no change is cut into steps).
    pub fn start(shared: Arc<Shared>) -> Option<Reader> {
        if crate::knobs::flag("DEVTRACE_NO_TAKES") {
            return None;
        }
        let (wake, stop_r) = UnixStream::pair().ok()?;
        let sh = shared.clone();
        let handle = std::thread::Builder::new()
            .name("devtrace-files".into())
            .spawn(move || run(&sh, &stop_r))
            .ok()?;
        Some(Reader {
            shared,
            wake,
            handle: Some(handle),
        })
    }
}

fn run(sh: &Shared, stop: &UnixStream) {
    loop {
        let mut fds = [
            PollFd::new(sh.ino.as_fd(), PollFlags::POLLIN),
            PollFd::new(stop.as_fd(), PollFlags::POLLIN),
        ];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(_) => return,
        }
        let stopped = fds[1].revents().is_some_and(|r| !r.is_empty());
        if stopped || sh.stop.load(Ordering::Relaxed) {
            return;
        }
        sh.read_batch();
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        let _ = std::io::Write::write(&mut &self.wake, b"x");
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::inotify::InitFlags;
    use std::time::{Duration, Instant};

    fn watched(dir: &std::path::Path) -> Arc<Shared> {
        let ino = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC).unwrap();
        let sh = Arc::new(Shared::new(ino, dir.to_path_buf()));
        let wd = sh.ino.add_watch(dir, flags()).unwrap();
        lock(&sh.by_wd).insert(wd, Vec::new());
        sh
    }

    /// The takes, once the thread has made `n` (a drain would read the
    /// queue itself, and its takes have no contents).
    fn takes(sh: &Shared, n: usize) -> Vec<Take> {
        let deadline = Instant::now() + Duration::from_secs(5);
        while lock(&sh.inbox).takes.len() < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::mem::take(&mut lock(&sh.inbox).takes)
    }

    #[test]
    fn a_closed_write_is_taken_whole_with_its_time() {
        let dir = tempfile::tempdir().unwrap();
        let sh = watched(dir.path());
        let _r = Reader::start(sh.clone()).unwrap();
        let before = Ctime::now();
        std::fs::write(dir.path().join("a.txt"), "one\n").unwrap();
        let mut got = takes(&sh, 2);
        assert_eq!(got.len(), 2, "{got:?}");
        let t = got.pop().unwrap();
        // Its birth first, in order: where a new file's steps begin.
        assert!(got[0].born && got[0].path == b"a.txt" && got[0].oid.is_none());
        assert!(!t.born);
        let meta = std::fs::metadata(dir.path().join("a.txt")).unwrap();
        assert_eq!(t.path, b"a.txt");
        assert_eq!(t.content.as_deref(), Some(&b"one\n"[..]));
        assert_eq!(t.ctime, Ctime::from_parts(meta.ctime(), meta.ctime_nsec()));
        assert!(before <= t.seen && t.seen <= t.until, "{t:?}");
    }

    #[test]
    fn a_write_followed_by_another_before_it_was_read_has_no_contents() {
        let dir = tempfile::tempdir().unwrap();
        let sh = watched(dir.path());
        let _r = Reader::start(sh.clone()).unwrap();
        // The thread cannot read while the look holds the lock: both
        // writes are queued before it reads either.
        let held = lock(&sh.inbox);
        std::fs::write(dir.path().join("a.txt"), "one\n").unwrap();
        std::fs::write(dir.path().join("a.txt"), "two\n").unwrap();
        drop(held);
        let got = takes(&sh, 3);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].born);
        assert_eq!(got[1].content, None, "overwritten before it was read");
        assert_eq!(got[2].content.as_deref(), Some(&b"two\n"[..]));
    }

    #[test]
    fn large_files_and_links_are_not_taken() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; MAX_FILE as usize + 1]).unwrap();
        assert!(read_whole(&big).is_none());
        std::os::unix::fs::symlink(&big, dir.path().join("link")).unwrap();
        assert!(read_whole(&dir.path().join("link")).is_none());
        std::fs::write(dir.path().join("small"), "s").unwrap();
        assert_eq!(read_whole(&dir.path().join("small")).unwrap().0, b"s");
    }
}
