//! The files of a tracked directory: scans (`scan`), what changed since the
//! last one (`state`), DevTrace's own object store (`objects`), and reading
//! changes back as diffs (`diff`).

pub mod diff;
pub mod objects;
pub mod scan;
pub mod state;

pub use state::{Change, Tracker};
