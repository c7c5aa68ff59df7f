//! What /proc says of a process: the benchmarks' CPU and memory figures.

/// A `Key: value` field of /proc/PID/FILE (kB for memory).
pub fn proc_field(pid: i32, file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The fields of /proc/PID/stat after the process's name (the state
/// first), empty when the process is gone.
fn stat_fields(pid: i32) -> Vec<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = &stat[stat.rfind(')').map_or(0, |i| i + 2).min(stat.len())..];
    after.split_whitespace().map(str::to_owned).collect()
}

/// User + system CPU ticks (1/100 s) of a process so far.
pub fn cpu_ticks(pid: i32) -> u64 {
    let f = stat_fields(pid);
    let tick = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
    tick(11) + tick(12)
}

/// A process's state letter (`S` asleep, `R` running, `T` stopped, ...).
pub fn proc_state(pid: i32) -> Option<String> {
    stat_fields(pid).into_iter().next()
}
