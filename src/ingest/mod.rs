//! `devtrace ingest`: one small process per user that drains every recorded
//! shell's channel into the stores. It sleeps in poll(2) until a FIFO has
//! data, a spool file or the runtime directory changes (inotify), a shell
//! exits (pidfd), or it is asked to stop: no polling loop, no idle CPU.

mod edits;
mod events;
mod lifecycle;
mod pairing;
mod policy;
mod progress;
mod pump;
pub mod route;
mod session;

pub use edits::snapshot_data;
pub use lifecycle::{ensure, running};
use lifecycle::{lock_path, pid_path};

pub use progress::State;

use crate::runtime::{self, Channel};
use anyhow::{Context, Result};
use fs2::FileExt;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use nix::sys::signal::{signal, SigHandler, Signal};
use progress::Batch;
use route::Router;
use session::Session;
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long ingest stays once no recorded shell remains (the tests
/// shorten it with `DEVTRACE_INGEST_LINGER_MS`).
fn linger() -> Duration {
    #[cfg(feature = "testing")]
    if let Some(ms) = std::env::var("DEVTRACE_INGEST_LINGER_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return Duration::from_millis(ms);
    }
    Duration::from_secs(3)
}

/// Events stored in one go at most (more when one session's pass has more).
const FLUSH_EVENTS: usize = 500;

struct Ingest {
    dir: PathBuf,
    sessions: BTreeMap<String, Session>,
    router: Router,
    trackers: edits::Trackers,
    policy: policy::Policy,
    /// Stores whose search index is behind what they hold.
    search_behind: std::collections::BTreeSet<PathBuf>,
    log: Option<File>,
    /// Sessions whose FIFO the pump drained during a long scan.
    pumped: std::rc::Rc<std::cell::RefCell<std::collections::BTreeSet<String>>>,
}

impl Ingest {
    fn warn(&mut self, msg: &str) {
        if let Some(l) = self.log.as_mut() {
            let _ = writeln!(l, "{} {msg}", crate::timefmt::rfc3339_ms(runtime::now_ms()));
        }
    }

    fn add(&mut self, id: &str) {
        if self.sessions.contains_key(id) {
            return;
        }
        let chan = Channel::new(&self.dir, id);
        if !chan.meta().exists() {
            // Ended and cleaned up before we got to it: nothing to read.
            return;
        }
        match Session::load(chan) {
            Ok(s) => {
                self.sessions.insert(id.to_owned(), s);
            }
            Err(e) => self.warn(&format!("session {id}: {e:#}")),
        }
    }

    fn scan(&mut self) {
        for id in runtime::session_ids(&self.dir) {
            self.add(&id);
        }
    }

    /// Indexes a chunk of one store's new commands for search (done when
    /// there is nothing else to do; a chunk takes ~10 ms). Returns whether
    /// any store is still behind.
    fn index_search(&mut self) -> bool {
        let Some(dir) = self.search_behind.iter().next().cloned() else {
            return false;
        };
        match self.router.open(&dir).and_then(|s| s.index_search(500)) {
            Ok(true) => {}
            Ok(false) => {
                self.search_behind.remove(&dir);
            }
            Err(e) => {
                self.search_behind.remove(&dir);
                self.warn(&format!("search index of {}: {e:#}", dir.display()));
            }
        }
        !self.search_behind.is_empty()
    }

    /// One pass over the sessions marked dirty: read, pair, store, save.
    /// Every FIFO is drained before any spool is read: a record in a FIFO
    /// was written after any earlier record in the same shell's spool.
    fn process(&mut self, mut dirty: Vec<String>) {
        if dirty.is_empty() {
            return;
        }
        dirty.sort();
        dirty.dedup();
        dirty.retain(|id| self.sessions.contains_key(id));
        for id in &dirty {
            if let Some(Err(e)) = self.sessions.get_mut(id).map(Session::drain_fifo) {
                self.warn(&format!("session {id}: {e:#}"));
            }
        }
        let mut batch = Batch::default();
        let mut touched = Vec::new();
        for id in &dirty {
            let Some(s) = self.sessions.get_mut(id) else {
                continue;
            };
            if let Err(e) = s.process(&mut self.router, &mut self.trackers, &mut batch) {
                if s.gone {
                    // Never spin on a shell that is gone: close what we have.
                    s.state.closed = true;
                }
                let msg = format!("session {id}: {e:#}");
                self.warn(&msg);
            }
            touched.push(id.clone());
            // Many shells with a backlog: store as we go, so that memory
            // stays small (each session's events go whole into one store
            // call, before its progress is saved).
            if batch.len() >= FLUSH_EVENTS {
                self.flush(&mut batch, &mut touched);
            }
        }
        self.flush(&mut batch, &mut touched);
    }

    /// Stores the batch, then saves the progress of the sessions it came
    /// from (and closes those that ended).
    fn flush(&mut self, batch: &mut Batch, touched: &mut Vec<String>) {
        for msg in std::mem::take(&mut self.trackers.errors) {
            self.warn(&msg);
        }
        for (dir, mut events) in std::mem::take(&mut batch.by_store) {
            // Nothing paused or ignored, and no secret, reaches the disk.
            for (session, why) in self.policy.apply(&self.dir, &dir, &mut events) {
                if let Some(s) = self.sessions.get_mut(&session) {
                    *s.state.skipped.entry(why.into()).or_default() += 1;
                }
            }
            for msg in std::mem::take(&mut self.policy.errors) {
                self.warn(&msg);
            }
            let res = self
                .router
                .open(&dir)
                .and_then(|store| store.append(&events));
            if res.is_ok() {
                self.search_behind.insert(dir.clone());
                if let Some(msg) = self.policy.retention(&dir) {
                    self.warn(&msg);
                }
            }
            if let Err(e) = res {
                self.router.close(&dir);
                self.warn(&format!(
                    "dropped {} events for {}: {e:#}",
                    events.len(),
                    dir.display()
                ));
                for ev in &events {
                    if let Some(s) = self.sessions.get_mut(&ev.session) {
                        *s.state
                            .skipped
                            .entry("store not writable".into())
                            .or_default() += 1;
                    }
                }
            }
        }
        fault_point("crash-after-store");
        for id in touched.drain(..) {
            let Some(s) = self.sessions.get(&id) else {
                continue;
            };
            let saved = s.save_state();
            let done = s.state.closed;
            if let Err(e) = saved {
                self.warn(&format!("session {id}: could not save progress: {e:#}"));
            }
            if done {
                if let Some(s) = self.sessions.remove(&id) {
                    s.remove_files();
                }
            }
        }
    }
}

/// Fault injection for the recovery tests: with `DEVTRACE_FAULT=NAME`,
/// ingest aborts once at that point (the marker file records that it did).
/// Only in builds with the `testing` feature.
#[cfg(not(feature = "testing"))]
fn fault_point(_name: &str) {}

#[cfg(feature = "testing")]
fn fault_point(name: &str) {
    if std::env::var("DEVTRACE_FAULT").as_deref() != Ok(name) {
        return;
    }
    let Some(marker) = std::env::var_os("DEVTRACE_FAULT_MARKER") else {
        return;
    };
    if fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&marker)
        .is_ok()
    {
        // Like a crash, but without a core file.
        let _ = nix::sys::signal::kill(nix::unistd::getpid(), nix::sys::signal::Signal::SIGKILL);
    }
}

/// Runs ingest until no recorded shell remains (or SIGTERM/SIGINT).
pub fn run() -> Result<()> {
    let dir = runtime::ensure_dir()?;
    // A daemon keeps no directory busy (and never drops files into a repo).
    let _ = std::env::set_current_dir("/");
    let lock = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC)
        .open(lock_path(&dir))
        .context("could not open the ingest lock")?;
    // A replaced ingest may still be finishing its last pass: wait a little.
    let deadline = Instant::now() + Duration::from_secs(3);
    while lock.try_lock_exclusive().is_err() {
        if Instant::now() > deadline {
            return Ok(()); // another ingest runs: nothing to do
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    runtime::write_atomic(
        &pid_path(&dir),
        format!("{} {}\n", std::process::id(), env!("CARGO_PKG_VERSION")).as_bytes(),
    )?;

    let stop = Arc::new(AtomicBool::new(false));
    let (sig_r, sig_w) = std::os::unix::net::UnixStream::pair()?;
    sig_r.set_nonblocking(true)?;
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, stop.clone())?;
        signal_hook::low_level::pipe::register(sig, sig_w.try_clone()?)?;
    }
    // SAFETY: SIG_IGN runs nothing of ours in signal context.
    let _ = unsafe { signal(Signal::SIGHUP, SigHandler::SigIgn) };

    let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC)?;
    inotify.add_watch(
        &dir,
        AddWatchFlags::IN_CREATE
            | AddWatchFlags::IN_MOVED_TO
            | AddWatchFlags::IN_MODIFY
            | AddWatchFlags::IN_CLOSE_WRITE
            | AddWatchFlags::IN_DELETE,
    )?;

    let log = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(dir.join("ingest.log"))
        .ok();
    let mut pump = pump::Pump::new(dir.clone());
    let pumped = pump.pumped.clone();
    let mut ing = Ingest {
        dir: dir.clone(),
        sessions: BTreeMap::new(),
        router: Router::default(),
        trackers: edits::Trackers::new(Box::new(move || pump.run())),
        policy: policy::Policy::default(),
        search_behind: Default::default(),
        log,
        pumped,
    };
    ing.scan();
    // What a previous ingest left unread is read first.
    ing.process(ing.sessions.keys().cloned().collect());
    let mut idle_since: Option<Instant> = None;
    loop {
        // Sessions with a backlog are read on; those whose shell is gone
        // are read to the end and closed.
        let mut pending: Vec<String> = ing
            .sessions
            .iter()
            .filter(|(_, s)| s.gone || s.backlog)
            .map(|(k, _)| k.clone())
            .collect();
        // Whatever the pump saved from FIFOs during a long scan.
        let pumped: Vec<String> = std::mem::take(&mut *ing.pumped.borrow_mut())
            .into_iter()
            .collect();
        for id in pumped {
            ing.add(&id);
            pending.push(id);
        }
        if !pending.is_empty() {
            ing.process(pending);
            continue;
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if ing.sessions.is_empty() {
            let since = *idle_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= linger() {
                ing.scan();
                if ing.sessions.is_empty() {
                    break;
                }
            }
        } else {
            idle_since = None;
        }

        let indexing = ing.index_search();
        let ids: Vec<String> = ing.sessions.keys().cloned().collect();
        let (ready, notes) = {
            let mut fds: Vec<PollFd> = vec![
                PollFd::new(inotify.as_fd(), PollFlags::POLLIN),
                PollFd::new(sig_r.as_fd(), PollFlags::POLLIN),
            ];
            let mut owners: Vec<(String, bool)> = Vec::new();
            for id in &ids {
                let s = &ing.sessions[id];
                if let Some(fd) = s.fifo_fd() {
                    fds.push(PollFd::new(fd, PollFlags::POLLIN));
                    owners.push((id.clone(), false));
                }
                if let Some(p) = &s.pidfd {
                    fds.push(PollFd::new(p.as_fd(), PollFlags::POLLIN));
                    owners.push((id.clone(), true));
                }
            }
            let timeout = if indexing {
                PollTimeout::ZERO
            } else if ing.sessions.is_empty() {
                PollTimeout::from(linger().as_millis().min(60_000) as u16)
            } else if ing.sessions.values().any(|s| s.pidfd.is_none()) {
                PollTimeout::from(1000u16) // no pidfd: look for gone shells each second
            } else {
                PollTimeout::NONE
            };
            match poll(&mut fds, timeout) {
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(e).context("poll failed"),
            }
            let mut ready: Vec<(String, bool)> = Vec::new();
            for (i, (id, is_pid)) in owners.iter().enumerate() {
                if fds[i + 2].revents().is_some_and(|r| !r.is_empty()) {
                    ready.push((id.clone(), *is_pid));
                }
            }
            let notes = fds[0].revents().is_some_and(|r| !r.is_empty());
            (ready, notes)
        };
        let mut drained = [0u8; 64];
        let _ = std::io::Read::read(&mut &sig_r, &mut drained);

        let mut dirty: Vec<String> = Vec::new();
        if notes {
            while let Ok(events) = inotify.read_events() {
                if events.is_empty() {
                    break;
                }
                for ev in events {
                    if ev.mask.contains(AddWatchFlags::IN_Q_OVERFLOW) {
                        // Events were lost (thousands of writes at once): look
                        // at every session.
                        dirty.extend(ing.sessions.keys().cloned());
                        continue;
                    }
                    let Some(name) = ev.name.and_then(|n| n.into_string().ok()) else {
                        continue;
                    };
                    if let Some(id) = name.strip_suffix(".meta") {
                        ing.add(id);
                        dirty.push(id.to_owned());
                    } else if let Some(id) = name.strip_suffix(".spool") {
                        if ev.mask.contains(AddWatchFlags::IN_DELETE) {
                            // A new spool file is read from its start, even
                            // when it gets the old one's inode number.
                            if let Some(s) = ing.sessions.get_mut(id) {
                                s.spool_deleted();
                            }
                        }
                        dirty.push(id.to_owned());
                    }
                }
            }
        }
        for (id, is_pid) in ready {
            if let Some(s) = ing.sessions.get_mut(&id) {
                s.gone |= is_pid;
                dirty.push(id);
            }
        }
        if ing.sessions.values().any(|s| s.pidfd.is_none()) {
            for s in ing.sessions.values_mut() {
                if s.pidfd.is_none()
                    && !runtime::process_alive(s.meta.shell_pid, s.meta.shell_start_ticks)
                {
                    s.gone = true;
                }
            }
        }
        if !dirty.is_empty() {
            ing.process(dirty);
        }
    }
    // Save progress of whatever is still open; shells live on without us.
    for s in ing.sessions.values() {
        let _ = s.save_state();
    }
    ing.trackers.save_all();
    let _ = fs::remove_file(pid_path(&dir));
    drop(lock);
    Ok(())
}
