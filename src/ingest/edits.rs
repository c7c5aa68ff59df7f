//! The files each command changed. Ingest looks at a store's work tree when
//! a command starts (if it hears of it at once) and after it ends; every
//! change found carries its ctime, so it is claimed by the command whose run
//! it falls in, or, when it happened between commands (an editor's save, an
//! agent's edit tool), recorded with `cause: null`. The shell does none of
//! this work. One scan serves every command that ended before it began, so a
//! backlog costs one scan, not one per command.

use super::progress::{Batch, State};
use crate::event::{Data, EditFiles, Event, GitSnapshot, SCHEMA_VERSION};
use crate::runtime::SessionMeta;
use crate::timestamp::{Ctime, Timestamp};
use crate::worktree::{diff, Change, Tracker};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How far before its recorded start a command's changes may be stamped:
/// kernels without fine-grained timestamps stamp ctimes from a clock up to
/// one tick (10 ms at HZ=100) behind. (Behind, never ahead: the end of a
/// window needs no such allowance.)
const SLACK: Duration = Duration::from_millis(15);
/// A command record this fresh is heard of "at once": the tree is looked at
/// before the command can have done much.
const LIVE: Duration = Duration::from_secs(2);
/// One nanosecond: what ends a span just before another begins.
const TICK: Duration = Duration::from_nanos(1);

/// One tracker per store; `None` for stores whose files are not tracked
/// (the global store) or could not be opened.
pub struct Trackers {
    map: HashMap<PathBuf, Option<Tracker>>,
    pub errors: Vec<String>,
    /// What a long scan calls now and then (ingest keeps the FIFOs drained).
    pump: Box<dyn FnMut()>,
}

impl Trackers {
    pub fn new(pump: Box<dyn FnMut()>) -> Trackers {
        Trackers {
            map: HashMap::new(),
            errors: Vec::new(),
            pump,
        }
    }

    /// Saves every tracker's state (ingest is leaving).
    pub fn save_all(&mut self) {
        for t in self.map.values_mut().flatten() {
            let _ = t.save();
        }
    }

    pub fn get(&mut self, store: &Path) -> Option<&mut Tracker> {
        self.scanner(store).map(|(t, _)| t)
    }

    /// The tracker of `store`, with what to call during its scans.
    fn scanner(&mut self, store: &Path) -> Option<(&mut Tracker, &mut dyn FnMut())> {
        if !self.map.contains_key(store) {
            let t = if store == crate::store::global_dir() || !store.is_dir() {
                None
            } else {
                match Tracker::open(store) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        self.errors
                            .push(format!("file changes in {}: {e:#}", store.display()));
                        None
                    }
                }
            };
            self.map.insert(store.to_path_buf(), t);
        }
        let t = self.map.get_mut(store).and_then(Option::as_mut)?;
        Some((t, &mut *self.pump))
    }
}

/// The ctimes a command's own changes can carry: its recorded run, widened
/// by how far the clocks may be off, and cut short where the next command
/// of the session began.
pub struct Window {
    pub from: Ctime,
    pub to: Ctime,
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Window {
    /// `end`: the latest the command can have ended (fish stamps read
    /// /proc/uptime in hundredths of a second: its caller allows for that).
    pub fn new(start: Timestamp, end: Timestamp) -> Window {
        let end = end.max(start);
        Window {
            from: Ctime::from(start).saturating_sub(SLACK),
            to: Ctime::from(end).saturating_add(Duration::from_millis(1)),
            start,
            end,
        }
    }

    /// The next command started at `next`: nothing after is ours.
    pub fn cap(&mut self, next: Option<Timestamp>) {
        if let Some(n) = next {
            if n > self.start {
                self.to = self.to.min(Ctime::from(n));
            }
        }
    }
}

/// What one scan-and-claim found for a command.
struct Found {
    between: Vec<Change>,
    own: Vec<Change>,
    unchecked: Option<String>,
}

/// Looks at the tree. A bug here must not take recording down with it: a
/// panic is caught, and the tracker starts over on its next scan.
fn scan(t: &mut Tracker, pump: &mut dyn FnMut(), since: Option<Ctime>) -> Result<(), String> {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.scan(true, since, pump)));
    match r {
        Ok(Ok(Ok(_))) => Ok(()),
        Ok(Ok(Err(why))) => Err(why),
        Ok(Err(e)) => Err(format!("{e:#}")),
        Err(_) => {
            t.reset();
            Err("internal error while scanning".into())
        }
    }
}

/// A session's part in finding its commands' file changes: who it is,
/// and its progress (event numbers, stores snapshotted, what was skipped).
pub struct Edits<'a> {
    pub meta: &'a SessionMeta,
    pub state: &'a mut State,
}

impl Edits<'_> {
    fn next_seq(&mut self) -> u64 {
        self.state.next_seq()
    }

    /// A command record arrived: if it is fresh, look at the tree now, so
    /// that edits made before the command are told apart from its own.
    pub(super) fn command_started(
        &mut self,
        store: &Path,
        start: Option<Timestamp>,
        trackers: &mut Trackers,
        out: &mut Batch,
    ) {
        let Some(start) = start.map(Ctime::from) else {
            return;
        };
        if Ctime::now().since(start) > LIVE {
            return;
        }
        let idle = self.state.pairing.pending.is_empty();
        let Some((t, pump)) = trackers.scanner(store) else {
            return;
        };
        if !t.covers(start) {
            let _ = scan(t, pump, Some(start.saturating_sub(SLACK)));
        }
        if !idle || !self.state.snapshotted.iter().any(|s| s == store) {
            return;
        }
        // Edits made at the prompt are known now: they go in before what
        // this command (a note, say) sends while it runs.
        let between = t.claim(None, start.saturating_sub(SLACK + TICK));
        let root = t.root.to_string_lossy().into_owned();
        self.push_between(store, &root, &between, None, out);
    }

    /// When a session starts in a store: know the tree before any command
    /// (what changed since the shell started is compared with the index).
    pub(super) fn warm_up(&self, store: &Path, trackers: &mut Trackers) {
        let since = Ctime::from(self.meta.started).saturating_sub(SLACK);
        if let Some((t, pump)) = trackers.scanner(store) {
            if !t.has_baseline() {
                let _ = scan(t, pump, Some(since));
            }
        }
    }

    fn found(t: &mut Tracker, pump: &mut dyn FnMut(), w: &Window) -> Found {
        let unchecked = if t.covers(w.to) {
            None
        } else {
            scan(t, pump, Some(w.from)).err()
        };
        Found {
            between: t.claim(None, w.from.saturating_sub(TICK)),
            own: t.claim(Some(w.from), w.to),
            unchecked,
        }
    }

    /// Pushes a finished command with what it changed: edits found from
    /// before it (cause null), the session's first snapshot of this store,
    /// the `run_command` itself, then its own `edit_files`.
    pub(super) fn push_command(
        &mut self,
        store: PathBuf,
        mut ev: Event,
        n: u64,
        w: Option<Window>,
        trackers: &mut Trackers,
        out: &mut Batch,
    ) {
        let found = match (&w, trackers.scanner(&store)) {
            (Some(w), Some((t, pump))) => Some(Self::found(t, pump, w)),
            _ => None,
        };
        let Some(found) = found else {
            ev.seq = self.next_seq();
            out.push(store, ev);
            return;
        };
        let end = w
            .as_ref()
            .map_or(Timestamp::EPOCH, |w| w.end.floor_millis());
        self.push_between(&store, &ev.cwd, &found.between, Some(&format!("b{n}")), out);
        if !self.state.snapshotted.contains(&store) {
            self.state.snapshotted.push(store.clone());
            let start = w.as_ref().map_or(end, |w| w.start.floor_millis());
            if let Some(t) = trackers.get(&store) {
                // The state when the command began: its own changes, and
                // any seen after it, undone.
                let mut revert = found.own.clone();
                revert.extend(t.unclaimed.iter().cloned());
                if let Some(e) = self.snapshot_event(t, "session start", &revert, start, &ev.cwd) {
                    out.push(store.clone(), e);
                }
            }
        }
        ev.seq = self.next_seq();
        let cause = ev.id.clone();
        let cwd = ev.cwd.clone();
        out.push(store.clone(), ev);
        let first_unchecked = found.unchecked.filter(|why| {
            let key = format!("{}\0{why}", store.display());
            let new = !self.state.unchecked.contains(&key);
            if new {
                self.state.unchecked.push(key);
            }
            *self
                .state
                .skipped
                .entry(format!("file changes not checked: {why}"))
                .or_default() += 1;
            new
        });
        if !found.own.is_empty() || first_unchecked.is_some() {
            let e = self.edit_event(
                &store,
                Some(&cause),
                &cwd,
                &found.own,
                end,
                &format!("e{n}"),
                first_unchecked,
            );
            out.push(store, e);
        }
    }

    /// At the session's end: edits since its last command (cause null) and a
    /// closing snapshot, in each store where it ran commands.
    pub(super) fn push_closing(&mut self, at: Timestamp, trackers: &mut Trackers, out: &mut Batch) {
        let end = Ctime::from(at).saturating_add(SLACK);
        for store in self.state.snapshotted.clone() {
            let Some((t, pump)) = trackers.scanner(&store) else {
                continue;
            };
            if !t.covers(end) {
                let _ = scan(t, pump, None);
            }
            let rest = t.claim(None, end);
            let root = t.root.to_string_lossy().into_owned();
            let key = format!("z{}", store.display());
            self.push_between(&store, &root, &rest, Some(&key), out);
            if let Some(e) = self.snapshot_event(t, "session end", &[], at, &root) {
                out.push(store.clone(), e);
            }
            let _ = t.save();
        }
    }

    /// Pushes changes made between commands (`cause: null`), dated by the
    /// latest of them. `key` makes the event's id; without one, that time.
    fn push_between(
        &mut self,
        store: &Path,
        cwd: &str,
        changes: &[Change],
        key: Option<&str>,
        out: &mut Batch,
    ) {
        let Some(at) = changes.iter().map(|c| c.ctime).max() else {
            return;
        };
        let key = key.map_or_else(|| format!("p{}", at.as_nanos()), str::to_owned);
        let at = at.to_timestamp().floor_millis();
        let e = self.edit_event(store, None, cwd, changes, at, &key, None);
        out.push(store.to_path_buf(), e);
    }

    #[allow(clippy::too_many_arguments)]
    fn edit_event(
        &mut self,
        store: &Path,
        cause: Option<&str>,
        cwd: &str,
        changes: &[Change],
        at: Timestamp,
        key: &str,
        unchecked: Option<String>,
    ) -> Event {
        let data = EditFiles {
            files: diff::files_json(changes),
            cause: cause.map(str::to_owned),
            unchecked,
            extra: Default::default(),
        };
        // Changes found when the session began, made while nothing
        // recorded, are dated when they were found, not before the session.
        let at = at.max(self.meta.started);
        let seq = self.next_seq();
        let m = &self.meta;
        Event {
            v: SCHEMA_VERSION,
            id: crate::ids::event_id(at, &m.session, key),
            session: m.session.clone(),
            seq,
            ts: at,
            agent: self.meta.agent.clone(),
            cwd: cwd.to_owned(),
            repo: repo_of(store),
            data: Data::EditFiles(data),
        }
    }

    fn snapshot_event(
        &mut self,
        t: &Tracker,
        label: &str,
        revert: &[Change],
        at: Timestamp,
        cwd: &str,
    ) -> Option<Event> {
        let snap =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.snapshot(label, revert)))
                .unwrap_or_else(|_| Err(anyhow::anyhow!("internal error")));
        let snap = match snap {
            Ok(s) => s,
            Err(e) => {
                *self
                    .state
                    .skipped
                    .entry(format!("snapshot failed: {e:#}"))
                    .or_default() += 1;
                return None;
            }
        };
        let seq = self.next_seq();
        let m = &self.meta;
        let key = format!("s{label}{}", t.root.display());
        Some(Event {
            v: SCHEMA_VERSION,
            id: crate::ids::event_id(at, &m.session, &key),
            session: m.session.clone(),
            seq,
            ts: at,
            agent: m.agent.clone(),
            cwd: cwd.to_owned(),
            repo: t
                .objects
                .user()
                .map(|_| t.root.to_string_lossy().into_owned()),
            data: Data::GitSnapshot(snapshot_data(label, &snap)),
        })
    }
}

/// The `data` of a `git_snapshot` event.
pub fn snapshot_data(label: &str, s: &crate::worktree::snapshot::SnapshotInfo) -> GitSnapshot {
    GitSnapshot {
        label: label.to_owned(),
        snapshot: s.commit.to_string(),
        head: s.head.map(|h| h.to_string()),
        branch: s.branch.clone(),
        files_changed: s.files_changed.map(|n| n as u64),
        tree: Some(s.tree.to_string()),
        extra: Default::default(),
    }
}

fn repo_of(store: &Path) -> Option<String> {
    let root = store.parent()?;
    root.join(".git")
        .exists()
        .then(|| root.to_string_lossy().into_owned())
}
