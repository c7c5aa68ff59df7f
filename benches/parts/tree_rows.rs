//! Large trees: what tracking one costs (the first scan, the scans after a
//! command, the state's bytes per file, the memory held), from
//! `devtrace bench-scan` on a committed repository of small files, 100 a
//! directory. The `trees` section measures 30,000 files (100,000 are in
//! `files`); `--huge` adds 1,000,000 (building that repository takes many
//! minutes, so it is not in the default run nor in CI).

use super::*;

/// What `bench-scan` measured on one repository.
struct ScanFigures {
    files: u64,
    first: (f64, f64),
    firsts: usize,
    walk_ms: f64,
    idle: (f64, f64),
    one: (f64, f64),
    state_bytes: f64,
    rss_mb: f64,
    peak_mb: f64,
}

fn bench_scan(w: &World, firsts: usize, rounds: usize) -> ScanFigures {
    let out = w
        .cmd_in(BIN, &w.repo)
        .args(["bench-scan", "--dir", &w.repo.to_string_lossy()])
        .args(["--rounds", &rounds.to_string()])
        .args(["--firsts", &firsts.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = |k: &str| -> Vec<f64> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let kb = |k: &str| v[k].as_f64().unwrap_or(0.0) / 1024.0;
    ScanFigures {
        files: v["files"].as_u64().unwrap_or(0),
        first: stats(list("first_ms")),
        firsts,
        walk_ms: v["walk_ms"].as_f64().unwrap_or(0.0),
        idle: stats(list("idle_ms")),
        one: stats(list("one_change_ms")),
        state_bytes: v["state_bytes"].as_f64().unwrap_or(0.0),
        rss_mb: kb("rss_first_kb"),
        peak_mb: kb("peak_rss_kb"),
    }
}

/// The rows of one tree: its first scan, its later scans, and its memory.
pub fn scan_rows(t: &mut Table, w: &World, firsts: usize, rounds: usize) -> u64 {
    let f = bench_scan(w, firsts, rounds);
    let n = f.files;
    let tree = format!("tree of {n} files");
    t.row(
        &format!(
            "{tree}: first scan (index as cache), median / p99 of {}",
            f.firsts
        ),
        format!(
            "{:.0} / {:.0} ms (the walk alone {:.0} ms)",
            f.first.0, f.first.1, f.walk_ms
        ),
        if n == 100_000 { "< 500 ms" } else { "" },
        if n == 100_000 {
            verdict(f.first.0 < 500.0)
        } else {
            ""
        },
    );
    if rounds > 0 {
        t.row(
            &format!("{tree}: scan finding nothing / one change, median (p99)"),
            format!(
                "{:.3} ({:.3}) / {:.1} ({:.1}) ms",
                f.idle.0, f.idle.1, f.one.0, f.one.1
            ),
            "in ingest, not the shell",
            "",
        );
    }
    t.row(
        &format!("{tree}: state held per file (paths, ids, modes)"),
        format!(
            "{:.1} bytes ({:.1} MB)",
            f.state_bytes / n.max(1) as f64,
            f.state_bytes / (1 << 20) as f64
        ),
        "",
        "",
    );
    // A process of devtrace-core, the full binary: ingest itself runs from
    // devtrace-ingest, and the `files` section's row for ingest's RSS with
    // a 100,000-file tree tracked carries the target.
    t.row(
        &format!("{tree}: bench-scan's RSS tracking it / peak during the first scans"),
        format!("{:.1} / {:.1} MB", f.rss_mb, f.peak_mb),
        "",
        "",
    );
    n
}

/// 30,000 files; and 1,000,000 with `--huge`.
pub fn tree_rows(t: &mut Table, z: &Sizes) {
    let huge = std::env::args().any(|a| a == "--huge");
    let mut sizes = vec![if z.smoke { 3_000 } else { 30_000 }];
    if huge {
        sizes.push(1_000_000);
    }
    for n in sizes {
        let build = Instant::now();
        let w = big_repo(n);
        println!(
            "  (built a repository of {n} files in {:.1} s)",
            build.elapsed().as_secs_f64()
        );
        let firsts = if z.smoke || n > 100_000 { 2 } else { 5 };
        scan_rows(t, &w, firsts, if z.smoke { 2 } else { 10 });
    }
}
