//! `devtrace ingest`: one small process per user that drains every recorded
//! shell's channel into the stores. It sleeps in poll(2) until a FIFO has
//! data, a spool file or the runtime directory changes (inotify), a shell
//! exits (pidfd), or it is asked to stop: no polling loop, no idle CPU.

mod attribute;
mod claims;
mod edit_events;
mod edits;
mod events;
mod lifecycle;
mod pairing;
mod policy;
mod progress;
mod pump;
mod reader;
mod recall;
pub mod route;
mod session;
mod wake;
mod wipe;

pub use edit_events::snapshot_data;
pub use lifecycle::{ensure, running};
use lifecycle::{pid_path, take_lock};

pub use progress::State;

use crate::runtime::{self, Channel};
use anyhow::Result;
use nix::poll::PollTimeout;
use progress::Batch;
use route::Router;
use session::Session;
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use wake::{Note, Wake};

/// How long ingest stays once no recorded shell remains (the tests
/// shorten it with `DEVTRACE_INGEST_LINGER_MS`).
fn linger() -> Duration {
    crate::knobs::millis("DEVTRACE_INGEST_LINGER_MS", Duration::from_secs(3))
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
            let _ = writeln!(
                l,
                "{} {msg}",
                crate::timestamp::Timestamp::now().rfc3339_ms()
            );
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
        self.note_idle(&mut dirty);
        for id in &dirty {
            if let Some(Err(e)) = self.sessions.get_mut(id).map(Session::drain_fifo) {
                self.warn(&format!("session {id}: {e:#}"));
            }
        }
        // What each session's commands are known until, for the others:
        // a session read in this pass counts once its records are handled.
        self.trackers.read_at = self
            .sessions
            .iter()
            .map(|(id, s)| (id.clone(), s.known_at))
            .collect();
        let mut batch = Batch::default();
        let mut touched = Vec::new();
        for id in &dirty {
            let Some(s) = self.sessions.get_mut(id) else {
                continue;
            };
            let res = s.process(&mut self.router, &mut self.trackers, &mut batch);
            s.known_at = s.read_at;
            self.trackers.read_at.insert(id.clone(), s.known_at);
            if let Err(e) = res {
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

    /// The sessions not in `dirty`: those with nothing unread are known to
    /// have begun no command since now; the others are read in this pass.
    fn note_idle(&mut self, dirty: &mut Vec<String>) {
        let now = crate::timestamp::Ctime::now();
        for (id, s) in self.sessions.iter_mut() {
            if dirty.binary_search(id).is_ok() {
                continue;
            }
            if s.nothing_unread() {
                s.read_at = now;
                s.known_at = now;
            } else {
                dirty.push(id.clone());
            }
        }
        dirty.sort();
    }

    /// The main loop: reads whatever comes, until a stop signal, or until
    /// no recorded shell has remained for a while.
    fn serve(&mut self, wake: &Wake) -> Result<()> {
        let mut idle_since: Option<Instant> = None;
        loop {
            let pending = self.pending();
            if !pending.is_empty() {
                self.process(pending);
                continue;
            }
            if wake.stopped() || self.lingered(&mut idle_since) {
                break;
            }
            let indexing = self.index_search();
            let woken = wake.wait(&self.sessions, self.timeout(indexing))?;
            let mut dirty: Vec<String> = Vec::new();
            if woken.notes {
                self.read_notes(wake, &mut dirty);
            }
            for (id, is_pid) in woken.ready {
                if let Some(s) = self.sessions.get_mut(&id) {
                    s.gone |= is_pid;
                    dirty.push(id);
                }
            }
            self.check_gone();
            if !dirty.is_empty() {
                self.process(dirty);
            }
        }
        Ok(())
    }

    /// Sessions to read on at once: those with a backlog, those whose shell
    /// is gone (read to the end and closed), and whatever the pump saved
    /// from FIFOs during a long scan.
    fn pending(&mut self) -> Vec<String> {
        let mut pending: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.gone || s.backlog || s.recheck)
            .map(|(k, _)| k.clone())
            .collect();
        let pumped: Vec<String> = std::mem::take(&mut *self.pumped.borrow_mut())
            .into_iter()
            .collect();
        for id in pumped {
            self.add(&id);
            pending.push(id);
        }
        pending
    }

    /// Whether ingest has had no session for the linger time, and found
    /// none in a last look: then it is time to go.
    fn lingered(&mut self, idle_since: &mut Option<Instant>) -> bool {
        if !self.sessions.is_empty() {
            *idle_since = None;
            return false;
        }
        let since = *idle_since.get_or_insert_with(Instant::now);
        if since.elapsed() >= linger() {
            self.scan();
            if self.sessions.is_empty() {
                return true;
            }
        }
        false
    }

    /// How long the next poll may sleep.
    fn timeout(&self, indexing: bool) -> PollTimeout {
        if indexing {
            PollTimeout::ZERO
        } else if self.sessions.is_empty() {
            PollTimeout::from(linger().as_millis().min(60_000) as u16)
        } else if self.sessions.values().any(|s| s.pidfd.is_none()) {
            PollTimeout::from(1000u16) // no pidfd: look for gone shells each second
        } else {
            PollTimeout::NONE
        }
    }

    /// Marks the sessions whose channel files changed (adding new ones).
    fn read_notes(&mut self, wake: &Wake, dirty: &mut Vec<String>) {
        wake.notes(|note| match note {
            Note::Overflow => {
                // Events were lost (thousands of writes at once): look at
                // every session.
                dirty.extend(self.sessions.keys().cloned());
            }
            Note::Meta(id) => {
                self.add(id);
                dirty.push(id.to_owned());
            }
            Note::Spool { id, deleted } => {
                if deleted {
                    // A new spool file is read from its start, even when it
                    // gets the old one's inode number.
                    if let Some(s) = self.sessions.get_mut(id) {
                        s.spool_deleted();
                    }
                }
                dirty.push(id.to_owned());
            }
        });
    }

    /// Without a pidfd, a gone shell is found by looking at its process.
    fn check_gone(&mut self) {
        if self.sessions.values().any(|s| s.pidfd.is_none()) {
            for s in self.sessions.values_mut() {
                if s.pidfd.is_none()
                    && !runtime::process_alive(s.meta.shell_pid, s.meta.shell_start_ticks)
                {
                    s.gone = true;
                }
            }
        }
    }

    /// Stores the batch, then saves the progress of the sessions it came
    /// from (and closes those that ended).
    fn flush(&mut self, batch: &mut Batch, touched: &mut Vec<String>) {
        for msg in std::mem::take(&mut self.trackers.errors) {
            self.warn(&msg);
        }
        let mut stored_command = false;
        // The fault of the test of a shell's last pass: before its end is stored.
        if batch
            .by_store
            .values()
            .flatten()
            .any(|e| e.kind() == Some(crate::event::Kind::SessionEnd))
        {
            fault_point("crash-before-store");
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
                stored_command |= events
                    .iter()
                    .any(|e| e.kind() == Some(crate::event::Kind::RunCommand));
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
        // The crash test's fault: only once a command was stored, which the
        // next ingest then reads again.
        if stored_command {
            fault_point("crash-after-store");
        }
        self.save_progress(touched);
        self.trackers.save_due();
    }

    /// Saves the progress of the sessions a stored batch came from; then
    /// wipes the channel bytes it has passed (never needed again, even
    /// after a crash), or removes the files of the sessions that ended.
    fn save_progress(&mut self, touched: &mut Vec<String>) {
        for id in touched.drain(..) {
            let Some(s) = self.sessions.get_mut(&id) else {
                continue;
            };
            let problem = match s.save_state() {
                Err(e) => Some(format!("could not save progress: {e:#}")),
                Ok(()) if !s.state.closed => s.wipe_stored(),
                Ok(()) => None,
            };
            let done = s.state.closed;
            if let Some(p) = problem {
                self.warn(&format!("session {id}: {p}"));
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
    let Some(lock) = take_lock(&dir)? else {
        return Ok(()); // another ingest runs: nothing to do
    };
    runtime::write_atomic(
        &pid_path(&dir),
        format!("{} {}\n", std::process::id(), env!("CARGO_PKG_VERSION")).as_bytes(),
    )?;
    let wake = Wake::new(&dir)?;

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
    ing.serve(&wake)?;
    // Save progress of whatever is still open; shells live on without us.
    for s in ing.sessions.values() {
        let _ = s.save_state();
    }
    ing.trackers.save_all();
    let _ = fs::remove_file(pid_path(&dir));
    drop(lock);
    Ok(())
}
