//! What ingest keeps of one session between passes (`State`, saved after
//! every batch) and what one pass yields (`Batch`: events by store).

use super::pairing::Pairing;
use crate::event::Event;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Ingest's progress through one session, saved after every batch.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    pub journal_off: u64,
    /// The journal's inode, as for the spool (`spool_ino`).
    #[serde(default)]
    pub journal_ino: Option<u64>,
    pub spool_off: u64,
    /// The spool file's inode: a different one means it was deleted and
    /// created again, and is read from its start.
    #[serde(default)]
    pub spool_ino: Option<u64>,
    /// The `seq` the next event of this session gets (session_start is 1).
    pub next_seq: u64,
    pub pairing: Pairing,
    /// bash: the history number of the last command line seen.
    pub last_hist: Option<u64>,
    /// Stores this session has written to (each got a session_start).
    pub stores: Vec<PathBuf>,
    /// Bytes of junk skipped, records dropped, and why.
    pub skipped: BTreeMap<String, u64>,
    pub closed: bool,
    /// When the shell was found gone without an end record (fixed once, so
    /// that a replay after a crash derives the same session_end).
    #[serde(rename = "gone_ms", default, with = "crate::timestamp::opt_epoch_ms")]
    pub gone: Option<Timestamp>,
    /// Stores whose work tree got this session's first snapshot.
    #[serde(default)]
    pub snapshotted: Vec<PathBuf>,
    /// Stores (and why) whose file changes could not be checked, said once.
    #[serde(default)]
    pub unchecked: Vec<String>,
}

impl State {
    /// The `seq` of the session's next event (session_start is 1).
    pub fn next_seq(&mut self) -> u64 {
        let s = self.next_seq.max(2);
        self.next_seq = s + 1;
        s
    }
}

/// Events of one pass, grouped by the store they go to.
#[derive(Default)]
pub struct Batch {
    pub by_store: BTreeMap<PathBuf, Vec<Event>>,
}

impl Batch {
    pub fn push(&mut self, store: PathBuf, ev: Event) {
        self.by_store.entry(store).or_default().push(ev);
    }

    pub fn len(&self) -> usize {
        self.by_store.values().map(Vec::len).sum()
    }
}
