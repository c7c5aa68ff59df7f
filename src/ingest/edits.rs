//! The files each command changed. Ingest looks at a store's work tree when
//! a command starts (if it hears of it at once) and after it ends; every
//! change found carries its ctime, so it is claimed by the command whose run
//! it falls in, or, when it happened between commands (an editor's save, an
//! agent's edit tool), recorded with `cause: null`. The shell does none of
//! this work. One scan serves every command that ended before it began, so a
//! backlog costs one scan, not one per command.

use super::attribute::{self, Outcome, Spans, SLACK};
use super::progress::{Batch, State};
use crate::event::{Data, EditFiles, Event, GitSnapshot, SCHEMA_VERSION};
use crate::runtime::SessionMeta;
use crate::timestamp::{Ctime, Timestamp};
use crate::worktree::{diff, Change, Tracker};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A command record this fresh is heard of "at once": the tree is looked at
/// before the command can have done much.
const LIVE: Duration = Duration::from_secs(2);

/// One tracker per store; `None` for stores whose files are not tracked
/// (the global store) or could not be opened.
pub struct Trackers {
    map: HashMap<PathBuf, Option<Tracker>>,
    pub errors: Vec<String>,
    /// The commands of each store, from every session: the candidates.
    pub spans: HashMap<PathBuf, Spans>,
    /// What a long scan calls now and then (ingest keeps the FIFOs drained).
    pump: Box<dyn FnMut()>,
}

impl Trackers {
    pub fn new(pump: Box<dyn FnMut()>) -> Trackers {
        Trackers {
            map: HashMap::new(),
            errors: Vec::new(),
            spans: HashMap::new(),
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
        self.parts(store).map(|(t, _, _)| t)
    }

    /// The tracker of `store`, what to call during its scans, and the
    /// commands that ran in it.
    fn parts(&mut self, store: &Path) -> Option<(&mut Tracker, &mut dyn FnMut(), &mut Spans)> {
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
        let spans = self.spans.entry(store.to_path_buf()).or_default();
        Some((t, &mut *self.pump, spans))
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

/// A session's part in finding its commands' file changes: who it is, its
/// progress (event numbers, stores snapshotted, what was skipped), and when
/// its channel was last read.
pub struct Edits<'a> {
    pub meta: &'a SessionMeta,
    pub state: &'a mut State,
    /// When this pass began reading the session's channel: a command begun
    /// later is not known yet, so a change that may be younger waits.
    pub read_at: Ctime,
    /// Set when a change waits for the next read: the session gets another
    /// pass at once.
    pub recheck: &'a mut bool,
}

impl Edits<'_> {
    fn next_seq(&mut self) -> u64 {
        self.state.next_seq()
    }

    /// A command's record was read: it is a candidate for the changes made
    /// from its start (in every session of the store) until it ends.
    /// `coarse`: its start was stamped by a clock of 10 ms ticks (fish).
    pub(super) fn command_seen(
        &mut self,
        store: &Path,
        id: &str,
        start: Timestamp,
        coarse: bool,
        trackers: &mut Trackers,
    ) {
        let start = Ctime::from(start);
        let tick = Duration::from_millis(if coarse { 10 } else { 0 });
        let begun = start.saturating_add(tick).min(Ctime::now());
        trackers.spans.entry(store.to_path_buf()).or_default().open(
            id,
            &self.meta.session,
            start,
            begun,
        );
    }

    /// A command record arrived: if it is fresh, look at the tree now, so
    /// that edits made before the command are told apart from its own (and,
    /// for the session's first command, the tree before it is known).
    pub(super) fn command_started(
        &mut self,
        store: &Path,
        start: Option<Timestamp>,
        trackers: &mut Trackers,
        out: &mut Batch,
    ) {
        let Some(start) = start else {
            return;
        };
        let at = Ctime::from(start);
        if Ctime::now().since(at) > LIVE {
            return;
        }
        let idle = self.state.pairing.pending.is_empty();
        let Some((t, pump, _)) = trackers.parts(store) else {
            return;
        };
        if !t.covers(at) {
            let _ = scan(t, pump, Some(at.saturating_sub(SLACK)));
        }
        if !idle {
            return;
        }
        // Edits made at the prompt are known now: they go in before what
        // this command (a note, say) sends while it runs.
        let root = t.root.to_string_lossy().into_owned();
        self.settle(store, &root, trackers, out);
        if !self.state.snapshotted.iter().any(|s| s == store) {
            let Some((t, _, _)) = trackers.parts(store) else {
                return;
            };
            // The tree just before the first command: what it (or anyone)
            // changed since it began, undone.
            let revert: Vec<Change> = t
                .unclaimed
                .iter()
                .filter(|c| c.ctime.saturating_add(SLACK) >= at)
                .cloned()
                .collect();
            if let Some(e) =
                self.snapshot_event(t, "session start", &revert, start.floor_millis(), &root)
            {
                out.push(store.to_path_buf(), e);
            }
            self.state.snapshotted.push(store.to_path_buf());
        }
    }

    /// When a session starts in a store: know the tree before any command
    /// (what changed since the shell started is compared with the index).
    pub(super) fn warm_up(&self, store: &Path, trackers: &mut Trackers) {
        let since = Ctime::from(self.meta.started).saturating_sub(SLACK);
        if let Some((t, pump, _)) = trackers.parts(store) {
            // A look now, so that the first command's writes are told
            // from what came before it.
            if !t.has_baseline() || !t.watching() {
                let _ = scan(t, pump, Some(since));
            }
        }
    }

    /// Settles what the evidence can settle now, in every store this session
    /// has snapshotted (changes left waiting by an earlier pass).
    pub(super) fn settle_all(&mut self, trackers: &mut Trackers, out: &mut Batch) {
        for store in self.state.snapshotted.clone() {
            let root = store
                .parent()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            self.settle(&store, &root, trackers, out);
        }
    }

    /// Takes the changes the evidence settles now and pushes them, each
    /// group as one `edit_files`.
    fn settle(&mut self, store: &Path, cwd: &str, trackers: &mut Trackers, out: &mut Batch) {
        let Some((t, _, spans)) = trackers.parts(store) else {
            return;
        };
        let (groups, waiting) = attribute::settle(t, spans, self.read_at);
        *self.recheck |= waiting;
        for (o, changes) in groups {
            self.push_group(store, cwd, &o, &changes, None, out);
        }
    }

    /// Pushes a finished command with what it changed: edits found from
    /// before it (cause null), the session's first snapshot of this store
    /// (when it was not taken as the command began), the `run_command`
    /// itself, then the changes it made (or may have made, with others).
    pub(super) fn push_command(
        &mut self,
        store: PathBuf,
        mut ev: Event,
        n: u64,
        w: Option<Window>,
        trackers: &mut Trackers,
        out: &mut Batch,
    ) {
        let (Some(w), Some((t, pump, spans))) = (&w, trackers.parts(&store)) else {
            ev.seq = self.next_seq();
            out.push(store, ev);
            return;
        };
        spans.close(&ev.id, Ctime::from(w.end), w.to, true);
        let unchecked = if t.covers(w.to) {
            None
        } else {
            scan(t, pump, Some(w.from)).err()
        };
        let (groups, waiting) = attribute::settle(t, spans, self.read_at);
        *self.recheck |= waiting;
        let (before, after): (Vec<_>, Vec<_>) = groups
            .into_iter()
            .partition(|(o, _)| *o == Outcome::Between);
        let end = w.end.floor_millis();
        for (o, changes) in &before {
            self.push_group(&store, &ev.cwd, o, changes, Some(&format!("b{n}")), out);
        }
        if !self.state.snapshotted.contains(&store) {
            self.state.snapshotted.push(store.clone());
            if let Some(t) = trackers.get(&store) {
                // The state when the command began: the changes since, undone.
                let mut revert: Vec<Change> = after.iter().flat_map(|(_, c)| c.clone()).collect();
                revert.extend(t.unclaimed.iter().cloned());
                revert.sort_by_key(|c| c.ctime);
                if let Some(e) = self.snapshot_event(
                    t,
                    "session start",
                    &revert,
                    w.start.floor_millis(),
                    &ev.cwd,
                ) {
                    out.push(store.clone(), e);
                }
            }
        }
        ev.seq = self.next_seq();
        let (id, cwd) = (ev.id.clone(), ev.cwd.clone());
        out.push(store.clone(), ev);
        let mut unchecked = self.first_unchecked(&store, unchecked);
        for (o, changes) in &after {
            let key = match o {
                Outcome::By(c) if *c == id => Some(format!("e{n}")),
                _ => None,
            };
            let note = if key.is_some() {
                unchecked.take()
            } else {
                None
            };
            self.push_group_at(&store, &cwd, o, changes, key.as_deref(), end, note, out);
        }
        if let Some(why) = unchecked {
            let by = Outcome::By(id);
            self.push_group_at(
                &store,
                &cwd,
                &by,
                &[],
                Some(&format!("e{n}")),
                end,
                Some(why),
                out,
            );
        }
    }

    /// The reason the files were not checked, the first time in this store
    /// (counted every time).
    fn first_unchecked(&mut self, store: &Path, why: Option<String>) -> Option<String> {
        let why = why?;
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
        new.then_some(why)
    }

    /// At the session's end: what it changed last, or others between its
    /// commands, and a closing snapshot, in each store where it ran commands.
    pub(super) fn push_closing(&mut self, at: Timestamp, trackers: &mut Trackers, out: &mut Batch) {
        let end = Ctime::from(at).saturating_add(SLACK);
        for store in self.state.snapshotted.clone() {
            let Some((t, pump, spans)) = trackers.parts(&store) else {
                continue;
            };
            spans.close_session(&self.meta.session, Ctime::from(at));
            if !t.covers(end) {
                let _ = scan(t, pump, None);
            }
            let root = t.root.to_string_lossy().into_owned();
            // The shell is gone: no command of it is still to come.
            self.read_at = self.read_at.max(Ctime::now());
            self.settle(&store, &root, trackers, out);
            let Some(t) = trackers.get(&store) else {
                continue;
            };
            if let Some(e) = self.snapshot_event(t, "session end", &[], at, &root) {
                out.push(store.clone(), e);
            }
            let _ = t.save();
        }
    }

    /// Pushes one group of changes, dated by the latest of them.
    fn push_group(
        &mut self,
        store: &Path,
        cwd: &str,
        o: &Outcome,
        changes: &[Change],
        key: Option<&str>,
        out: &mut Batch,
    ) {
        let Some(at) = changes.iter().map(|c| c.ctime).max() else {
            return;
        };
        let ts = at.to_timestamp().floor_millis();
        self.push_group_at(store, cwd, o, changes, key, ts, None, out);
    }

    /// Pushes one group of changes as an `edit_files` dated `at`. `key`
    /// makes the event's id; without one, the latest change's time.
    #[allow(clippy::too_many_arguments)]
    fn push_group_at(
        &mut self,
        store: &Path,
        cwd: &str,
        o: &Outcome,
        changes: &[Change],
        key: Option<&str>,
        at: Timestamp,
        unchecked: Option<String>,
        out: &mut Batch,
    ) {
        let latest = changes.iter().map(|c| c.ctime).max().unwrap_or_default();
        let tag = match o {
            Outcome::Between => "p",
            Outcome::By(_) => "e",
            Outcome::Among(_) => "a",
        };
        let key = key.map_or_else(|| format!("{tag}{}", latest.as_nanos()), str::to_owned);
        let e = self.edit_event(store, o, cwd, changes, at, &key, unchecked);
        out.push(store.to_path_buf(), e);
    }

    #[allow(clippy::too_many_arguments)]
    fn edit_event(
        &mut self,
        store: &Path,
        o: &Outcome,
        cwd: &str,
        changes: &[Change],
        at: Timestamp,
        key: &str,
        unchecked: Option<String>,
    ) -> Event {
        let (cause, causes) = match o {
            Outcome::Between => (None, None),
            Outcome::By(id) => (Some(id.clone()), None),
            Outcome::Among(ids) => (None, Some(ids.clone())),
        };
        let data = EditFiles {
            files: diff::files_json(changes),
            cause,
            causes,
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
