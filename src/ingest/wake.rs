//! What wakes ingest from its sleep in poll(2): a FIFO with data, a shell's
//! exit (pidfd), a change in the runtime directory (inotify: a new session,
//! a spool file written or deleted), or SIGTERM/SIGINT. Ingest decides what
//! to do about each; this module only waits and reports.

use super::session::Session;
use anyhow::{Context, Result};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use nix::sys::signal::{signal, SigHandler, Signal};
use std::collections::BTreeMap;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub struct Wake {
    inotify: Inotify,
    /// Readable when a stop signal came (signal-hook writes to its pair).
    sig_r: UnixStream,
    stop: Arc<AtomicBool>,
}

/// What one poll found.
pub struct Woken {
    /// Sessions whose FIFO has data (`false`) or whose shell exited (`true`).
    pub ready: Vec<(String, bool)>,
    /// Whether the runtime directory changed (read with [`Wake::notes`]).
    pub notes: bool,
}

/// A change in the runtime directory.
pub enum Note<'a> {
    /// Changes were lost (thousands of writes at once).
    Overflow,
    /// A session's meta file appeared or changed.
    Meta(&'a str),
    /// A session's spool file was written, or deleted.
    Spool { id: &'a str, deleted: bool },
}

impl Wake {
    /// Catches SIGTERM and SIGINT (and ignores SIGHUP), and watches `dir`.
    pub fn new(dir: &Path) -> Result<Wake> {
        let stop = Arc::new(AtomicBool::new(false));
        let (sig_r, sig_w) = UnixStream::pair()?;
        sig_r.set_nonblocking(true)?;
        for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
            signal_hook::flag::register(sig, stop.clone())?;
            signal_hook::low_level::pipe::register(sig, sig_w.try_clone()?)?;
        }
        // SAFETY: SIG_IGN runs nothing of ours in signal context.
        let _ = unsafe { signal(Signal::SIGHUP, SigHandler::SigIgn) };

        let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC)?;
        inotify.add_watch(
            dir,
            AddWatchFlags::IN_CREATE
                | AddWatchFlags::IN_MOVED_TO
                | AddWatchFlags::IN_MODIFY
                | AddWatchFlags::IN_CLOSE_WRITE
                | AddWatchFlags::IN_DELETE,
        )?;
        Ok(Wake {
            inotify,
            sig_r,
            stop,
        })
    }

    /// Whether a stop signal came.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Sleeps until something happens to the sessions or the directory, a
    /// signal comes, or `timeout` passes.
    pub fn wait(
        &self,
        sessions: &BTreeMap<String, Session>,
        timeout: PollTimeout,
    ) -> Result<Woken> {
        let mut fds: Vec<PollFd> = vec![
            PollFd::new(self.inotify.as_fd(), PollFlags::POLLIN),
            PollFd::new(self.sig_r.as_fd(), PollFlags::POLLIN),
        ];
        let mut owners: Vec<(String, bool)> = Vec::new();
        for (id, s) in sessions {
            if let Some(fd) = s.fifo_fd() {
                fds.push(PollFd::new(fd, PollFlags::POLLIN));
                owners.push((id.clone(), false));
            }
            if let Some(p) = &s.pidfd {
                fds.push(PollFd::new(p.as_fd(), PollFlags::POLLIN));
                owners.push((id.clone(), true));
            }
        }
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
        drop(fds);
        let mut drained = [0u8; 64];
        let _ = std::io::Read::read(&mut &self.sig_r, &mut drained);
        Ok(Woken { ready, notes })
    }

    /// Hands each change in the runtime directory to `on`, as it is read.
    pub fn notes(&self, mut on: impl FnMut(Note)) {
        while let Ok(events) = self.inotify.read_events() {
            if events.is_empty() {
                break;
            }
            for ev in events {
                if ev.mask.contains(AddWatchFlags::IN_Q_OVERFLOW) {
                    on(Note::Overflow);
                    continue;
                }
                let Some(name) = ev.name.and_then(|n| n.into_string().ok()) else {
                    continue;
                };
                if let Some(id) = name.strip_suffix(".meta") {
                    on(Note::Meta(id));
                } else if let Some(id) = name.strip_suffix(".spool") {
                    let deleted = ev.mask.contains(AddWatchFlags::IN_DELETE);
                    on(Note::Spool { id, deleted });
                }
            }
        }
    }
}
