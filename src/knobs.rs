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
