//! The first scan of a tree (`init`): the state every later change is
//! measured from. A large tree takes seconds; on a terminal, a scan still
//! running after a second says what it is doing, and then what it found.
//! Nothing extra when stderr is not a terminal (scripts parse the output).

use crate::worktree::Tracker;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a scan runs before it says so (the tests set it with
/// `DEVTRACE_FIRST_LOOK_AFTER_MS`, so that a fast machine cannot make the
/// scan too quick to be seen).
fn quiet_for() -> Duration {
    crate::knobs::millis("DEVTRACE_FIRST_LOOK_AFTER_MS", Duration::from_secs(1))
}

/// Scans the tree of the store in `dir`. Best effort: a tree too large to
/// scan is said so by the first command.
pub fn scan(dir: &Path) {
    let Ok(mut t) = Tracker::open(dir) else {
        return;
    };
    let start = Instant::now();
    let (done, wait) = mpsc::channel::<()>();
    let quiet = quiet_for();
    let notice = std::io::stderr().is_terminal().then(|| {
        std::thread::spawn(move || {
            let late = wait.recv_timeout(quiet) == Err(mpsc::RecvTimeoutError::Timeout);
            if late {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "devtrace: taking the first look at the files here…");
                let _ = err.flush();
            }
            late
        })
    });
    if t.scan(None, &mut || {}).is_ok_and(|r| r.is_ok()) {
        let _ = t.save();
    }
    let _ = done.send(());
    if notice.is_some_and(|n| n.join().unwrap_or(false)) {
        eprintln!(
            "\r\x1b[Kdevtrace: took the first look at {} in {:.1} s",
            thousands(t.files(), "file"),
            start.elapsed().as_secs_f64()
        );
    }
}

/// `30,000 files`.
fn thousands(n: usize, noun: &str) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    let s = if n == 1 { "" } else { "s" };
    format!("{out} {noun}{s}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_read_with_separators() {
        assert_eq!(super::thousands(30000, "file"), "30,000 files");
        assert_eq!(super::thousands(1, "file"), "1 file");
        assert_eq!(super::thousands(999, "file"), "999 files");
        assert_eq!(super::thousands(1234567, "file"), "1,234,567 files");
    }
}
