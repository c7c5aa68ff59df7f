//! The files of a tracked directory: scans (`scan`), which directories
//! changed since the last one (`watch`), what changed (`state`), DevTrace's
//! own object store (`objects`), and reading changes back as diffs (`diff`).

pub mod change;
pub mod diff;
mod index_hint;
pub mod objects;
pub mod scan;
pub mod snapshot;
pub mod state;
pub mod watch;

pub use change::Change;
pub use state::Tracker;

thread_local! {
    static PUMP: std::cell::RefCell<Option<Box<dyn FnMut()>>> = const { std::cell::RefCell::new(None) };
}

/// Sets what long scans call now and then (ingest: keep the FIFOs drained).
pub fn set_pump(f: Box<dyn FnMut()>) {
    PUMP.with(|p| *p.borrow_mut() = Some(f));
}

/// Called from inside long work.
pub fn pump() {
    PUMP.with(|p| {
        if let Ok(mut p) = p.try_borrow_mut() {
            if let Some(f) = p.as_mut() {
                f();
            }
        }
    });
}
