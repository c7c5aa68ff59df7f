//! [`Ctime`]: an instant to the nanosecond, as `stat` gives file ctimes.

use super::Timestamp;
use std::time::Duration;

/// An instant to the nanosecond: file ctimes, and the command windows
/// they are compared with (a [`Timestamp`] converts to one exactly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ctime(i128);

impl Ctime {
    pub const EPOCH: Ctime = Ctime(0);

    /// From a `stat` time: seconds and nanoseconds since the epoch.
    pub const fn from_parts(secs: i64, nanos: i64) -> Self {
        Ctime(secs as i128 * 1_000_000_000 + nanos as i128)
    }

    /// The wall clock, to the nanosecond.
    pub fn now() -> Self {
        Ctime(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as i128)
                .unwrap_or(0),
        )
    }

    pub const fn from_nanos(ns: i128) -> Self {
        Ctime(ns)
    }

    pub const fn as_nanos(self) -> i128 {
        self.0
    }

    /// Rounded down to the microsecond.
    pub const fn to_timestamp(self) -> Timestamp {
        Timestamp(self.0.div_euclid(1000) as i64)
    }

    pub fn saturating_add(self, d: Duration) -> Self {
        Ctime(self.0.saturating_add(d.as_nanos() as i128))
    }

    pub fn saturating_sub(self, d: Duration) -> Self {
        Ctime(self.0.saturating_sub(d.as_nanos() as i128))
    }

    /// The time from `earlier` to this, zero when `earlier` is later.
    pub fn since(self, earlier: Ctime) -> Duration {
        let ns = self.0.saturating_sub(earlier.0).max(0);
        Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))
    }
}

impl From<Timestamp> for Ctime {
    fn from(t: Timestamp) -> Self {
        Ctime(t.0 as i128 * 1000)
    }
}
