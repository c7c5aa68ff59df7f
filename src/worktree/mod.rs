//! The files of a tracked directory: scans (`scan`), which directories
//! changed since the last one (`watch`), what changed (`state`), DevTrace's
//! own object store (`objects`), and reading changes back as diffs (`diff`).

pub mod diff;
pub mod objects;
pub mod scan;
pub mod state;
pub mod watch;

pub use state::{Change, Tracker};
