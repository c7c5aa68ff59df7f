//! `devtrace stats`: who ran how much, how often it failed, the time spent
//! in commands, the most used and most failing commands, the busiest hours;
//! for this store or (`--global`) every store on this machine.

use crate::cli::StatsArgs;
use crate::output::{ellipsize, printable, tilde, Out};
use crate::store::Store;
use crate::timefmt;
use crate::timestamp::millis;
use anyhow::Result;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod key;
pub use key::command_key;

#[derive(Default, Clone)]
struct Tally {
    commands: u64,
    failures: u64,
    /// Time spent in the commands.
    time: Duration,
}

impl Tally {
    fn add(&mut self, failed: bool, took: Duration) {
        self.commands += 1;
        self.failures += failed as u64;
        self.time += took;
    }

    fn rate(&self) -> f64 {
        if self.commands == 0 {
            0.0
        } else {
            self.failures as f64 * 100.0 / self.commands as f64
        }
    }

    fn json(&self) -> Value {
        json!({
            "commands": self.commands,
            "failures": self.failures,
            "failure_rate": (self.rate() * 10.0).round() / 10.0,
            "time_ms": millis(self.time),
        })
    }
}

#[derive(Default)]
struct Stats {
    total: Tally,
    sessions: u64,
    by_who: HashMap<String, (Tally, u64)>,
    by_command: HashMap<String, Tally>,
    hours: [u64; 24],
    by_store: Vec<(PathBuf, u64)>,
}

fn collect(stats: &mut Stats, dir: &Path, since: Option<i64>) -> Result<()> {
    let store = Store::open(dir)?;
    let db = store.conn();
    let since = since.unwrap_or(i64::MIN);
    // Commands of shells and `exec`, and agents' tool calls (a call failed
    // when the agent says so: `is_error`).
    let mut q = db.prepare(
        "SELECT agent, ts_ms, command,
                CASE type WHEN 'tool_call' THEN coalesce(json_extract(json, '$.data.is_error'), 0) = 1
                          ELSE coalesce(exit_code, 0) != 0 END,
                duration_ms
         FROM events WHERE type IN ('run_command', 'tool_call') AND ts_ms >= ?1",
    )?;
    let rows = q.query_map([since], |r| {
        Ok((
            r.get::<_, Option<String>>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, bool>(3)?,
            r.get::<_, Option<i64>>(4)?,
        ))
    })?;
    let offset = timefmt::local_offset();
    let mut n = 0;
    for row in rows {
        let (agent, ts, command, failed, ms) = row?;
        let took = Duration::from_millis(ms.unwrap_or(0).max(0) as u64);
        n += 1;
        stats.total.add(failed, took);
        let who = agent.unwrap_or_else(|| "person".into());
        stats.by_who.entry(who).or_default().0.add(failed, took);
        let key = command_key(command.as_deref().unwrap_or(""));
        if !key.is_empty() {
            stats.by_command.entry(key).or_default().add(failed, took);
        }
        if let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ts) * 1_000_000) {
            stats.hours[t.to_offset(offset).hour() as usize] += 1;
        }
    }
    let mut q = db.prepare(
        "SELECT agent, count(*) FROM sessions WHERE last_ms >= ?1 AND commands > 0 GROUP BY agent",
    )?;
    let rows = q.query_map([since], |r| {
        Ok((r.get::<_, Option<String>>(0)?, r.get::<_, u64>(1)?))
    })?;
    for row in rows {
        let (agent, count) = row?;
        stats.sessions += count;
        stats
            .by_who
            .entry(agent.unwrap_or_else(|| "person".into()))
            .or_default()
            .1 += count;
    }
    stats.by_store.push((dir.to_path_buf(), n));
    Ok(())
}

pub fn run(a: StatsArgs) -> Result<i32> {
    let since = crate::resolve::when(&a.since)?;
    let dirs = if a.global {
        crate::store::known()
    } else {
        vec![crate::resolve::store_dir(&crate::cli::StoreArgs::default())?]
    };
    let stats = gather(&dirs, since);
    let ranked = Ranked::of(&stats, a.top);
    if a.json {
        println!("{}", json_report(&stats, &ranked, since));
        return Ok(0);
    }
    let mut out = Out::paged(false)?;
    let scope = if a.global {
        crate::output::count(stats.by_store.len() as u64, "store")
    } else {
        tilde(&dirs[0].to_string_lossy())
    };
    let span = match &a.since {
        Some(s) => format!(", since {s}"),
        None => String::new(),
    };
    out.line(&out.dim(&format!("# {scope}{span}")))?;
    if stats.total.commands == 0 {
        out.line("No commands recorded.")?;
    } else {
        print(&mut out, &stats, &ranked, a.global)?;
    }
    out.flush()?;
    Ok(0)
}

/// Every store's figures, added up (a store that cannot be read is said
/// and skipped).
fn gather(dirs: &[PathBuf], since: Option<i64>) -> Stats {
    let mut stats = Stats::default();
    for d in dirs {
        if let Err(e) = collect(&mut stats, d, since) {
            eprintln!("devtrace: skipped {}: {e:#}", d.display());
        }
    }
    stats
}

/// The rankings: by who, most used and most failing commands.
struct Ranked<'a> {
    who: Vec<(&'a String, &'a (Tally, u64))>,
    most: Vec<(&'a String, &'a Tally)>,
    failing: Vec<(&'a String, &'a Tally)>,
    /// Whether any command failed (the table is shown even when `--top 0`).
    any_failing: bool,
}

impl<'a> Ranked<'a> {
    fn of(stats: &'a Stats, top: usize) -> Self {
        let mut who: Vec<_> = stats.by_who.iter().collect();
        who.sort_by(|a, b| b.1 .0.commands.cmp(&a.1 .0.commands).then(a.0.cmp(b.0)));
        let mut most: Vec<_> = stats.by_command.iter().collect();
        most.sort_by(|a, b| b.1.commands.cmp(&a.1.commands).then(a.0.cmp(b.0)));
        most.truncate(top);
        let mut failing: Vec<_> = stats
            .by_command
            .iter()
            .filter(|(_, t)| t.failures > 0)
            .collect();
        failing.sort_by(|a, b| b.1.failures.cmp(&a.1.failures).then(a.0.cmp(b.0)));
        let any_failing = !failing.is_empty();
        failing.truncate(top);
        Ranked {
            who,
            most,
            failing,
            any_failing,
        }
    }
}

fn json_report(stats: &Stats, r: &Ranked, since: Option<i64>) -> Value {
    let command = |(k, t): &(&String, &Tally)| {
        let mut v = t.json();
        v["command"] = json!(k);
        v
    };
    json!({
        "stores": stats.by_store.iter().map(|(d, n)| json!({"store": d, "commands": n})).collect::<Vec<_>>(),
        "since": since.map(timefmt::rfc3339_ms),
        "sessions": stats.sessions,
        "commands": stats.total.commands,
        "failures": stats.total.failures,
        "failure_rate": (stats.total.rate() * 10.0).round() / 10.0,
        "time_ms": millis(stats.total.time),
        "by_who": r.who.iter().map(|(k, (t, s))| {
            let mut v = t.json();
            v["who"] = json!(k);
            v["sessions"] = json!(s);
            v
        }).collect::<Vec<_>>(),
        "most_used": r.most.iter().map(command).collect::<Vec<_>>(),
        "most_failing": r.failing.iter().map(command).collect::<Vec<_>>(),
        "hours": stats.hours,
    })
}

fn print(out: &mut Out, stats: &Stats, r: &Ranked, global: bool) -> std::io::Result<()> {
    out.line(&format!(
        "{} in {}, {} failed ({:.1}%), {} running commands",
        crate::output::count(stats.total.commands, "command"),
        crate::output::count(stats.sessions, "session"),
        stats.total.failures,
        stats.total.rate(),
        timefmt::duration(stats.total.time)
    ))?;
    out.line("")?;
    out.line(&out.dim(&format!(
        "{:<20}  {:>8}  {:>8}  {:>6}  {:>9}",
        "WHO", "SESSIONS", "COMMANDS", "FAILED", "TIME"
    )))?;
    for (k, (t, s)) in &r.who {
        out.line(&format!(
            "{:<20}  {:>8}  {:>8}  {:>5.1}%  {:>9}",
            ellipsize(&printable(k), 20),
            s,
            t.commands,
            t.rate(),
            timefmt::duration(t.time)
        ))?;
    }
    print_table(out, "MOST USED", &r.most)?;
    if r.any_failing {
        print_table(out, "MOST FAILING", &r.failing)?;
    }
    print_hours(out, &stats.hours)?;
    if global {
        print_stores(out, &stats.by_store)?;
    }
    Ok(())
}

fn print_table(out: &mut Out, title: &str, rows: &[(&String, &Tally)]) -> std::io::Result<()> {
    out.line("")?;
    out.line(&out.dim(&format!(
        "{:<28}  {:>8}  {:>6}  {:>6}",
        title, "COMMANDS", "FAILED", "RATE"
    )))?;
    for (k, t) in rows {
        out.line(&format!(
            "{:<28}  {:>8}  {:>6}  {:>5.1}%",
            ellipsize(&printable(k), 28),
            t.commands,
            t.failures,
            t.rate()
        ))?;
    }
    Ok(())
}

fn print_hours(out: &mut Out, hours: &[u64; 24]) -> std::io::Result<()> {
    out.line("")?;
    out.line(&out.dim("BUSIEST HOURS (local time)"))?;
    let max = hours.iter().copied().max().unwrap_or(0).max(1);
    for (h, &n) in hours.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let bar = "█".repeat(((n * 30).div_ceil(max)) as usize);
        out.line(&format!("{h:02}:00  {:>7}  {}", n, out.paint("36", &bar)))?;
    }
    Ok(())
}

fn print_stores(out: &mut Out, by_store: &[(PathBuf, u64)]) -> std::io::Result<()> {
    out.line("")?;
    out.line(&out.dim(&format!("{:<50}  {:>8}", "STORE", "COMMANDS")))?;
    let mut stores = by_store.to_vec();
    stores.sort_by_key(|s| std::cmp::Reverse(s.1));
    for (d, n) in stores {
        let shown = tilde(&d.to_string_lossy());
        out.line(&format!(
            "{:<50}  {:>8}",
            ellipsize(&printable(&shown), 50),
            n
        ))?;
    }
    Ok(())
}
