//! Which build a binary comes from. The front, devtrace-core and
//! devtrace-ingest must come from the same one: the front hands its id to
//! the core, which refuses to run for a front of another build (a stale
//! devtrace-core left by `cargo build --bin devtrace`, or a half-finished
//! install); whoever starts ingest hands its id to devtrace-ingest, which
//! leaves the work to the core next to it when the ids differ.

/// A hash of the sources this build was made from (see build.rs).
pub const ID: &str = env!("DEVTRACE_BUILD_ID");

/// The variable through which a binary hands its build id to the one it
/// starts (the front to the core, either to devtrace-ingest).
pub const FRONT_VAR: &str = "DEVTRACE_FRONT_BUILD";
