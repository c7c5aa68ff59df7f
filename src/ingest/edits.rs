//! When ingest looks at a store's work tree, and what it does with what it
//! finds. It looks when a command starts (if it hears of it at once), when
//! it ends, and when a session begins and ends; every change found carries
//! when it can have been made, and `attribute` decides whose it is: one
//! command's, one of several, or made between commands (an editor's save).
//! The shell does none of this work. One look serves every command that
//! ended before it began, so a backlog costs one scan, not one per command.
//! The events it all becomes are made in `edit_events`.

use super::attribute::{self, Known, Outcome, Spans, SLACK};
use super::claims::Claim;
use super::progress::{Batch, State};
use crate::event::{Data, Event};
use crate::runtime::SessionMeta;
use crate::timestamp::{Ctime, Timestamp};
use crate::worktree::{Change, Tracker};
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
    /// Until when each session's channel has been read: a command of it
    /// begun before is known.
    pub read_at: HashMap<String, Ctime>,
    /// What a long scan calls now and then (ingest keeps the FIFOs drained).
    pump: Box<dyn FnMut()>,
}

impl Trackers {
    pub fn new(pump: Box<dyn FnMut()>) -> Trackers {
        Trackers {
            map: HashMap::new(),
            errors: Vec::new(),
            spans: HashMap::new(),
            read_at: HashMap::new(),
            pump,
        }
    }

    /// Saves every tracker's state (ingest is leaving).
    pub fn save_all(&mut self) {
        for t in self.map.values_mut().flatten() {
            let _ = t.save();
        }
    }

    /// Saves the trackers whose save is due: once a batch is stored, so that
    /// no saved state is ahead of the store.
    pub fn save_due(&mut self) {
        for t in self.map.values_mut().flatten() {
            if let Err(e) = t.save_due() {
                self.errors
                    .push(format!("file changes in {}: {e:#}", t.root.display()));
            }
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
                    Ok(t) => {
                        let spans = self.spans.entry(store.to_path_buf()).or_default();
                        let looked = t.looked().unwrap_or_else(Ctime::now);
                        super::recall::stored_runs(store, looked, spans);
                        Some(t)
                    }
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
    // Tests make looks late, as a busy machine does.
    let late = crate::knobs::millis("DEVTRACE_TEST_LOOK_LATE_MS", std::time::Duration::ZERO);
    if !late.is_zero() {
        std::thread::sleep(late);
    }
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.scan(since, pump)));
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
    pub(super) fn next_seq(&mut self) -> u64 {
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

    /// An agent's call that never ended is over by `at`.
    pub(super) fn call_ended(
        &mut self,
        store: &Path,
        id: &str,
        at: Timestamp,
        trackers: &mut Trackers,
    ) {
        if let Some(spans) = trackers.spans.get_mut(store) {
            let at = Ctime::from(at);
            spans.close(id, at, at, true);
        }
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
        self.settle(store, &root, false, trackers, out);
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
            self.settle(&store, &root, false, trackers, out);
        }
    }

    /// What is known of the commands of every session (this session's read
    /// in this pass, the others' as ingest last looked).
    fn known(&self, trackers: &Trackers, last: bool) -> Known {
        let me = &self.meta.session;
        Known {
            own: self.read_at,
            others: trackers
                .read_at
                .iter()
                .filter(|(s, _)| *s != me)
                .map(|(_, t)| *t)
                .min(),
            last,
        }
    }

    /// Takes the changes the evidence settles now and pushes them, each
    /// group as one `edit_files`.
    fn settle(
        &mut self,
        store: &Path,
        cwd: &str,
        last: bool,
        trackers: &mut Trackers,
        out: &mut Batch,
    ) {
        let known = self.known(trackers, last);
        let Some((t, _, spans)) = trackers.parts(store) else {
            return;
        };
        let (groups, waiting) = attribute::settle(t, spans, &known);
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
        let known = self.known(trackers, false);
        let (Some(w), Some((t, pump, spans))) = (&w, trackers.parts(&store)) else {
            ev.seq = self.next_seq();
            out.push(store, ev);
            return;
        };
        spans.close(&ev.id, Ctime::from(w.end), w.to, true);
        if let Data::ToolCall(d) = &ev.data {
            if let Some(c) = Claim::of(&d.tool, &d.input, &ev.cwd, &t.root) {
                spans.claim(&ev.id, c);
            }
        }
        let unchecked = if t.covers(w.to) {
            None
        } else {
            scan(t, pump, Some(w.from)).err()
        };
        let (groups, waiting) = attribute::settle(t, spans, &known);
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
            self.settle(&store, &root, true, trackers, out);
            let Some(t) = trackers.get(&store) else {
                continue;
            };
            if let Some(e) = self.snapshot_event(t, "session end", &[], at, &root) {
                out.push(store.clone(), e);
            }
            t.save_soon();
        }
    }
}
