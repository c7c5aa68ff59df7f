//! `devtrace bench-scan` (hidden): what ingest pays per command to find the
//! files a command changed, measured on the store of a directory: the first
//! scan, a scan that finds nothing, and a scan after one file changed
//! (which, as in ingest, also saves the new state).
//! Prints one JSON object. For benches/, not for real stores.

use crate::worktree::Tracker;
use anyhow::{Context, Result};
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

pub fn run(dir: &Path, rounds: usize, firsts: usize) -> Result<i32> {
    let store = dir.join(crate::store::DIR);
    let ms = |i: Instant| i.elapsed().as_secs_f64() * 1000.0;
    // The walk alone (lstat per file, ignore rules), caches warm as below.
    let start = Instant::now();
    let max = crate::worktree::state::Limits::default().max_files;
    let walked = crate::worktree::scan::scan(dir, max, None, &mut || {})?;
    let walk_ms = ms(start);
    drop(walked);
    // First scans, each with no saved state to start from.
    let mut first_ms = Vec::new();
    let mut tracker = None;
    for _ in 0..firsts.max(1) {
        drop(tracker.take());
        let _ = std::fs::remove_file(Tracker::baseline_path_of(&store));
        let mut t = Tracker::open(&store)?;
        let start = Instant::now();
        let first = t.scan(None, &mut || {})?;
        first_ms.push(ms(start));
        if let Err(why) = first {
            anyhow::bail!("not scanned: {why}");
        }
        tracker = Some(t);
    }
    let mut t = tracker.expect("one first scan");
    let files = t.files();
    let state_bytes = t.state_bytes();
    let rss_first_kb = proc_status("VmRSS:");
    let anon_first_kb = proc_status("RssAnon:");
    let mut idle = Vec::new();
    let mut one = Vec::new();
    let target = dir.join(".bench-scan-touch");
    for i in 0..rounds {
        let s = Instant::now();
        t.scan(None, &mut || {})?.ok().context("scan stopped")?;
        idle.push(ms(s));
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&target)?;
        writeln!(f, "{i}")?;
        drop(f);
        let s = Instant::now();
        let found = t.scan(None, &mut || {})?.ok().context("scan stopped")?;
        t.save_due()?;
        one.push(ms(s));
        anyhow::ensure!(found >= 1, "the change was not found");
    }
    let _ = std::fs::remove_file(&target);
    let rss_kb = proc_status("VmHWM:");
    let rss_now_kb = proc_status("VmRSS:");
    println!(
        "{}",
        json!({
            "files": files, "first_ms": first_ms, "walk_ms": walk_ms, "idle_ms": idle,
            "one_change_ms": one, "peak_rss_kb": rss_kb, "rss_first_kb": rss_first_kb, "anon_first_kb": anon_first_kb,
            "rss_now_kb": rss_now_kb, "state_bytes": state_bytes,
        })
    );
    Ok(0)
}

/// A memory field of /proc/self/status, in kB.
fn proc_status(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
