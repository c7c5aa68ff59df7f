//! DevTrace: local-first provenance for AI-augmented development.
//!
//! The library holds every module; two thin binaries sit on it
//! (`src/bin/devtrace.rs`, the small front that every shell starts, and
//! `src/bin/devtrace-core.rs`, every other command). ARCHITECTURE.md is the
//! map: where a byte goes, from the hook to the store to the commands.

pub mod agent;
pub mod build;
pub mod channel;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod error;
pub mod event;
pub mod export;
pub mod hook;
pub mod ids;
pub mod ingest;
pub mod knobs;
pub mod mcp;
pub mod output;
pub mod paths;
pub mod pause;
pub mod rcfile;
pub mod redact;
pub mod register;
pub mod resolve;
pub mod review;
pub mod runtime;
pub mod shell_kind;
pub mod store;
pub mod timefmt;
pub mod timestamp;
pub mod ui;
pub mod wire;
pub mod worktree;

pub use error::{fail, usage, Failure};
pub use paths::home_dir;
