//! One recorded shell, as ingest sees it: its channel files, its progress
//! through them (kept in `progress`), and the events its records become
//! (`events`; the files its commands changed: `edits`, through its own type).

use super::edits::{Edits, Trackers};
use super::pairing::{command_text, Done, Text};
use super::progress::{Batch, State};
use super::route::Router;
use crate::runtime::{self, Channel, SessionMeta};
use crate::wire::{Decoder, Item, Record};
use anyhow::{Context, Result};
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::PathBuf;

/// How much of a channel file one pass reads at most.
const CHUNK: u64 = 64 * 1024;

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
    fn edits(&mut self) -> Edits<'_> {
        Edits {
            meta: &self.meta,
            state: &mut self.state,
        }
    }

    /// Moves whatever the FIFO holds into the journal, where it is safe from
    /// a crash until it has been stored. Returns whether anything came.
    pub fn drain_fifo(&mut self) -> Result<bool> {
        let Some(fifo) = self.fifo.as_mut() else {
            return Ok(false);
        };
        let (total, more) = drain(fifo, &self.chan.journal())?;
        self.backlog |= more;
        Ok(total > 0)
    }

    fn read_new(
        path: &PathBuf,
        off: &mut u64,
        ino: Option<&mut Option<u64>>,
        dec: &mut Decoder,
        more: &mut bool,
    ) -> Result<Vec<Item>> {
        let mut f = match OpenOptions::new()
            .read(true)
            .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
            .open(path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("could not open {}", path.display())),
        };
        let meta = f.metadata()?;
        if !meta.file_type().is_file() {
            anyhow::bail!("{} is not a regular file", path.display());
        }
        {
            use std::os::unix::fs::MetadataExt;
            if meta.uid() != nix::unistd::getuid().as_raw() {
                anyhow::bail!(
                    "{} is owned by someone else; not reading it",
                    path.display()
                );
            }
        }
        let len = meta.len();
        if let Some(ino) = ino {
            use std::os::unix::fs::MetadataExt;
            if ino.is_some_and(|i| i != meta.ino()) {
                // Deleted and created again: a new file, read from its start.
                *off = 0;
                *dec = Decoder::new();
            }
            *ino = Some(meta.ino());
        }
        let consumed = *off;
        if len < consumed {
            // The file was replaced (deleted and created again): start over.
            *off = 0;
            *dec = Decoder::new();
        }
        let start = *off + dec.pending() as u64;
        if len <= start {
            return Ok(Vec::new());
        }
        // A bounded bite: a long backlog is read over several passes, so
        // that ingest stays small.
        let want = (len - start).min(CHUNK);
        *more |= want < len - start;
        f.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::with_capacity(want as usize);
        f.take(want).read_to_end(&mut buf)?;
        dec.push(&buf);
        let mut items = Vec::new();
        while let Some(item) = dec.next_item() {
            items.push(item);
        }
        *off = start + buf.len() as u64 - dec.pending() as u64;
        dec.release();
        Ok(items)
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
        let mut items = Self::read_new(
            &self.chan.journal(),
            &mut self.state.journal_off,
            None,
            &mut self.journal_dec,
            &mut self.backlog,
        )?;
        items.extend(Self::read_new(
            &self.chan.spool(),
            &mut self.state.spool_off,
            Some(&mut self.state.spool_ino),
            &mut self.spool_dec,
            &mut self.backlog,
        )?);
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
        // Where the next command of this batch began, for each position: a
        // command's changes end there.
        let mut next_start: Vec<Option<i64>> = vec![None; items.len() + 1];
        for (i, item) in items.iter().enumerate().rev() {
            next_start[i] = match item {
                Item::Record(Record::Cmd(c)) => self.stamp_us(c.at),
                _ => next_start[i + 1],
            };
        }
        // Records are handled in arrival order, and whatever they finish is
        // pushed at once, so that an event sent from inside a command lands
        // after the commands before it.
        for (i, item) in items.into_iter().enumerate() {
            match item {
                Item::Record(Record::HistoryBase(h)) => {
                    if self.state.last_hist.is_none() {
                        self.state.last_hist =
                            super::pairing::split_history(&h.text).map(|(n, _)| n);
                    }
                }
                Item::Record(Record::Event(v)) => match self.sent_event(&v, router) {
                    Some((store, mut ev)) => {
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
                        let cwd = PathBuf::from(std::ffi::OsStr::from_bytes_lossless(&c.cwd));
                        let store = router.store_for(&cwd);
                        let at = self.stamp_us(c.at);
                        self.edits().command_started(&store, at, trackers, out);
                    }
                    self.state.pairing.add(r);
                    // Within a pass nothing after a missing number goes:
                    // its record may come later in this very pass (from the
                    // other channel). The pass's end decides.
                    let ready = self.state.pairing.take_ready_holding(false, true);
                    self.push_done(ready, next_start[i], router, trackers, out);
                }
                Item::Skipped(s) => {
                    *self.state.skipped.entry(s.reason.to_owned()).or_default() += s.bytes as u64
                }
            }
        }
        let closing = (self.gone || self.state.pairing.has_end()) && !self.backlog;
        let ready = self.state.pairing.take_ready_holding(closing, self.backlog);
        self.push_done(ready, None, router, trackers, out);
        if closing && !self.state.closed {
            let at = match self.state.gone_ms {
                Some(t) => t,
                None => {
                    let t = runtime::now_ms();
                    self.state.gone_ms = Some(t);
                    self.save_state()?;
                    t
                }
            };
            self.edits().push_closing(at, trackers, out);
            self.end_events("gone", at, out);
        }
        Ok(())
    }

    fn push_done(
        &mut self,
        ready: Vec<Done>,
        next_start: Option<i64>,
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
                            continue;
                        }
                    };
                    let cwd_path = PathBuf::from(std::ffi::OsStr::from_bytes_lossless(&cmd.cwd));
                    let store = router.store_for(&cwd_path);
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
                    let at = self.stamp_ms(e.at).unwrap_or_else(runtime::now_ms);
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

    /// Removes the channel files of a session that has ended.
    pub fn remove_files(&self) {
        for f in self.chan.all_files() {
            let _ = fs::remove_file(f);
        }
    }
}

trait FromBytesLossless {
    fn from_bytes_lossless(b: &[u8]) -> &std::ffi::OsStr;
}
impl FromBytesLossless for std::ffi::OsStr {
    fn from_bytes_lossless(b: &[u8]) -> &std::ffi::OsStr {
        std::os::unix::ffi::OsStrExt::from_bytes(b)
    }
}

/// Copies what a FIFO holds (a few pipefuls at most: a writer that never
/// stops must not keep ingest here) to the end of the journal. Returns the
/// bytes copied and whether more may be waiting.
pub fn drain(fifo: &mut File, journal: &std::path::Path) -> Result<(usize, bool)> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut out: Option<File> = None;
    let mut total = 0;
    while total < 4 * buf.len() {
        let n = match fifo.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).context("could not read the FIFO"),
        };
        if out.is_none() {
            out = Some(
                OpenOptions::new()
                    .append(true)
                    .create(true)
                    .mode(0o600)
                    .custom_flags(nix::libc::O_NOFOLLOW)
                    .open(journal)
                    .context("could not open the journal")?,
            );
        }
        if let Some(j) = out.as_mut() {
            j.write_all(&buf[..n])
                .context("could not write the journal")?;
        }
        total += n;
    }
    Ok((total, total >= 4 * buf.len()))
}

/// Opens a FIFO read-write and non-blocking, so that ingest never sees
/// end-of-file and never blocks; refuses anything that is not a FIFO.
pub fn open_fifo(path: &std::path::Path) -> Option<File> {
    open_fifo_flags(path, nix::libc::O_NOFOLLOW)
}

fn open_fifo_flags(path: &std::path::Path, flags: i32) -> Option<File> {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_CLOEXEC | flags)
        .open(path)
        .ok()?;
    let ft = f.metadata().ok()?.file_type();
    ft.is_fifo().then_some(f)
}

/// A FIFO deleted while the shell still holds it (and records may wait in
/// it unread: the ingest that had it open died first): opened again through
/// the shell's own descriptor, /proc/PID/fd/N, which still reaches it.
fn deleted_fifo(pid: i32, path: &std::path::Path) -> Option<File> {
    let gone = format!("{} (deleted)", path.display());
    for entry in fs::read_dir(format!("/proc/{pid}/fd")).ok()?.flatten() {
        let Ok(target) = fs::read_link(entry.path()) else {
            continue;
        };
        if target.as_os_str() != gone.as_str() {
            continue;
        }
        // A magic link of /proc: followed on purpose (O_NOFOLLOW would refuse it).
        return open_fifo_flags(&entry.path(), 0);
    }
    None
}

/// A descriptor that becomes readable when the process exits.
fn pidfd_open(pid: i32) -> Option<OwnedFd> {
    let pid = rustix::process::Pid::from_raw(pid)?;
    rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).ok()
}
