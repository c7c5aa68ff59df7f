//! The files of a tracked directory: scans (`scan`), which directories
//! changed since the last one (`watch`), what changed (`state`), DevTrace's
//! own object store (`objects`), and reading changes back as diffs (`diff`).
//!
//! Long work (a scan of a large tree) calls the `pump` its caller passes,
//! now and then, so that the caller can keep up its own work (ingest: the
//! FIFOs drained); like ripgrep's searcher with its `Sink`, the tree never
//! knows who listens.

pub mod change;
pub mod contents;
mod deferred;
pub mod diff;
mod evidence;
pub mod files;
mod index_hint;
mod memory;
pub mod objects;
mod reader;
mod saved;
pub mod scan;
pub mod snapshot;
pub mod state;
mod steps;
pub mod watch;

pub use change::Change;
pub use state::Tracker;

#[cfg(test)]
mod tests;
