//! Times: RFC 3339 for the contract, short relative forms for people, and
//! the `--since`/`--until` forms users type.

use crate::timestamp::Timestamp;
use anyhow::{bail, Result};
use std::time::Duration;
use time::{macros::format_description, Date, OffsetDateTime, UtcOffset};

fn utc(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `2026-11-23T19:53:15.123Z`
pub fn rfc3339_ms(ms: i64) -> String {
    Timestamp::from_millis(ms).rfc3339_ms()
}

/// `2026-11-23T19:53:15.123456Z`
pub fn rfc3339_us(us: i64) -> String {
    Timestamp::from_micros(us).rfc3339_us()
}

pub fn local_offset() -> UtcOffset {
    UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC)
}

/// `19:53:15` in local time.
pub fn clock(t: Timestamp) -> String {
    let f = format_description!("[hour]:[minute]:[second]");
    utc(t.as_millis())
        .to_offset(local_offset())
        .format(&f)
        .unwrap_or_default()
}

/// `2026-11-23 19:53` in local time.
pub fn date_time(t: Timestamp) -> String {
    let f = format_description!("[year]-[month]-[day] [hour]:[minute]");
    utc(t.as_millis())
        .to_offset(local_offset())
        .format(&f)
        .unwrap_or_default()
}

/// The local day of `t`, as a heading: `today`, `yesterday`, or
/// `Mon 2026-11-23`.
pub fn day(t: Timestamp, now: Timestamp) -> String {
    let off = local_offset();
    let d = utc(t.as_millis()).to_offset(off).date();
    let today = utc(now.as_millis()).to_offset(off).date();
    if d == today {
        return "today".into();
    }
    if today.previous_day() == Some(d) {
        return "yesterday".into();
    }
    let f = format_description!("[weekday repr:short] [year]-[month]-[day]");
    d.format(&f).unwrap_or_default()
}

/// `3m ago`, `2h ago`, `just now`.
pub fn ago(t: Timestamp, now: Timestamp) -> String {
    let s = (now.as_millis() - t.as_millis()).max(0) / 1000;
    match s {
        0..=4 => "just now".into(),
        5..=59 => format!("{s}s ago"),
        60..=3599 => format!("{}m ago", s / 60),
        3600..=86_399 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}

/// `850ms`, `12.3s`, `4m 05s`, `2h 10m`.
pub fn duration(d: Duration) -> String {
    let ms = crate::timestamp::millis(d);
    match ms {
        i64::MIN..=999 => format!("{}ms", ms.max(0)),
        1000..=59_999 => format!("{:.1}s", ms as f64 / 1000.0),
        60_000..=3_599_999 => format!("{}m {:02}s", ms / 60_000, ms / 1000 % 60),
        _ => format!("{}h {:02}m", ms / 3_600_000, ms / 60_000 % 60),
    }
}

/// Parses a length of time: `90s`, `10m`, `2h`, `1d`, `1h30m`.
pub fn parse_duration(s: &str) -> Result<Duration> {
    let t = s.trim().to_ascii_lowercase();
    let mut total: i64 = 0;
    let mut num = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let mult = match c {
            's' => 1_000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            'w' => 7 * 86_400_000,
            _ => bail!("cannot read '{s}' as a length of time (try 30s, 10m, 2h or 1h30m)"),
        };
        let n: i64 = num.parse().map_err(|_| {
            anyhow::anyhow!("cannot read '{s}' as a length of time (try 30s, 10m, 2h or 1h30m)")
        })?;
        total = total.saturating_add(n.saturating_mul(mult));
        num.clear();
    }
    if !num.is_empty() || total <= 0 {
        bail!("cannot read '{s}' as a length of time (try 30s, 10m, 2h or 1h30m)");
    }
    Ok(Duration::from_millis(total as u64))
}

/// Parses `--since`/`--until`: `90s`, `10m`, `2h`, `3d`, `1w` (ago),
/// `today`, `yesterday`, `2026-11-01`, or an RFC 3339 time. In
/// milliseconds since the epoch, as the store compares them.
pub fn parse_when(s: &str, now: Timestamp) -> Result<i64> {
    let now = now.as_millis();
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let day_start = |d: Date| {
        d.with_hms(0, 0, 0)
            .map(|dt| dt.assume_offset(local_offset()))
            .map(|dt| (dt.unix_timestamp_nanos() / 1_000_000) as i64)
    };
    let today = utc(now).to_offset(local_offset()).date();
    match lower.as_str() {
        "now" => return Ok(now),
        "today" => return Ok(day_start(today)?),
        "yesterday" => return Ok(day_start(today.previous_day().unwrap_or(today))?),
        _ => {}
    }
    if let Some(unit) = lower.chars().last().filter(|c| c.is_ascii_alphabetic()) {
        let num = &lower[..lower.len() - 1];
        if let Ok(n) = num.parse::<i64>() {
            let mult = match unit {
                's' => 1_000,
                'm' => 60_000,
                'h' => 3_600_000,
                'd' => 86_400_000,
                'w' => 7 * 86_400_000,
                _ => bail!("unknown time unit in '{s}' (use s, m, h, d or w)"),
            };
            return Ok(now - n * mult);
        }
    }
    let date_f = format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(t, &date_f) {
        return Ok(day_start(d)?);
    }
    if let Ok(dt) = OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339) {
        return Ok((dt.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    bail!(
        "cannot read '{s}' as a time (try 2h, 30m, yesterday, 2026-11-01 or 2026-11-01T09:00:00Z)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(rfc3339_ms(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(
            rfc3339_us(1_700_000_000_123_456),
            "2023-11-14T22:13:20.123456Z"
        );
        let ms = Duration::from_millis;
        assert_eq!(duration(ms(850)), "850ms");
        assert_eq!(duration(ms(12_345)), "12.3s");
        assert_eq!(duration(ms(245_000)), "4m 05s");
        assert_eq!(
            ago(Timestamp::EPOCH, Timestamp::from_millis(125_000)),
            "2m ago"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5_400));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("0m").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn since_forms() {
        let ms = 1_700_000_000_000;
        let now = Timestamp::from_millis(ms);
        assert_eq!(parse_when("2h", now).unwrap(), ms - 7_200_000);
        assert_eq!(parse_when("30m", now).unwrap(), ms - 1_800_000);
        assert!(parse_when("2026-11-01", now).is_ok());
        assert_eq!(
            parse_when("2023-11-14T22:13:20Z", now).unwrap(),
            1_700_000_000_000
        );
        assert!(parse_when("soon", now).is_err());
        assert!(parse_when("5y", now).is_err());
    }
}
