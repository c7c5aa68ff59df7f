//! What a tracked work tree looked like at the last scan, and what changed
//! since: a file is read (and its content kept) only when its ctime says it
//! may have changed since the last scan, so a scan of an idle tree costs one
//! `lstat` per file. Each change carries its ctime, so that it can be
//! claimed later by the command whose run it falls in, or by nobody.

use super::change::{later_changes, merge, pair_moves, Change};
use super::deferred::{self, Deferred};
use super::evidence::Evidence;
use super::files::Files;
use super::index_hint::IndexHint;
use super::memory;
use super::objects::Objects;
use super::scan::{self, Scan, Stop};
use super::steps;
use super::watch::Watch;
use crate::timestamp::Ctime;
use anyhow::{Context, Result};
use git2::Oid;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A file whose ctime is this close to the last scan's start is read again:
/// the kernel stamps ctimes from a clock that lags by up to a tick.
pub(super) const MARGIN: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A tree with more files than this is not scanned (counted, reported).
    pub max_files: usize,
    /// Contents of larger files are not kept (the change still is).
    pub max_file_bytes: u64,
    /// New contents one scan keeps at most (a first scan of a tree with
    /// gigabytes of untracked data keeps the rest as ids only).
    pub max_scan_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_files: env_num("DEVTRACE_MAX_FILES").unwrap_or(250_000) as usize,
            max_file_bytes: env_num("DEVTRACE_MAX_FILE_BYTES").unwrap_or(16 << 20),
            max_scan_bytes: env_num("DEVTRACE_MAX_SCAN_BYTES").unwrap_or(512 << 20),
        }
    }
}

/// Turns off libgit2's object cache, for the whole process: it kept every
/// tree a scan or a save looked up in the checked-out commit (3.5 MB for
/// 1,000 directories) for as long as ingest ran. A tracker reads each
/// object about once per look, so the cache saved little.
fn no_object_cache() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| git2::opts::enable_caching(false));
}

fn env_num(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.parse().ok()
}

/// What a walk of the tree found.
enum Walked {
    /// The watch saw no directory change.
    Unchanged,
    /// The tree was not looked at, and why.
    Refused(String),
    /// The files seen, and (for a walk of some directories only) the files
    /// of the earlier state that it covers.
    Seen(Scan, Option<Vec<Vec<u8>>>),
}

pub struct Tracker {
    pub root: PathBuf,
    pub(super) store_dir: PathBuf,
    pub objects: Objects,
    pub(super) base: Files,
    /// The wall clock when the scan that produced `base` began.
    pub(super) scanned: Option<Ctime>,
    /// Changes found and not yet claimed, oldest first.
    pub unclaimed: Vec<Change>,
    pub limits: Limits,
    /// Which directories changed since the last scan (None: scan them all).
    watch: Option<Watch>,
    /// The watch a full walk replaces, until the walk's look is over.
    retiring: Option<Watch>,
    watch_failed: bool,
    pub(super) unsaved: bool,
    /// A save is wanted at the next chance (a session ended).
    pub(super) soon: bool,
    pub(super) saved: Ctime,
    /// Trees known to be stored (here or in the user's commit).
    pub(super) stored_trees: std::cell::RefCell<HashSet<Oid>>,
    /// Bytes of new contents kept by the scan under way.
    pub(super) kept_bytes: std::cell::Cell<u64>,
    /// Changes put off: a write to their file was open, or made while a
    /// look read it.
    pub(super) deferred: Deferred,
}

impl Tracker {
    /// Opens the tracker of the store in `store_dir` (root: its parent),
    /// starting from the state the last ingest saved, if any.
    pub fn open(store_dir: &Path) -> Result<Tracker> {
        no_object_cache();
        memory::map_large_blocks();
        let root = store_dir
            .parent()
            .context("a store directory has a parent")?
            .to_path_buf();
        let objects = Objects::open(store_dir, &root)?;
        let mut t = Tracker {
            root,
            store_dir: store_dir.to_path_buf(),
            objects,
            base: Files::new(),
            scanned: None,
            unclaimed: Vec::new(),
            limits: Limits::default(),
            watch: None,
            retiring: None,
            watch_failed: false,
            unsaved: false,
            soon: false,
            saved: Ctime::EPOCH,
            stored_trees: Default::default(),
            kept_bytes: Default::default(),
            deferred: Deferred::default(),
        };
        t.load_saved();
        Ok(t)
    }

    /// Forgets the watch, so that the next scan looks at everything.
    pub fn reset(&mut self) {
        self.watch = None;
    }

    /// When the look that the current state comes from began.
    pub fn looked(&self) -> Option<Ctime> {
        self.scanned
    }

    pub fn has_baseline(&self) -> bool {
        self.scanned.is_some()
    }

    /// Whether the kernel reports writes to the tree (a first look sets
    /// that up; without it, which write came when cannot be told).
    pub fn watching(&self) -> bool {
        self.watch.is_some()
    }

    /// Whether a scan began after `at` (its result already covers `at`).
    pub fn covers(&self, at: Ctime) -> bool {
        self.scanned.is_some_and(|s| s > at)
    }

    /// Looks at the tree again; new changes go to `unclaimed`. `Ok(Err)`
    /// says why the tree was not looked at (too large). On the first scan
    /// there is no earlier state to compare with; with `since`, files of a
    /// git work tree whose ctime is later are compared with the index.
    /// `pump` is called now and then while it works. A look that put
    /// changes off (their files were written while it read them) looks at
    /// their directories again at once, a moment later: their writes have
    /// closed, or soon will, and no later command need come for them to be
    /// told.
    pub fn scan(
        &mut self,
        mut since: Option<Ctime>,
        pump: &mut dyn FnMut(),
    ) -> Result<std::result::Result<usize, String>> {
        let mut found = 0;
        for _ in 0..=deferred::MAX_TIMES {
            match self.look(since.take(), pump)? {
                Err(why) => return Ok(Err(why)),
                Ok((n, again)) => {
                    found += n;
                    if !again {
                        break;
                    }
                    std::thread::sleep(deferred::PAUSE);
                }
            }
        }
        Ok(Ok(found))
    }

    /// One look; says also whether changes were put off, to be looked at
    /// again.
    fn look(
        &mut self,
        since: Option<Ctime>,
        pump: &mut dyn FnMut(),
    ) -> Result<std::result::Result<(usize, bool), String>> {
        let t0 = Ctime::now();
        self.kept_bytes.set(0);
        let (mut seen, old_scope) = match self.walk(pump)? {
            Walked::Unchanged => {
                // inotify saw nothing: nothing changed.
                self.scanned = Some(t0);
                return Ok(Ok((0, false)));
            }
            Walked::Refused(why) => return Ok(Err(why)),
            Walked::Seen(seen, scope) => (seen, scope),
        };
        let partial = old_scope.is_some();
        // The earlier state of what this scan looked at: everything, or the
        // files of the directories that changed.
        let old = match old_scope {
            None => std::mem::take(&mut self.base),
            Some(keys) => self.base.take(&keys),
        };
        if partial {
            scan::stamp_moved_dirs(&mut seen);
        }
        let first = self.scanned.is_none();
        let (base, mut changes) = self.compare(&mut seen, &old, since, t0, pump);
        drop(old);
        // What this look found happened after the look before began, and
        // before this one ended.
        let (after, done) = (self.scanned.unwrap_or(Ctime::EPOCH), Ctime::now());
        // The writes the kernel reported since the look before: from the
        // watch that saw them (replaced by a full walk, or still in use).
        let mut retiring = self.retiring.take();
        let mut source = match (retiring.as_mut(), self.watch.as_mut(), partial) {
            (Some(old), _, false) => Some(old),
            (_, Some(w), true) => Some(w),
            _ => None,
        };
        let ops = source
            .as_deref_mut()
            .map(Watch::finish_look)
            .unwrap_or_default();
        let evidence = Evidence {
            ops: &ops,
            dirs: &seen.dirs,
        };
        for c in &mut changes {
            c.after = after;
            c.seen = done;
            evidence.apply(c);
        }
        let mut base = base;
        let again = self.deferred.apply(&mut changes, &mut base, &ops);
        let n = changes.len();
        self.unclaimed.extend(changes);
        if let Some(w) = source {
            // What a partial look read, it read after the queue was drained.
            let began = if partial { w.drained().max(t0) } else { t0 };
            // Changes found earlier and not yet claimed are cut too: one
            // told as seen while its write was open (put off too often)
            // has its last take only now.
            let deferred = &self.deferred;
            steps::cut(
                &mut self.unclaimed,
                w.takes_mut(),
                began,
                &self.objects,
                &|p| deferred.holds(p),
            );
        }
        drop(retiring);
        // Without a watch the next look is a whole walk: not at once.
        let looks_again = !again.is_empty() && self.watch.is_some();
        if let Some(w) = self.watch.as_mut() {
            again.into_iter().for_each(|d| w.look_again(d));
        }
        self.base.merge(base);
        self.scanned = Some(t0);
        if !partial {
            // Reading the checked-out commit mapped the packs of the
            // user's repository: unmapped again after a full walk (not
            // after every look: reopening costs each look milliseconds).
            self.objects.reopen_user();
            memory::give_back_memory();
        }
        if first || n > 0 {
            self.unsaved = true;
        }
        Ok(Ok((n, looks_again)))
    }

    /// Walks the tree: only the directories the watch saw change, when it
    /// has seen any; else all of it.
    fn walk(&mut self, pump: &mut dyn FnMut()) -> Result<Walked> {
        let dirty = match (self.watch.as_mut(), self.scanned) {
            (Some(w), Some(_)) => w.dirty(),
            _ => None,
        };
        let Some(dirs) = dirty else {
            return self.walk_all(pump);
        };
        if dirs.is_empty() {
            return Ok(Walked::Unchanged);
        }
        let dirs: Vec<Vec<u8>> = dirs.into_iter().collect();
        let w = self.watch.as_mut().expect("dirty came from it");
        match scan::scan_dirs(&self.root, &dirs, self.limits.max_files, w, pump) {
            Ok(s) => {
                let scope = scan::in_scope(&self.base, &dirs, &s);
                Ok(Walked::Seen(s, Some(scope)))
            }
            Err(Stop::TooManyFiles(n)) => {
                self.watch = None;
                Ok(Walked::Refused(format!("more than {n} files to check")))
            }
        }
    }

    /// Walks the whole tree, setting up a new watch on the way (the old
    /// one is kept until the look is over, for the writes it saw).
    fn walk_all(&mut self, pump: &mut dyn FnMut()) -> Result<Walked> {
        self.retiring = self.watch.take().filter(|_| self.scanned.is_some());
        let mut w = if self.watch_failed {
            None
        } else {
            Watch::new(&self.root)
        };
        let s = match scan::scan(&self.root, self.limits.max_files, w.as_mut(), pump)? {
            Ok(s) => s,
            Err(Stop::TooManyFiles(n)) => {
                return Ok(Walked::Refused(format!("more than {n} files to check")));
            }
        };
        if w.as_ref().is_some_and(|w| w.broken) {
            // Over the per-user inotify limit: full scans from now on.
            self.watch_failed = true;
            w = None;
        }
        self.watch = w;
        Ok(Walked::Seen(s, None))
    }

    /// Compares the files seen with their earlier state `old`: returns
    /// their new state and the changes, oldest first.
    fn compare(
        &self,
        seen: &mut Scan,
        old: &Files,
        since: Option<Ctime>,
        t0: Ctime,
        pump: &mut dyn FnMut(),
    ) -> (Files, Vec<Change>) {
        let head_owned = self.head_tree();
        let head_tree = head_owned.as_ref();
        let hint = match self.scanned {
            None => IndexHint::load(&self.objects, head_tree),
            Some(_) => None,
        };
        let mut base = Files::new();
        let mut added = Vec::new();
        let mut modified = Vec::new();
        let entries = self.entries(seen, old, hint.as_ref(), head_tree, pump);
        let seen = &*seen;
        for (f, entry) in seen.files.iter().zip(entries) {
            let Some(entry) = entry else { continue };
            match old.get(&f.path) {
                None => added.push((f, entry)),
                Some(o) if o != entry => modified.push((f, o, entry)),
                Some(_) => {}
            }
            base.push(&f.path, entry);
        }
        // First scan: what the index knew is the earlier state of the files
        // changed since `since`.
        let first_changes = match (&hint, since) {
            (Some(h), Some(since)) => h.first_scan_changes(since, &added, seen, &base, t0),
            _ => Vec::new(),
        };
        drop(hint);
        drop(head_owned);
        let mut changes = pair_moves(first_changes);
        if self.scanned.is_some() {
            changes = later_changes(seen, old, &base, added, modified, t0);
        }
        changes.sort_by_key(|c| c.ctime);
        base.shrink();
        (base, changes)
    }

    pub(super) fn head_tree(&self) -> Option<git2::Tree<'_>> {
        self.objects.user()?.head().ok()?.peel_to_tree().ok()
    }

    /// Takes the unclaimed changes whose ctime lies in `[from, to]` (from
    /// the beginning when `from` is None), merged per file: one file changed
    /// twice is one change, and a change undone within the window is none.
    pub fn claim(&mut self, from: Option<Ctime>, to: Ctime) -> Vec<Change> {
        let (take, keep): (Vec<Change>, Vec<Change>) = std::mem::take(&mut self.unclaimed)
            .into_iter()
            .partition(|c| c.ctime <= to && from.is_none_or(|f| c.ctime >= f));
        self.unclaimed = keep;
        merge(take)
    }

    pub fn files(&self) -> usize {
        self.base.len()
    }

    /// Heap bytes the tracked state holds (the files' paths, ids, modes).
    pub fn state_bytes(&self) -> usize {
        self.base.heap_bytes()
    }
}
