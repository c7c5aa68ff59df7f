//! `devtrace gc`: applies retention (`keep_days`, `max_events`) to a store.
//! Ingest runs it with `--auto` at most once a day per store.

use crate::cli::GcArgs;
use crate::store::Store;
use crate::timestamp::Timestamp;
use anyhow::Result;
use std::collections::HashSet;
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

pub fn run(a: GcArgs) -> Result<i32> {
    let dir = crate::resolve::store_dir(&a.store)?;
    let cfg = crate::config::load(Some(&dir)).map_err(|e| {
        crate::fail(
            format!("{e:#}"),
            "fix the file; `devtrace config` shows the settings",
        )
    })?;
    let mut store = Store::open(&dir)?;
    // To the millisecond, as the store keeps times.
    let now = Timestamp::now().floor_millis();
    if a.auto {
        let last = store
            .meta("last_gc")?
            .and_then(|v| v.parse::<i64>().ok())
            .map(Timestamp::from_millis);
        if last.is_some_and(|l| l <= now && now.since(l) < DAY) {
            return Ok(0);
        }
        store.set_meta("last_gc", &now.as_millis().to_string())?;
    }
    let days = cfg.keep_days.value;
    let max = cfg.max_events.value;
    if days == 0 && max == 0 {
        if !a.auto {
            println!(
                "devtrace: no retention set (retention.keep_days and retention.max_events are 0); nothing to do"
            );
        }
        return Ok(0);
    }
    let mut ids: HashSet<String> = HashSet::new();
    if days > 0 {
        let cut = now.saturating_sub(DAY * days);
        ids.extend(store.ids_where("ts_ms < ?", vec![cut.as_millis().into()])?);
    }
    if max > 0 {
        let total = store.count_events()? as u64;
        if total > max {
            let extra = (total - max) as i64;
            // The oldest events but sessions' starts, which go only with
            // their whole session (below).
            ids.extend(store.ids_where(
                "n IN (SELECT n FROM events WHERE type != 'session_start'
                       ORDER BY ts_ms, n LIMIT ?)",
                vec![extra.into()],
            )?);
        }
    }
    store.keep_sessions_readable(&mut ids)?;
    let why = match (days, max) {
        (0, m) => format!("beyond the newest {m}"),
        (d, 0) => format!("older than {d} day{}", if d == 1 { "" } else { "s" }),
        (d, m) => format!(
            "older than {} or beyond the newest {m}",
            crate::output::count(u64::from(d), "day")
        ),
    };
    if a.dry_run {
        println!(
            "devtrace: would remove {} {why}",
            crate::output::count(ids.len() as u64, "event")
        );
        return Ok(0);
    }
    let n = store.remove(&ids, crate::store::Removal::Retention)?;
    if !a.auto || n > 0 {
        println!(
            "devtrace: removed {n} event{} {why}",
            if n == 1 { "" } else { "s" }
        );
    }
    Ok(0)
}
