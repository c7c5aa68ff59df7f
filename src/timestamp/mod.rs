//! Units as types: [`Timestamp`], an instant in UTC to the microsecond,
//! [`Ctime`], one to the nanosecond (file ctimes and the command windows
//! they fall in), and their serde forms: the contract's (RFC 3339 with
//! millisecond or microsecond digits; durations as integer milliseconds)
//! and the runtime files' integer fields.

use std::fmt;
use std::time::Duration;

mod ctime;
mod serde_forms;

pub use ctime::Ctime;
pub use serde_forms::{
    ctime_ns, epoch_cs, epoch_ms, epoch_us, opt_duration_ms, opt_epoch_cs, opt_epoch_ms,
    opt_epoch_us, opt_rfc3339_us, rfc3339_ms,
};

/// An instant, UTC, to the microsecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const EPOCH: Timestamp = Timestamp(0);

    /// The wall clock, to the microsecond (rounded down).
    pub fn now() -> Self {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
    }

    /// Seconds since the epoch, rounded down.
    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// This time rounded down to the millisecond.
    pub const fn floor_millis(self) -> Self {
        Timestamp::from_millis(self.as_millis())
    }

    /// Centiseconds since the epoch, rounded down.
    pub const fn as_centis(self) -> i64 {
        self.0.div_euclid(10_000)
    }

    pub const fn from_centis(cs: i64) -> Self {
        Timestamp(cs.saturating_mul(10_000))
    }

    pub const fn from_micros(us: i64) -> Self {
        Timestamp(us)
    }

    pub const fn from_millis(ms: i64) -> Self {
        Timestamp(ms.saturating_mul(1000))
    }

    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// Milliseconds since the epoch, rounded down.
    pub const fn as_millis(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// `2026-11-23T19:53:15.123Z`
    pub fn rfc3339_ms(self) -> String {
        fast::format(self.0, 3).unwrap_or_else(|| general::format(self.as_millis() * 1000, 3))
    }

    /// `2026-11-23T19:53:15.123456Z`
    pub fn rfc3339_us(self) -> String {
        fast::format(self.0, 6).unwrap_or_else(|| general::format(self.0, 6))
    }

    /// Any RFC 3339 time, to the microsecond.
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        if let Some(us) = fast::parse(s) {
            return Some(Timestamp(us));
        }
        let t =
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
        Some(Timestamp((t.unix_timestamp_nanos() / 1000) as i64))
    }

    /// The time from `earlier` to this, zero when `earlier` is later.
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0).max(0) as u64)
    }

    pub fn saturating_sub(self, d: Duration) -> Self {
        Timestamp(
            self.0
                .saturating_sub(i64::try_from(d.as_micros()).unwrap_or(i64::MAX)),
        )
    }

    pub fn saturating_add(self, d: Duration) -> Self {
        Timestamp(
            self.0
                .saturating_add(i64::try_from(d.as_micros()).unwrap_or(i64::MAX)),
        )
    }
}

/// In the schema: an RFC 3339 string.
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "date-time" })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339_us())
    }
}

/// A duration to the whole millisecond, rounded to the nearest.
pub fn round_ms(d: Duration) -> Duration {
    Duration::from_millis(((d.as_micros() + 500) / 1000) as u64)
}

/// Whole milliseconds of `d`, as the contract writes them.
pub fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Any time `time` can show (before 1970, after 9999), else the epoch.
mod general {
    use time::{macros::format_description, OffsetDateTime};

    pub fn format(us: i64, digits: u32) -> String {
        let t = OffsetDateTime::from_unix_timestamp_nanos(us as i128 * 1000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let ms = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        let us = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
        );
        t.format(if digits == 3 { &ms } else { &us })
            .unwrap_or_default()
    }
}

/// The forms the contract writes (`YYYY-MM-DDTHH:MM:SS.fff[fff]Z`, years
/// 1970 to 9999), without the general parser and formatter: every event
/// read or written passes here.
mod fast {
    const US_PER_DAY: i64 = 86_400_000_000;

    /// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
    fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    fn civil_from_days(z: i64) -> (i64, i64, i64) {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        (yoe + era * 400 + i64::from(m <= 2), m, d)
    }

    pub fn format(us: i64, digits: u32) -> Option<String> {
        if !(0..253_402_300_800_000_000).contains(&us) {
            return None; // before 1970 or after 9999: the general formatter
        }
        let (y, mo, d) = civil_from_days(us / US_PER_DAY);
        let t = us % US_PER_DAY;
        let (h, mi, s) = (t / 3_600_000_000, t / 60_000_000 % 60, t / 1_000_000 % 60);
        let frac = match digits {
            3 => t % 1_000_000 / 1000,
            _ => t % 1_000_000,
        };
        let mut out = Vec::with_capacity(27);
        let mut put = |mut n: i64, width: u32, after: u8| {
            let at = out.len();
            out.resize(at + width as usize, b'0');
            for i in (at..at + width as usize).rev() {
                out[i] = b'0' + (n % 10) as u8;
                n /= 10;
            }
            out.push(after);
        };
        put(y, 4, b'-');
        put(mo, 2, b'-');
        put(d, 2, b'T');
        put(h, 2, b':');
        put(mi, 2, b':');
        put(s, 2, b'.');
        put(frac, digits, b'Z');
        String::from_utf8(out).ok()
    }

    fn num(b: &[u8]) -> Option<i64> {
        b.iter().try_fold(0i64, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    }

    pub fn parse(s: &str) -> Option<i64> {
        let b = s.as_bytes();
        let digits = match b.len() {
            24 => 3,
            27 => 6,
            _ => return None,
        };
        let sep = |i: usize, c: u8| b[i] == c;
        if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':'))
            || !(sep(16, b':') && sep(19, b'.') && sep(b.len() - 1, b'Z'))
        {
            return None;
        }
        let (y, mo, d) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
        let (h, mi, sec) = (num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?);
        let frac = num(&b[20..20 + digits])? * 10i64.pow(6 - digits as u32);
        if y < 1970 || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
            return None;
        }
        if h > 23
            || mi > 59
            || sec > 59
            || days_from_civil(y, mo, 1) + d > days_from_civil(y, mo + 1, 1)
        {
            return None; // out of range (or a leap second): the general parser
        }
        let days = days_from_civil(y, mo, d);
        Some(days * US_PER_DAY + ((h * 60 + mi) * 60 + sec) * 1_000_000 + frac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        let t = Timestamp::from_micros(1_700_000_000_123_456);
        assert_eq!(t.rfc3339_ms(), "2023-11-14T22:13:20.123Z");
        assert_eq!(t.rfc3339_us(), "2023-11-14T22:13:20.123456Z");
        assert_eq!(Timestamp::parse_rfc3339(&t.rfc3339_us()), Some(t));
        assert_eq!(t.as_millis(), 1_700_000_000_123);
        // The fast forms agree with the general ones.
        let mut us: i64 = 0;
        while us < 253_402_300_000_000_000 {
            let t = Timestamp(us);
            assert_eq!(t.rfc3339_us(), general::format(us, 6));
            assert_eq!(t.rfc3339_ms(), general::format(us - us % 1000, 3));
            assert_eq!(Timestamp::parse_rfc3339(&t.rfc3339_us()), Some(t));
            let general = time::OffsetDateTime::parse(
                &t.rfc3339_ms(),
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap();
            assert_eq!(
                fast::parse(&t.rfc3339_ms()),
                Some((general.unix_timestamp_nanos() / 1000) as i64)
            );
            us = us * 3 / 2 + 987_654_321_123;
        }
        assert_eq!(fast::parse("2023-02-29T00:00:00.000Z"), None);
        assert!(Timestamp::parse_rfc3339("2023-11-14T23:13:20.123+01:00").is_some());
        assert_eq!(
            round_ms(Duration::from_micros(1_500)),
            Duration::from_millis(2)
        );
    }
}
