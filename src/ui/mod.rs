//! `devtrace ui`: a local, read-only web timeline of the record. The
//! server (`server.rs`, axum on a current-thread tokio runtime that only
//! `cmd/ui.rs` builds), who may read (`access.rs`), the JSON the page reads
//! (`api.rs`), live updates (`live.rs`), diffs and files as the page shows
//! them (`diffview.rs`, `fileview.rs`), highlighting (`highlight.rs`), and
//! the page itself, embedded (`assets.rs`, `assets/`); what requests share
//! (`state.rs`).

pub mod access;
mod api;
mod assets;
mod diffview;
mod fileview;
pub mod highlight;
mod live;
pub mod server;
mod state;
