//! `devtrace log [--follow]`: the newest events of this store, and with
//! --follow each new one as ingest stores it.

use crate::cli::LogArgs;
use crate::event::Event;
use crate::output::Out;
use crate::store::{EventFilter, Store};
use anyhow::Result;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use std::os::fd::AsFd;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub fn run(a: LogArgs) -> Result<i32> {
    crate::resolve::check_types(&a.filter.types)?;
    let mut filter = filter(&a)?;
    let dir = crate::resolve::store_dir(&a.store)?;
    let store = Store::open(&dir)?;
    if let Some(s) = &a.session {
        filter.session = Some(crate::resolve::session_id(&store, s)?);
    }
    let mut out = if a.follow {
        Out::new(a.filter.json)
    } else {
        Out::paged(a.filter.json)?
    };
    let mut printer = Printer {
        json: a.filter.json,
        last: 0,
        last_day: String::new(),
    };
    printer.print(&mut out, store.events(&filter)?)?;
    out.flush()?;
    if !a.follow {
        return Ok(0);
    }
    if printer.last == 0 {
        printer.last = store.last_n()?;
    }
    drop(store);
    filter.limit = None;
    follow(&dir, &mut filter, &mut out, &mut printer)
}

/// The filter of the events asked for (but the session, which needs the
/// store): a usage error comes before any look at the store.
fn filter(a: &LogArgs) -> Result<EventFilter> {
    crate::resolve::event_filter(&a.filter, Some(a.limit))
}

/// Where printing is: the last event printed and the day of its heading.
struct Printer {
    json: bool,
    last: i64,
    last_day: String,
}

impl Printer {
    fn print(&mut self, out: &mut Out, events: Vec<(i64, Event)>) -> std::io::Result<()> {
        for (n, ev) in events {
            print_event(out, &ev, self.json, &mut self.last_day)?;
            self.last = n;
        }
        Ok(())
    }
}

/// What `--follow` waits on: the store's directory, the signals that stop
/// it, and standard output (a closed reader ends it).
struct Watch {
    stop: Arc<AtomicBool>,
    sig_r: std::os::unix::net::UnixStream,
    inotify: Inotify,
}

/// What one wait ended with.
enum Woke {
    /// Stop: a signal, or nobody reads any more.
    Stop,
    /// Something changed in the store's directory (or not: a timeout).
    Look { changed: bool },
}

impl Watch {
    fn new(dir: &Path) -> Result<Watch> {
        let stop = Arc::new(AtomicBool::new(false));
        let (sig_r, sig_w) = std::os::unix::net::UnixStream::pair()?;
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register(sig, stop.clone())?;
            signal_hook::low_level::pipe::register(sig, sig_w.try_clone()?)?;
        }
        let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC)?;
        inotify.add_watch(
            dir,
            AddWatchFlags::IN_MODIFY | AddWatchFlags::IN_CREATE | AddWatchFlags::IN_MOVED_TO,
        )?;
        Ok(Watch {
            stop,
            sig_r,
            inotify,
        })
    }

    fn wait(&self, timeout: PollTimeout) -> Woke {
        let stdout = std::io::stdout();
        let mut fds = [
            PollFd::new(self.inotify.as_fd(), PollFlags::POLLIN),
            PollFd::new(self.sig_r.as_fd(), PollFlags::POLLIN),
            // A closed reader shows as POLLERR on our end of the pipe.
            PollFd::new(stdout.as_fd(), PollFlags::empty()),
        ];
        let _ = poll(&mut fds, timeout);
        if fds[2]
            .revents()
            .is_some_and(|r| r.intersects(PollFlags::POLLERR | PollFlags::POLLHUP))
            || self.stop.load(Ordering::Relaxed)
        {
            return Woke::Stop;
        }
        let mut changed = false;
        while let Ok(evs) = self.inotify.read_events() {
            if evs.is_empty() {
                break;
            }
            changed = true;
        }
        Woke::Look { changed }
    }
}

/// Prints each new event as ingest stores it, until stopped.
fn follow(
    dir: &Path,
    filter: &mut EventFilter,
    out: &mut Out,
    printer: &mut Printer,
) -> Result<i32> {
    let watch = Watch::new(dir)?;
    let mut store = Store::open(dir)?;
    // A wake-up can come from the JSONL append just before the index commit:
    // when it finds nothing new, look again shortly.
    let mut recheck = 0;
    loop {
        let timeout = if recheck > 0 {
            recheck -= 1;
            PollTimeout::from(20u16)
        } else {
            PollTimeout::from(2000u16)
        };
        let Woke::Look { changed } = watch.wait(timeout) else {
            let _ = out.flush();
            return Ok(0);
        };
        if !dir.is_dir() {
            return Err(crate::fail(
                format!("the store {} was removed", dir.display()),
                "run `devtrace init` to record here again",
            ));
        }
        filter.after_n = Some(printer.last);
        let fresh = match store.events(filter) {
            Ok(f) => f,
            Err(_) => {
                // The index was rebuilt or replaced under us: open it again.
                store = Store::open(dir)?;
                continue;
            }
        };
        if fresh.is_empty() && changed {
            recheck = 5;
        }
        printer.print(out, fresh)?;
        out.flush()?;
    }
}

/// Prints one event; a line naming the day comes first whenever the day
/// changes (the times on each line are clock times).
fn print_event(
    out: &mut Out,
    ev: &Event,
    json: bool,
    last_day: &mut String,
) -> std::io::Result<()> {
    if json {
        return out.line(&ev.to_line());
    }
    let day = crate::timefmt::day(ev.ts, crate::timestamp::Timestamp::now());
    if day != *last_day {
        out.line(&out.dim(&format!("── {day}")))?;
        *last_day = day;
    }
    out.line(&event_line(out, ev))?;
    // The files a command changed, as `show` lists them.
    for line in super::show::file_lines(out, ev, 14) {
        out.line(&format!("{:14}{line}", ""))?;
    }
    Ok(())
}

/// One event as `log` prints it: the session first, so that lines of
/// interleaved shells can be told apart, then its timeline line.
pub fn event_line(out: &Out, ev: &Event) -> String {
    let short = &ev.session[..ev.session.len().min(12)];
    let line = super::show::timeline_line(out, ev, 14);
    format!("{}  {line}", out.dim(short))
}
