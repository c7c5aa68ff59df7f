//! `devtrace doctor`: is recording working in this shell, and if not, what
//! fixes it. Exit status 1 when something is wrong.
//!
//! Three steps: `gather` reads the state of things into a `Report`,
//! `decide` turns it into checks, `print` shows them.

mod agents;
mod repo;

use crate::cli::{DoctorArgs, Shell};
use crate::ingest;
use crate::output::{tilde, Out};
use crate::runtime::{self, Channel};
use crate::store;
use anyhow::Result;
use serde_json::json;
use std::os::unix::fs::FileTypeExt;
use std::path::PathBuf;

struct Check {
    ok: bool,
    what: String,
    fix: Option<String>,
}

fn ok(what: impl Into<String>) -> Check {
    Check {
        ok: true,
        what: what.into(),
        fix: None,
    }
}

fn bad(what: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        ok: false,
        what: what.into(),
        fix: Some(fix.into()),
    }
}

/// Nothing is wrong, but there is something to know and do.
fn note(what: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        ok: true,
        what: what.into(),
        fix: Some(fix.into()),
    }
}

/// What doctor finds, before it is judged.
struct Report {
    /// Shells whose rc file has the hook line.
    hooked: Vec<&'static str>,
    runtime: PathBuf,
    /// Why the runtime directory is not safe to use, and whether it exists.
    runtime_err: Option<(String, bool)>,
    session: Option<String>,
    /// This shell's channel (when it is recorded and the runtime is sound).
    channel: Option<ChannelState>,
    /// Pauses that hold this shell now.
    pauses: Vec<crate::pause::Pause>,
    ingest: Option<(i32, String)>,
    /// Lines in ingest.log.
    warnings: usize,
    store_dir: PathBuf,
    store: StoreState,
    /// A repository here whose commands go to the global store.
    homeless: Option<repo::Homeless>,
    config_err: Option<String>,
    /// Agents with DevTrace's hooks for this repository or user.
    agents: Vec<agents::Installed>,
}

enum ChannelState {
    /// The session's metadata is gone: ended, or cleaned up.
    Unknown,
    Known {
        /// The shell of the session is still running.
        alive: bool,
        /// The FIFO: Ok(Ok) private, Ok(Err(why)) not private, Err(true)
        /// not a FIFO, Err(false) gone.
        fifo: Result<Result<(), String>, bool>,
        /// What ingest skipped of this shell, and why.
        skipped: serde_json::Map<String, serde_json::Value>,
        /// Which hooks record it (bash: `debug` or `bash-preexec`).
        hooks: Option<String>,
    },
}

enum StoreState {
    Missing,
    Open {
        behind: bool,
        events: i64,
        writable: bool,
    },
    Broken(String),
}

pub fn run(a: DoctorArgs) -> Result<i32> {
    let report = gather(&a);
    let checks = decide(&report);
    let skipped = match &report.channel {
        Some(ChannelState::Known { skipped, .. }) => skipped.clone(),
        _ => serde_json::Map::new(),
    };
    print(&checks, &skipped, a.json)
}

fn gather(a: &DoctorArgs) -> Report {
    let hooked = [Shell::Bash, Shell::Zsh, Shell::Fish]
        .into_iter()
        .filter(|s| crate::rcfile::hook_installed(*s).is_some())
        .map(|s| s.name())
        .collect();
    let rt = runtime::dir();
    let runtime_err = runtime::check_private(&rt, true)
        .err()
        .map(|e| (format!("{e:#}"), rt.exists()));
    let session = std::env::var("DEVTRACE_SESSION")
        .ok()
        .filter(|s| !s.is_empty());
    let channel = match &session {
        Some(id) if runtime_err.is_none() => Some(channel_state(&Channel::new(&rt, id))),
        _ => None,
    };
    let now = crate::timestamp::Timestamp::now();
    let pauses = crate::pause::load(&rt)
        .into_iter()
        .filter(|p| (p.session.is_none() || p.session == session) && p.active(now))
        .collect();
    let warnings = std::fs::read_to_string(rt.join("ingest.log"))
        .map(|t| t.lines().count())
        .unwrap_or(0);
    let cwd = std::env::current_dir().unwrap_or_default();
    let store_dir = if a.store.global {
        store::global_dir()
    } else {
        store::dir_for(&cwd)
    };
    let store = store_state(&store_dir);
    let homeless = (!a.store.global).then(|| repo::gather(&cwd)).flatten();
    let config_err = crate::config::load(store_dir.is_dir().then_some(store_dir.as_path()))
        .err()
        .map(|e| format!("{e:#}"));
    let root = crate::cmd::agent_install::project_root().unwrap_or(cwd);
    let agents = agents::gather(&root, &store_dir);
    Report {
        hooked,
        ingest: ingest::running(&rt),
        runtime: rt,
        runtime_err,
        session,
        channel,
        pauses,
        warnings,
        store_dir,
        store,
        homeless,
        config_err,
        agents,
    }
}

fn channel_state(chan: &Channel) -> ChannelState {
    if !chan.meta().exists() {
        return ChannelState::Unknown;
    }
    let fifo = match std::fs::symlink_metadata(chan.fifo()) {
        Ok(m) if m.file_type().is_fifo() => {
            Ok(runtime::check_private(&chan.fifo(), false).map_err(|e| format!("{e:#}")))
        }
        Ok(_) => Err(true),
        Err(_) => Err(false),
    };
    let alive = std::fs::read(chan.meta())
        .ok()
        .and_then(|b| serde_json::from_slice::<runtime::SessionMeta>(&b).ok())
        .is_some_and(|m| runtime::process_alive(m.shell_pid, m.shell_start_ticks));
    let mut skipped = serde_json::Map::new();
    if let Ok(bytes) = std::fs::read(chan.state()) {
        if let Ok(st) = serde_json::from_slice::<ingest::State>(&bytes) {
            for (why, n) in &st.skipped {
                skipped.insert(why.clone(), json!(n));
            }
        }
    }
    let hooks = std::fs::read_to_string(chan.hooks())
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    ChannelState::Known {
        alive,
        fifo,
        skipped,
        hooks,
    }
}

fn store_state(dir: &std::path::Path) -> StoreState {
    if !dir.is_dir() {
        return StoreState::Missing;
    }
    match store::Store::open(dir) {
        Ok(mut s) => StoreState::Open {
            writable: nix::unistd::access(dir, nix::unistd::AccessFlags::W_OK).is_ok(),
            events: s.count_events().unwrap_or(0),
            behind: s.out_of_step().unwrap_or(true),
        },
        Err(e) => StoreState::Broken(format!("{e:#}")),
    }
}

fn decide(r: &Report) -> Vec<Check> {
    let mut checks = vec![decide_hook(r)];
    let rt = r.runtime.display();
    checks.push(match &r.runtime_err {
        None => ok(format!("runtime directory {rt} is private")),
        Some((e, false)) => bad(
            format!("runtime directory {rt} does not exist: {e}"),
            "open a new shell (the hook creates it)",
        ),
        Some((e, true)) => bad(
            format!("{e}; nothing is recorded until this is fixed"),
            format!("rm -rf {rt}  (it is recreated, private, by the next shell)"),
        ),
    });
    decide_session(r, &mut checks);
    for p in &r.pauses {
        let whom = if p.session.is_none() {
            "every shell"
        } else {
            "this shell"
        };
        let until = match p.until {
            Some(u) => format!("until {}", crate::timefmt::clock(u)),
            None => "until `devtrace resume`".to_owned(),
        };
        let all = if p.session.is_none() { " --all" } else { "" };
        checks.push(ok(format!(
            "recording paused in {whom} {until} (devtrace resume{all} to resume)"
        )));
    }
    decide_ingest(r, &mut checks);
    decide_store(r, &mut checks);
    if let Some(h) = &r.homeless {
        let (failed, what, fix) = repo::describe(h);
        checks.push(if failed {
            bad(what, fix)
        } else {
            note(what, fix)
        });
    }
    let now = crate::timestamp::Timestamp::now();
    for a in &r.agents {
        let (fired, what, fix) = agents::describe(a, now);
        checks.push(match (fired, fix) {
            (true, _) | (false, None) => ok(what),
            (false, Some(f)) => note(what, f),
        });
    }
    if let Some(e) = &r.config_err {
        checks.push(bad(
            format!("{e}; ingest keeps the last good configuration"),
            "fix the file (`devtrace config` checks it)",
        ));
    }
    checks
}

/// The hook: loaded in this shell (it is recorded, its shell alive) beats
/// any reading of rc files; else some start-up file evaluates it.
fn decide_hook(r: &Report) -> Check {
    let loaded = matches!(r.channel, Some(ChannelState::Known { alive: true, .. }));
    match (loaded, r.hooked.is_empty()) {
        (_, false) => ok(format!(
            "hook line installed for {}",
            r.hooked.join(", ")
        )),
        (true, true) => ok(
            "the hook is loaded in this shell (no start-up file of bash, zsh or fish evaluates `devtrace hook`)",
        ),
        (false, true) => bad(
            "no shell rc file evaluates `devtrace hook SHELL`",
            "devtrace init",
        ),
    }
}

fn decide_session(r: &Report, checks: &mut Vec<Check>) {
    let Some(id) = &r.session else {
        checks.push(bad(
            "this shell is not recorded (DEVTRACE_SESSION is not set)",
            "open a new terminal after `devtrace init`, or run: eval \"$(devtrace hook bash)\" (zsh: likewise; fish: devtrace hook fish | source)",
        ));
        return;
    };
    match &r.channel {
        None => {}
        Some(ChannelState::Unknown) => checks.push(bad(
            format!("this shell's session {id} is not known to ingest (ended or cleaned up)"),
            "open a new terminal",
        )),
        Some(ChannelState::Known { fifo, hooks, .. }) => {
            checks.push(ok(format!("this shell is recorded as session {id}")));
            match hooks.as_deref() {
                Some("debug") => checks.push(ok("it records through DevTrace's own DEBUG trap")),
                Some("bash-preexec") => {
                    checks.push(ok("it records through bash-preexec's hook arrays"))
                }
                _ => {}
            }
            checks.push(match fifo {
                Ok(Ok(())) => ok("its FIFO is in place and private"),
                Ok(Err(e)) => bad(e.clone(), "open a new terminal"),
                Err(true) => bad(
                    "its FIFO path is not a FIFO; records go to the spool file only",
                    "open a new terminal",
                ),
                Err(false) => bad(
                    "its FIFO is gone; records go to the spool file only",
                    "open a new terminal",
                ),
            });
        }
    }
}

fn decide_ingest(r: &Report, checks: &mut Vec<Check>) {
    checks.push(match &r.ingest {
        Some((pid, v)) if v == env!("CARGO_PKG_VERSION") => {
            ok(format!("ingest is running (pid {pid})"))
        }
        Some((pid, v)) => bad(
            format!(
                "ingest (pid {pid}) is version {v}, this devtrace is {}",
                env!("CARGO_PKG_VERSION")
            ),
            "open a new terminal (it replaces ingest), or: devtrace ingest --spawn",
        ),
        None if r.session.is_some() => bad(
            "ingest is not running; records wait in the spool until it is",
            "devtrace ingest --spawn  (the hook also restarts it at the next prompt)",
        ),
        None => ok("ingest is not running (it starts with the first recorded shell)"),
    });
    if r.warnings > 0 {
        checks.push(bad(
            format!(
                "ingest logged {} (dropped or skipped records)",
                crate::output::count(r.warnings as u64, "warning")
            ),
            format!("read {}", r.runtime.join("ingest.log").display()),
        ));
    }
}

fn decide_store(r: &Report, checks: &mut Vec<Check>) {
    let shown = tilde(&r.store_dir.to_string_lossy());
    match &r.store {
        StoreState::Missing => {
            checks.push(bad(format!("no store at {shown} yet"), "devtrace init"))
        }
        StoreState::Open {
            behind,
            events,
            writable,
        } => {
            checks.push(if *behind {
                bad("the index does not match events.jsonl", "devtrace reindex")
            } else {
                ok(format!(
                    "the index matches events.jsonl ({})",
                    crate::output::count(*events as u64, "event")
                ))
            });
            checks.push(if *writable {
                ok(format!(
                    "store {shown} is readable and writable (schema {})",
                    crate::store::SCHEMA
                ))
            } else {
                bad(
                    format!("store {shown} is read-only; new events are dropped"),
                    format!("chmod u+w {}", r.store_dir.display()),
                )
            });
        }
        StoreState::Broken(e) => checks.push(bad(
            format!("store {shown} cannot be opened: {e}"),
            "devtrace reindex",
        )),
    }
}

fn print(
    checks: &[Check],
    skipped: &serde_json::Map<String, serde_json::Value>,
    json: bool,
) -> Result<i32> {
    let failed = checks.iter().filter(|c| !c.ok).count();
    let mut out = Out::new(json);
    if json {
        let v = json!({
            "ok": failed == 0,
            "checks": checks.iter().map(|c| json!({"ok": c.ok, "what": c.what, "fix": c.fix})).collect::<Vec<_>>(),
            "skipped": skipped,
        });
        out.line(&v.to_string())?;
    } else {
        for c in checks {
            let mark = match (c.ok, &c.fix) {
                (false, _) => out.paint("31", "FAIL"),
                (true, Some(_)) => out.paint("33", "note"),
                (true, None) => out.paint("32", "ok  "),
            };
            out.line(&format!("{mark}  {}", c.what))?;
            if let Some(f) = &c.fix {
                out.line(&format!("      fix: {f}"))?;
            }
        }
        for (why, n) in skipped {
            out.line(&format!("note  this shell, skipped: {why} ({n})"))?;
        }
    }
    out.flush()?;
    Ok(if failed == 0 { 0 } else { 1 })
}
