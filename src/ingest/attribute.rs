//! Who made a change, from the evidence alone.
//!
//! A change found by a look at the tree was made after the look before it
//! began (`Change::after`) and before this one ended (`Change::seen`); the
//! kernel stamped its last write (`Change::ctime`) from a clock that may lag
//! by a tick. A command (or an agent's tool call) is a candidate when it ran
//! within that span. The change is given to a command only when that command
//! is the only candidate, the look before it began after the command did,
//! and the last write falls within its run. Otherwise it is recorded once
//! for all the candidates (`causes`), or as made between commands when no
//! command ran. "One of these three" is an answer; a wrong name is not.
//!
//! Commands of every session that records into the store are candidates,
//! so two shells working in one tree never take each other's changes.

use super::claims::Claim;
use crate::timestamp::Ctime;
use crate::worktree::{change, Change, Tracker};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// How far the kernel's file clock may lag the wall clock: a write stamped
/// this long before a command began may still be that command's (a tick is
/// 10 ms at HZ=100, 4 ms at HZ=250).
pub const SLACK: Duration = Duration::from_millis(15);

/// How long an ended command stays a candidate for changes found later (a
/// stalled ingest finds them late).
const KEEP: Duration = Duration::from_secs(600);

/// One command's run, as its records tell it.
#[derive(Debug, Clone)]
pub struct Span {
    /// The id its event has (or would have: see `recorded`).
    pub id: String,
    pub session: String,
    /// The earliest it can have begun (its recorded start) ...
    pub start: Ctime,
    /// ... and the latest (a coarse clock stamps up to a tick early; it had
    /// begun when its record was read).
    pub begun: Ctime,
    /// When it ended, and the latest its writes can be stamped (allowing
    /// for a shell's coarse clock); None while it runs.
    pub end: Option<(Ctime, Ctime)>,
    /// False for a command that is not stored (its text could not be
    /// known): its changes count as made between commands.
    pub recorded: bool,
}

/// The runs of the commands of one store, from every session, in the order
/// they began (then the order their records were read in).
#[derive(Debug, Default)]
pub struct Spans {
    by_start: BTreeMap<(Ctime, u64), Span>,
    by_id: HashMap<String, (Ctime, u64)>,
    /// The next span's place in the read order.
    next: u64,
    /// Spans closed since the last pruning.
    closed: u32,
    /// What agents' edit calls say they wrote, by call.
    claims: HashMap<String, Claim>,
}

/// Old spans are pruned after this many commands end.
const PRUNE_EVERY: u32 = 256;

/// What the evidence says of a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No command ran while it was made.
    Between,
    /// This command made it.
    By(String),
    /// One of these commands made it, or it was made between them.
    Among(Vec<String>),
}

impl Spans {
    /// A command began between `start` and `begun` (again: the same record
    /// read twice changes nothing).
    pub fn open(&mut self, id: &str, session: &str, start: Ctime, begun: Ctime) {
        if self.by_id.contains_key(id) {
            return;
        }
        let key = (start, self.next);
        self.next += 1;
        self.by_id.insert(id.to_owned(), key);
        self.by_start.insert(
            key,
            Span {
                id: id.to_owned(),
                session: session.to_owned(),
                start,
                begun: begun.max(start),
                end: None,
                recorded: true,
            },
        );
    }

    /// A command ended by `end`; its writes are stamped no later than
    /// `stamped`. It had ended when its exit record was read: now.
    pub fn close(&mut self, id: &str, end: Ctime, stamped: Ctime, recorded: bool) {
        let now = Ctime::now();
        let (end, stamped) = (end.min(now), stamped.min(now));
        if let Some(s) = self.by_id.get(id).and_then(|k| self.by_start.get_mut(k)) {
            let end = end.max(s.start);
            s.end = Some((end, stamped.max(end)));
            s.recorded = recorded;
        }
        self.closed += 1;
        if self.closed >= PRUNE_EVERY {
            self.closed = 0;
            self.prune();
        }
    }

    /// A command stored before this ingest began, with its recorded run
    /// (a span already known is left as it is).
    pub fn recall(&mut self, id: &str, session: &str, start: Ctime, end: Ctime) {
        if self.by_id.contains_key(id) {
            return;
        }
        self.open(id, session, start, start);
        self.close(id, end, end.saturating_add(Duration::from_millis(1)), true);
    }

    /// Forgets the commands that ended long before the newest began.
    fn prune(&mut self) {
        let Some(((newest, _), _)) = self.by_start.last_key_value() else {
            return;
        };
        let horizon = newest.saturating_sub(KEEP);
        let (by_id, claims) = (&mut self.by_id, &mut self.claims);
        self.by_start.retain(|_, s| {
            let keep = s.end.is_none_or(|(e, _)| e > horizon);
            if !keep {
                by_id.remove(&s.id);
                claims.remove(&s.id);
            }
            keep
        });
    }

    /// A session ended: whatever it still ran ended by `at`.
    pub fn close_session(&mut self, session: &str, at: Ctime) {
        for s in self.by_start.values_mut().filter(|s| s.session == session) {
            if s.end.is_none() {
                let at = at.max(s.start);
                s.end = Some((at, at));
            }
        }
    }

    /// The commands that may have made `ch`, in the order they began.
    fn candidates(&self, ch: &Change) -> Vec<&Span> {
        // One whole write was made when it was stamped (or up to a tick
        // later); several may have begun any time after the look before.
        let first = if ch.writes == 1 {
            ch.after.max(ch.ctime)
        } else {
            ch.after
        };
        // None began after the last write it can have made.
        let bound = ch.seen.min(ch.ctime.saturating_add(SLACK));
        self.by_start
            .range(..=(bound, u64::MAX))
            .map(|(_, s)| s)
            .filter(|s| s.end.is_none_or(|(e, _)| e >= first))
            .collect()
    }

    /// What call `id` says it wrote (an agent's edit).
    pub fn claim(&mut self, id: &str, claim: Claim) {
        self.claims.insert(id.to_owned(), claim);
    }

    /// The change split among the candidates that say they made it, when
    /// their edits add up to it exactly (see `claims.rs`).
    fn split(&self, o: &Outcome, ch: &Change, t: &Tracker) -> Option<Vec<(Outcome, Change)>> {
        let Outcome::Among(ids) = o else {
            return None;
        };
        let claims: Vec<(&str, &Claim)> = ids
            .iter()
            .filter_map(|id| Some((id.as_str(), self.claims.get(id)?)))
            .collect();
        let pieces = super::claims::split(ch, &claims, t)?;
        Some(
            pieces
                .into_iter()
                .map(|(id, c)| (Outcome::By(id), c))
                .collect(),
        )
    }

    /// The change told step by step: the steps the kernel proved (see
    /// `worktree::steps`), each with what the evidence says of it, when
    /// each names its one command; else, unless one command made all of
    /// it, the split agents' claims make, or the steps as they are.
    fn pieces(&self, o: &Outcome, ch: &Change, t: &Tracker) -> Option<Vec<(Outcome, Change)>> {
        let steps: Option<Vec<(Outcome, Change)>> = (!ch.steps.is_empty())
            .then(|| {
                ch.steps
                    .iter()
                    .map(|s| Some((self.outcome(s)?, s.clone())))
                    .collect()
            })
            .flatten();
        let exact = |p: &Vec<(Outcome, Change)>| p.iter().all(|(o, _)| matches!(o, Outcome::By(_)));
        match steps {
            Some(p) if exact(&p) => Some(p),
            // Named whole: no step says more.
            _ if matches!(o, Outcome::By(_)) => None,
            steps => self.split(o, ch, t).or(steps),
        }
    }

    /// `ids` in the order their commands began.
    fn in_order(&self, ids: &mut [String]) {
        ids.sort_by_key(|id| self.by_id.get(id).copied().unwrap_or((Ctime::EPOCH, 0)));
    }

    /// What the evidence says of `ch`; None while a command that may have
    /// made it still runs.
    pub fn outcome(&self, ch: &Change) -> Option<Outcome> {
        let cands = self.candidates(ch);
        if cands.iter().any(|s| s.end.is_none()) {
            return None;
        }
        let ids: Vec<String> = cands
            .iter()
            .filter(|s| s.recorded)
            .map(|s| s.id.clone())
            .collect();
        Some(match cands.as_slice() {
            [] => Outcome::Between,
            [s] if s.recorded && owns(s, ch) => Outcome::By(s.id.clone()),
            _ if ids.is_empty() => Outcome::Between,
            _ => Outcome::Among(ids),
        })
    }
}

/// Whether `s`, the only command that ran while `ch` was made, made all of
/// it: its last write is stamped within the command's run, and either the
/// look before began after the command did, or the kernel reported a single
/// whole write (so nothing of it was written before the command began,
/// unless within the clock's slack of its start).
fn owns(s: &Span, ch: &Change) -> bool {
    let Some((_, stamped)) = s.end else {
        return false;
    };
    let last_in_run = ch.ctime.saturating_add(SLACK) >= s.start && ch.ctime <= stamped;
    last_in_run && (ch.after >= s.begun || ch.writes == 1)
}

/// When the commands that may have made a change are all known: those of
/// the session settling them (read at `own`; at its end, all), and those of
/// every other session (known until `others`, if there are any).
pub struct Known {
    pub own: Ctime,
    pub others: Option<Ctime>,
    /// The session is ending: none of its commands is still to come.
    pub last: bool,
}

impl Known {
    fn before(ch: &Change, t: Ctime) -> bool {
        ch.seen <= t || ch.ctime.saturating_add(SLACK) <= t
    }

    fn all(&self, ch: &Change) -> bool {
        (self.last || Self::before(ch, self.own)) && self.others.is_none_or(|t| Self::before(ch, t))
    }
}

/// Takes the changes the evidence can settle now, grouped by what it says
/// (each group merged per file), oldest first. A change that may be younger
/// than what is known of the commands is left for a later pass (a command
/// read later could have made it). Returns the groups and whether any
/// change waits for this session's next pass.
pub fn settle(
    t: &mut Tracker,
    spans: &Spans,
    known: &Known,
) -> (Vec<(Outcome, Vec<Change>)>, bool) {
    // While a change waits, so do all but those made between commands: a
    // command's changes go out together, and a file changed and changed
    // back is no change.
    let pending = t.unclaimed.iter().any(|c| !known.all(c));
    let mut settled: Vec<(Outcome, Change)> = Vec::new();
    // Changes that agents' own edits account for, step by step: each step
    // is its call's, and is not joined with the file's other steps.
    let mut split: Vec<(Outcome, Change)> = Vec::new();
    let mut keep = Vec::new();
    for ch in std::mem::take(&mut t.unclaimed) {
        let outcome = if known.all(&ch) {
            spans.outcome(&ch)
        } else {
            None
        };
        match outcome.filter(|o| !pending || *o == Outcome::Between) {
            None => keep.push(ch),
            Some(o) => match spans.pieces(&o, &ch, t) {
                Some(pieces) => split.extend(pieces),
                None => settled.push((o, ch)),
            },
        }
    }
    t.unclaimed = keep;
    // One file changed in steps that tell different stories: the net
    // change, told for all of them together.
    let mut by_path: HashMap<Vec<u8>, Outcome> = HashMap::new();
    for (o, ch) in &settled {
        for p in std::iter::once(&ch.path).chain(&ch.from) {
            by_path
                .entry(p.clone())
                .and_modify(|had| *had = joined(had, o))
                .or_insert_with(|| o.clone());
        }
    }
    let mut groups: Vec<(Outcome, Vec<Change>)> = Vec::new();
    let joined_all = settled.into_iter().map(|(_, ch)| {
        let mut o = by_path[&ch.path].clone();
        if let Outcome::Among(ids) = &mut o {
            spans.in_order(ids);
        }
        (o, ch)
    });
    for (o, ch) in joined_all.chain(split) {
        match groups.iter_mut().find(|(g, _)| *g == o) {
            Some((_, v)) => v.push(ch),
            None => groups.push((o, vec![ch])),
        }
    }
    // Oldest first: a command's group where it began, changes between
    // commands where they were made (the steps of one file in order).
    groups.sort_by_key(|(o, v)| {
        let first = |id: &String| spans.by_id.get(id).copied();
        match o {
            Outcome::By(id) => first(id),
            Outcome::Among(ids) => ids.first().and_then(first),
            Outcome::Between => None,
        }
        .unwrap_or_else(|| (v.iter().map(|c| c.ctime).min().unwrap_or(Ctime::EPOCH), 0))
    });
    let groups = groups
        .into_iter()
        .map(|(o, v)| (o, change::merge(v)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    (groups, !known.last && pending)
}

/// What two steps of one file's change say together: the same command, or
/// any of the commands either names (or between them).
fn joined(a: &Outcome, b: &Outcome) -> Outcome {
    if a == b {
        return a.clone();
    }
    let ids = |o: &Outcome| match o {
        Outcome::Between => Vec::new(),
        Outcome::By(id) => vec![id.clone()],
        Outcome::Among(ids) => ids.clone(),
    };
    let mut all = ids(a);
    for id in ids(b) {
        if !all.contains(&id) {
            all.push(id);
        }
    }
    if all.is_empty() {
        Outcome::Between
    } else {
        Outcome::Among(all)
    }
}

#[cfg(test)]
#[path = "attribute_tests.rs"]
mod tests;
