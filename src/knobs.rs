//! Settings only the tests turn: read from the environment in builds with
//! the `testing` feature (tests and benches), never in an install.

use std::time::Duration;

/// `default`, or in a test build the milliseconds that `var` holds.
pub fn millis(var: &str, default: Duration) -> Duration {
    #[cfg(feature = "testing")]
    if let Some(ms) = std::env::var(var).ok().and_then(|v| v.parse().ok()) {
        return Duration::from_millis(ms);
    }
    #[cfg(not(feature = "testing"))]
    let _ = var;
    default
}

/// Whether, in a test build, `var` is set (a switch a test turns to prove
/// what a feature is worth); always false in an install.
pub fn flag(var: &str) -> bool {
    #[cfg(feature = "testing")]
    return std::env::var_os(var).is_some();
    #[cfg(not(feature = "testing"))]
    {
        let _ = var;
        false
    }
}
