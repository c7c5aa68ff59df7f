//! Which build a binary comes from. The front and devtrace-core must come
//! from the same one: the front hands its id to the core, which refuses to
//! run for a front of another build (a stale devtrace-core left by
//! `cargo build --bin devtrace`, or a half-finished install).

/// A hash of the sources this build was made from (see build.rs).
pub const ID: &str = env!("DEVTRACE_BUILD_ID");

/// The variable through which the front hands its build id to the core.
pub const FRONT_VAR: &str = "DEVTRACE_FRONT_BUILD";
