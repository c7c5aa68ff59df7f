//! One recorded shell, as ingest sees it: its channel files (read through
//! `reader`), its progress through them (kept in `progress`), and the
//! events its records become (`events`; the files its commands changed:
//! `edits`, through its own type).

use super::edits::{Edits, Trackers};
use super::pairing::{command_text, Done, Text};
use super::progress::{Batch, State};
use super::reader::{deleted_fifo, drain, open_fifo, pidfd_open, read_new};
use super::route::Router;
use super::wipe::{wipe, Wiped};
use crate::runtime::{self, Channel, SessionMeta};
use crate::timestamp::{Ctime, Timestamp};
use crate::wire::{Decoder, Item, Record};
use anyhow::{Context, Result};
use std::fs::{self, File};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::PathBuf;

pub struct Session {
    pub chan: Channel,
    pub meta: SessionMeta,
    pub state: State,
    fifo: Option<File>,
    pub pidfd: Option<OwnedFd>,
    journal_dec: Decoder,
    spool_dec: Decoder,
    /// Set when the shell has gone (end record, or its process exited).
    pub gone: bool,
    /// Set when a pass left bytes unread: another pass follows at once.
    pub backlog: bool,
    /// How far the journal and the spool (of which inode) are wiped.
    wiped: [(Option<u64>, u64); 2],
    /// Whether a failed wipe was reported (once per session).
    wipe_failed: bool,
    /// When this pass began reading the channel (see `Edits::read_at`).
    pub read_at: Ctime,
    /// Until when this session's commands are known to the other sessions
    /// (its records read and handled, or nothing unread).
    pub known_at: Ctime,
    /// A change waits for the next read: another pass follows at once.
    pub recheck: bool,
    /// Whether the commands held in the saved pairing are candidates yet.
    held_seen: bool,
}

impl Session {
    pub fn load(chan: Channel) -> Result<Session> {
        // Only files that are ours and private are read (never through a link).
        runtime::check_private(&chan.meta(), false)?;
        if fs::symlink_metadata(chan.fifo()).is_ok() {
            runtime::check_private(&chan.fifo(), false)?;
        }
        let meta_bytes = fs::read(chan.meta())
            .with_context(|| format!("could not read {}", chan.meta().display()))?;
        let meta: SessionMeta = serde_json::from_slice(&meta_bytes)
            .with_context(|| format!("could not parse {}", chan.meta().display()))?;
        let state = match fs::read(chan.state()) {
            Ok(b) => serde_json::from_slice(&b).unwrap_or_default(),
            Err(_) => State {
                next_seq: 2,
                ..State::default()
            },
        };
        let fifo = open_fifo(&chan.fifo()).or_else(|| deleted_fifo(meta.shell_pid, &chan.fifo()));
        let pidfd = pidfd_open(meta.shell_pid);
        let mut s = Session {
            chan,
            meta,
            state,
            fifo,
            pidfd,
            journal_dec: Decoder::with_limit(crate::wire::MAX_FIFO_RECORD),
            spool_dec: Decoder::new(),
            gone: false,
            backlog: false,
            wiped: [(None, 0); 2],
            wipe_failed: false,
            read_at: Ctime::EPOCH,
            known_at: Ctime::EPOCH,
            recheck: false,
            held_seen: false,
        };
        if !runtime::process_alive(s.meta.shell_pid, s.meta.shell_start_ticks) {
            s.gone = true;
        }
        Ok(s)
    }

    pub fn fifo_fd(&self) -> Option<BorrowedFd<'_>> {
        self.fifo.as_ref().map(|f| f.as_fd())
    }

    /// The part of the session that finds its commands' file changes.
    pub(super) fn edits(&mut self) -> Edits<'_> {
        Edits {
            meta: &self.meta,
            state: &mut self.state,
            read_at: self.read_at,
            recheck: &mut self.recheck,
        }
    }

    /// Moves whatever the FIFO holds into the journal, where it is safe from
    /// a crash until it has been stored. Returns whether anything came.
    pub fn drain_fifo(&mut self) -> Result<bool> {
        // Every record written before now is read in this pass.
        self.read_at = Ctime::now();
        let Some(fifo) = self.fifo.as_mut() else {
            return Ok(false);
        };
        let (total, more) = drain(fifo, &self.chan.journal())?;
        self.backlog |= more;
        Ok(total > 0)
    }

    /// Whether the channel holds nothing this session has not read (the
    /// FIFO empty, the journal and spool read to their ends).
    pub fn nothing_unread(&self) -> bool {
        let read_to = |path: PathBuf, off: u64| fs::metadata(path).map_or(true, |m| m.len() <= off);
        let fifo_empty = self.fifo.as_ref().is_none_or(|f| {
            let mut fds = [nix::poll::PollFd::new(
                f.as_fd(),
                nix::poll::PollFlags::POLLIN,
            )];
            matches!(
                nix::poll::poll(&mut fds, nix::poll::PollTimeout::ZERO),
                Ok(0)
            )
        });
        fifo_empty
            && !self.backlog
            && read_to(self.chan.journal(), self.state.journal_off)
            && read_to(self.chan.spool(), self.state.spool_off)
    }

    /// Reads new records (journal first: it holds what came through the
    /// FIFO, which the shell wrote after anything already in the spool) and
    /// turns the finished ones into events, grouped by store.
    pub fn process(
        &mut self,
        router: &mut Router,
        trackers: &mut Trackers,
        out: &mut Batch,
    ) -> Result<()> {
        self.backlog = false;
        self.recheck = false;
        if self.read_at == Ctime::EPOCH {
            self.read_at = Ctime::now();
        }
        let (items, spool_error) = self.read_items()?;
        if self.meta.lazy && self.state.stores.is_empty() && items.is_empty() {
            // Registered by `devtrace hook` for a shell that has not taken
            // it (yet): nothing to record, and nothing left once it is gone.
            if self.gone && !self.backlog {
                self.state.closed = true;
            }
            return Ok(());
        }
        if self.state.stores.is_empty() {
            // The session starts in the store of its first directory.
            let cwd = PathBuf::from(&self.meta.cwd);
            let store = router.store_for(&cwd);
            self.ensure_started(&store, out);
            self.edits().warm_up(&store, trackers);
        }
        if !self.held_seen {
            // Commands an earlier ingest read and saved, still running when
            // it stopped: candidates for what this one finds.
            self.held_seen = true;
            for (n, c) in self.state.pairing.held_commands() {
                self.command_seen(n, &c, router, trackers);
            }
        }
        let next_start = self.next_starts(&items);
        // Every command read is a candidate from its start, before any
        // change is settled in this pass.
        let mut numberless = 0;
        for item in &items {
            if let Item::Record(Record::Cmd(c)) = item {
                let n = self.state.pairing.number_of(c, numberless);
                numberless += u64::from(c.seq == 0);
                self.command_seen(n, c, router, trackers);
            }
        }
        // Records are handled in arrival order, and whatever they finish is
        // pushed at once, so that an event sent from inside a command lands
        // after the commands before it.
        for (i, item) in items.into_iter().enumerate() {
            self.handle(item, next_start[i], router, trackers, out);
        }
        self.finish_pass(router, trackers, out)?;
        spool_error.map_or(Ok(()), Err)
    }

    /// The new items of the journal, then of the spool. A spool that cannot
    /// be read does not cost the journal's items (their offset has moved on):
    /// they are handled, and the spool's error reported after them.
    fn read_items(&mut self) -> Result<(Vec<Item>, Option<anyhow::Error>)> {
        let mut items = read_new(
            &self.chan.journal(),
            &mut self.state.journal_off,
            Some(&mut self.state.journal_ino),
            &mut self.journal_dec,
            &mut self.backlog,
        )?;
        let spool = read_new(
            &self.chan.spool(),
            &mut self.state.spool_off,
            Some(&mut self.state.spool_ino),
            &mut self.spool_dec,
            &mut self.backlog,
        );
        match spool {
            Ok(more) => {
                items.extend(more);
                Ok((items, None))
            }
            Err(e) => Ok((items, Some(e))),
        }
    }

    /// Where the next command of this batch began, for each position: a
    /// command's changes end there.
    fn next_starts(&self, items: &[Item]) -> Vec<Option<Timestamp>> {
        let mut next_start: Vec<Option<Timestamp>> = vec![None; items.len() + 1];
        for (i, item) in items.iter().enumerate().rev() {
            next_start[i] = match item {
                Item::Record(Record::Cmd(c)) => self.stamp(c.at),
                _ => next_start[i + 1],
            };
        }
        next_start
    }

    /// Handles one item read, pushing whatever it finishes.
    fn handle(
        &mut self,
        item: Item,
        next_start: Option<Timestamp>,
        router: &mut Router,
        trackers: &mut Trackers,
        out: &mut Batch,
    ) {
        match item {
            Item::Record(Record::HistoryBase(h)) => {
                if self.state.last_hist.is_none() {
                    self.state.last_hist = super::pairing::split_history(&h.text).map(|(n, _)| n);
                }
            }
            Item::Record(Record::Event(v)) => match self.sent_event(&v, router) {
                Some((store, mut ev)) => {
                    if ev.kind() == Some(crate::event::Kind::Prompt) {
                        self.close_calls(ev.ts, router, trackers, out);
                    }
                    self.ensure_started(&store, out);
                    ev.seq = self.next_seq();
                    out.push(store, ev);
                }
                None => {
                    *self
                        .state
                        .skipped
                        .entry("bad event record".into())
                        .or_default() += 1
                }
            },
            Item::Record(r) => {
                if let Record::Cmd(c) = &r {
                    let store = router.store_for_bytes(&c.cwd);
                    let at = self.stamp(c.at);
                    self.edits().command_started(&store, at, trackers, out);
                }
                self.state.pairing.add(r);
                // Within a pass nothing after a missing number goes:
                // its record may come later in this very pass (from the
                // other channel). The pass's end decides.
                let ready = self.state.pairing.take_ready_holding(false, true);
                self.push_done(ready, next_start, router, trackers, out);
            }
            Item::Skipped(s) => {
                *self.state.skipped.entry(s.reason.to_owned()).or_default() += s.bytes as u64
            }
        }
    }

    /// At the end of a pass: hands on what the pass completed, and closes
    /// the session once its shell is gone and everything is read.
    fn finish_pass(
        &mut self,
        router: &mut Router,
        trackers: &mut Trackers,
        out: &mut Batch,
    ) -> Result<()> {
        let closing = (self.gone || self.state.pairing.has_end()) && !self.backlog;
        let ready = self.state.pairing.take_ready_holding(closing, self.backlog);
        self.push_done(ready, None, router, trackers, out);
        if closing && !self.state.closed {
            // Saved with the progress, once this pass's events are stored
            // (saved before, a crash in between would skip them for good).
            let at = *self
                .state
                .gone
                .get_or_insert_with(|| Timestamp::now().floor_millis());
            self.edits().push_closing(at, trackers, out);
            self.end_events("gone", at, out);
        } else if !self.state.closed {
            // Changes an earlier pass left waiting for this read.
            self.edits().settle_all(trackers, out);
        }
        Ok(())
    }

    pub(super) fn push_done(
        &mut self,
        ready: Vec<Done>,
        next_start: Option<Timestamp>,
        router: &mut Router,
        trackers: &mut Trackers,
        out: &mut Batch,
    ) {
        for done in ready {
            match done {
                Done::Command { n, cmd, exit } => {
                    let text = match command_text(&cmd, &mut self.state.last_hist) {
                        Text::Known(t) => t,
                        Text::Skip(why) => {
                            *self.state.skipped.entry(why.to_owned()).or_default() += 1;
                            self.command_unrecorded(n, &cmd, exit.as_ref(), router, trackers);
                            continue;
                        }
                    };
                    let store = router.store_for_bytes(&cmd.cwd);
                    self.ensure_started(&store, out);
                    let (ev, mut window) =
                        self.command_event(n, &cmd, exit.as_ref(), &text, router);
                    if let Some(w) = window.as_mut() {
                        w.cap(next_start);
                    }
                    self.edits()
                        .push_command(store, ev, n, window, trackers, out);
                }
                Done::End(e) => {
                    let at = self
                        .stamp(e.at)
                        .unwrap_or_else(Timestamp::now)
                        .floor_millis();
                    if !self.state.closed {
                        self.edits().push_closing(at, trackers, out);
                    }
                    self.end_events(&e.reason, at, out);
                }
            }
        }
    }

    /// The spool file was deleted: whatever file comes next under its name
    /// is new, and read from its start.
    pub fn spool_deleted(&mut self) {
        self.state.spool_off = 0;
        self.state.spool_ino = None;
        self.spool_dec = Decoder::new();
    }

    pub fn save_state(&self) -> Result<()> {
        let bytes = serde_json::to_vec(&self.state)?;
        runtime::write_atomic(&self.chan.state(), &bytes)
    }

    /// Once its progress is saved: wipes the channel bytes that progress has
    /// passed (stored, or held in the saved pairing), so that no raw command
    /// line stays in the runtime directory. Returns the first failure, to
    /// report once.
    pub fn wipe_stored(&mut self) -> Option<String> {
        let files = [
            (
                self.chan.journal(),
                self.state.journal_off,
                self.state.journal_ino,
            ),
            (
                self.chan.spool(),
                self.state.spool_off,
                self.state.spool_ino,
            ),
        ];
        let mut failed = None;
        for ((path, off, ino), mark) in files.into_iter().zip(self.wiped.iter_mut()) {
            if mark.0 != ino || off < mark.1 {
                // Another file, or read again from its start.
                *mark = (ino, 0);
            }
            match wipe(&path, mark.1, off, ino) {
                Ok(Wiped::Punched | Wiped::Zeroed) => mark.1 = off,
                Ok(Wiped::Nothing) => {}
                Err(e) => failed = failed.or(Some(format!("{e:#}"))),
            }
        }
        let report = failed.filter(|_| !self.wipe_failed);
        self.wipe_failed |= report.is_some();
        report
    }

    /// Removes the channel files of a session that has ended.
    pub fn remove_files(&self) {
        for f in self.chan.all_files() {
            let _ = fs::remove_file(f);
        }
    }
}
