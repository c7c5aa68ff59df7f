//! How exactly DevTrace tells which pasted line changed what, in large
//! repositories: bursts of lines written to a real shell's terminal at
//! once, each line writing the same file, scored against what each line
//! truly wrote. Prints one row per shell, repository size and burst size:
//! the share of changes given to exactly the right command, recorded for
//! several commands together (uncertain), and given to a wrong one (the
//! target is none), with ingest's CPU per command and peak memory.
//!
//!   cargo bench --bench attribution             # 30,000 and 100,000 files
//!   cargo bench --bench attribution -- --smoke  # 2,000 files, one round (CI)
//!   cargo bench --bench attribution -- --smoke --rounds 8  # more rounds
//!
//! A change given to the wrong command is printed (`wrong: ...`); with
//! `DEVTRACE_BENCH_DUMP=1`, so are all the events of a row's session that
//! has a wrong or a missing change.

#[path = "../tests/support/mod.rs"]
mod support;

#[path = "parts/procfs.rs"]
#[allow(dead_code)] // shared with benches/devtrace.rs, which reads more of /proc
mod procfs;

use procfs::{cpu_ticks, proc_field};
use support::burst::*;
use support::*;

/// Peak resident memory of a process, in MB.
fn peak_mb(pid: i32) -> f64 {
    proc_field(pid, "status", "VmHWM:").unwrap_or(0) as f64 / 1024.0
}

struct Row {
    score: Score,
    cpu_ms_per_command: f64,
    peak_mb: f64,
}

/// `rounds` bursts of `size` lines in `shell`, in the repository of `w`.
fn run(w: &World, shell: &str, size: usize, rounds: usize) -> Row {
    let now = std::fs::read_to_string(w.repo.join("q.txt")).unwrap();
    let mut truth = Truth::new(&[("q.txt", &now)]);
    let mut sh = Pty::spawn(w, shell, &w.repo);
    sh.run(": begin");
    w.wait_events(
        &w.repo,
        &["--type", "run_command", "--session", "latest"],
        1,
    );
    let pid = w.ingest_pid().expect("ingest runs");
    let cpu0 = cpu_ticks(pid);
    for round in 0..rounds {
        let lines = truth.burst(&format!("{shell}{size}-"), round, size);
        sh.run_many(&lines, size);
    }
    let shell_pid = sh.pid();
    sh.exit();
    let evs = w.ended_session_of(&w.repo, shell_pid);
    let cpu = cpu_ticks(pid).saturating_sub(cpu0);
    let commands = size * rounds;
    let sc = score(&evs, &truth);
    if (!sc.wrong.is_empty() || sc.missing > 0) && std::env::var_os("DEVTRACE_BENCH_DUMP").is_some()
    {
        for e in &evs {
            println!("EV {}", e);
        }
    }
    Row {
        score: sc,
        cpu_ms_per_command: cpu as f64 * 10.0 / commands as f64,
        peak_mb: peak_mb(pid),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let smoke = args.iter().any(|a| a == "--smoke");
    let (sizes, mut rounds): (&[usize], usize) = if smoke {
        (&[2_000], 1)
    } else {
        (&[30_000, 100_000], 5)
    };
    // `--rounds N`: more bursts per row (a smoke run's shares are of one).
    if let Some(n) = args.iter().position(|a| a == "--rounds") {
        rounds = args
            .get(n + 1)
            .and_then(|v| v.parse().ok())
            .filter(|&n| n > 0)
            .expect("--rounds takes a whole number above 0");
    }
    println!("burst attribution ({} rounds per row)", rounds);
    println!(
        "{:<6} {:>8} {:>6} {:>7} {:>10} {:>6} {:>8} {:>12} {:>8}",
        "shell",
        "files",
        "burst",
        "exact",
        "uncertain",
        "wrong",
        "missing",
        "cpu ms/cmd",
        "peak MB"
    );
    let mut wrong = 0;
    for &files in sizes {
        let w = world_with_files(files);
        for shell in ["bash", "zsh", "fish"] {
            for size in [3, 10] {
                let r = run(&w, shell, size, rounds);
                let s = &r.score;
                let total = (s.exact + s.uncertain + s.wrong.len()).max(1) as f64;
                println!(
                    "{shell:<6} {files:>8} {size:>6} {:>6.0}% {:>9.0}% {:>6} {:>8} {:>12.2} {:>8.1}",
                    100.0 * s.exact as f64 / total,
                    100.0 * s.uncertain as f64 / total,
                    s.wrong.len(),
                    s.missing,
                    r.cpu_ms_per_command,
                    r.peak_mb,
                );
                for why in &s.wrong {
                    println!("  wrong: {why}");
                }
                wrong += s.wrong.len();
            }
        }
    }
    assert_eq!(wrong, 0, "changes given to the wrong command");
}
