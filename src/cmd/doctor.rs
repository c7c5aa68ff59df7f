//! `devtrace doctor`: is recording working in this shell, and if not, what
//! fixes it. Exit status 1 when something is wrong.

use crate::cli::{DoctorArgs, Shell};
use crate::ingest;
use crate::output::{tilde, Out};
use crate::runtime::{self, Channel};
use crate::store;
use anyhow::Result;
use serde_json::json;
use std::os::unix::fs::FileTypeExt;

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

pub fn run(a: DoctorArgs) -> Result<i32> {
    let mut checks: Vec<Check> = Vec::new();

    // The hook line in rc files.
    let installed: Vec<&str> = [Shell::Bash, Shell::Zsh, Shell::Fish]
        .into_iter()
        .filter(|s| crate::rcfile::hook_installed(*s))
        .map(|s| s.name())
        .collect();
    if installed.is_empty() {
        checks.push(bad(
            "no shell rc file has the devtrace hook line",
            "devtrace init",
        ));
    } else {
        checks.push(ok(format!(
            "hook line installed for {}",
            installed.join(", ")
        )));
    }

    // The runtime directory and this shell's channel.
    let rt = runtime::dir();
    let rt_ok = match runtime::check_private(&rt, true) {
        Ok(()) => {
            checks.push(ok(format!("runtime directory {} is private", rt.display())));
            true
        }
        Err(e) if !rt.exists() => {
            checks.push(bad(
                format!("runtime directory {} does not exist: {e:#}", rt.display()),
                "open a new shell (the hook creates it)",
            ));
            false
        }
        Err(e) => {
            checks.push(bad(
                format!("{e:#}; nothing is recorded until this is fixed"),
                format!(
                    "rm -rf {0}  (it is recreated, private, by the next shell)",
                    rt.display()
                ),
            ));
            false
        }
    };
    let session = std::env::var("DEVTRACE_SESSION")
        .ok()
        .filter(|s| !s.is_empty());
    let mut skipped = serde_json::Map::new();
    match &session {
        None => checks.push(bad(
            "this shell is not recorded (DEVTRACE_SESSION is not set)",
            "open a new terminal after `devtrace init`, or run: eval \"$(devtrace hook bash)\" (zsh: likewise; fish: devtrace hook fish | source)",
        )),
        Some(id) if rt_ok => {
            let chan = Channel::new(&rt, id);
            if !chan.meta().exists() {
                checks.push(bad(
                    format!("this shell's session {id} is not known to ingest (ended or cleaned up)"),
                    "open a new terminal",
                ));
            } else {
                checks.push(ok(format!("this shell is recorded as session {id}")));
                match std::fs::symlink_metadata(chan.fifo()) {
                    Ok(m) if m.file_type().is_fifo() => {
                        checks.push(match runtime::check_private(&chan.fifo(), false) {
                            Ok(()) => ok("its FIFO is in place and private"),
                            Err(e) => bad(format!("{e:#}"), "open a new terminal"),
                        })
                    }
                    Ok(_) => checks.push(bad(
                        "its FIFO path is not a FIFO; records go to the spool file only",
                        "open a new terminal",
                    )),
                    Err(_) => checks.push(bad(
                        "its FIFO is gone; records go to the spool file only",
                        "open a new terminal",
                    )),
                }
                if let Ok(bytes) = std::fs::read(chan.state()) {
                    if let Ok(st) = serde_json::from_slice::<ingest::State>(&bytes) {
                        for (why, n) in &st.skipped {
                            skipped.insert(why.clone(), json!(n));
                        }
                    }
                }
            }
        }
        Some(_) => {}
    }

    // Pauses that hold this shell now.
    let now = runtime::now_us();
    for p in crate::pause::load(&rt) {
        let mine = p.session.is_none() || p.session == session;
        if mine && p.active(now) {
            let whom = if p.session.is_none() {
                "every shell"
            } else {
                "this shell"
            };
            let until = match p.until_us {
                Some(u) => format!("until {}", crate::timefmt::clock(u / 1000)),
                None => "until `devtrace resume`".to_owned(),
            };
            let all = if p.session.is_none() { " --all" } else { "" };
            checks.push(ok(format!(
                "recording paused in {whom} {until} (devtrace resume{all} to resume)"
            )));
        }
    }

    // Ingest.
    match ingest::running(&rt) {
        Some((pid, v)) if v == env!("CARGO_PKG_VERSION") => {
            checks.push(ok(format!("ingest is running (pid {pid})")))
        }
        Some((pid, v)) => checks.push(bad(
            format!(
                "ingest (pid {pid}) is version {v}, this devtrace is {}",
                env!("CARGO_PKG_VERSION")
            ),
            "open a new terminal (it replaces ingest), or: devtrace ingest --spawn",
        )),
        None if session.is_some() => checks.push(bad(
            "ingest is not running; records wait in the spool until it is",
            "devtrace ingest --spawn  (the hook also restarts it at the next prompt)",
        )),
        None => checks.push(ok(
            "ingest is not running (it starts with the first recorded shell)",
        )),
    }
    let warnings = std::fs::read_to_string(rt.join("ingest.log"))
        .map(|t| t.lines().count())
        .unwrap_or(0);
    if warnings > 0 {
        checks.push(bad(
            format!("ingest logged {warnings} warnings (dropped or skipped records)"),
            format!("read {}", rt.join("ingest.log").display()),
        ));
    }

    // The store this directory records into.
    let cwd = std::env::current_dir().unwrap_or_default();
    let store_dir = if a.store.global {
        store::global_dir()
    } else {
        store::dir_for(&cwd)
    };
    if !store_dir.is_dir() {
        checks.push(bad(
            format!("no store at {} yet", tilde(&store_dir.to_string_lossy())),
            "devtrace init",
        ));
    } else {
        match store::Store::open(&store_dir) {
            Ok(s) => {
                let writable =
                    nix::unistd::access(&store_dir, nix::unistd::AccessFlags::W_OK).is_ok();
                let n = s.count_events().unwrap_or(0);
                if s.behind().unwrap_or(true) {
                    checks.push(bad(
                        "the index does not match events.jsonl",
                        "devtrace reindex",
                    ));
                } else {
                    checks.push(ok(format!("the index matches events.jsonl ({n} events)")));
                }
                if writable {
                    checks.push(ok(format!(
                        "store {} is readable and writable (schema {})",
                        tilde(&store_dir.to_string_lossy()),
                        crate::store::SCHEMA
                    )));
                } else {
                    checks.push(bad(
                        format!(
                            "store {} is read-only; new events are dropped",
                            tilde(&store_dir.to_string_lossy())
                        ),
                        format!("chmod u+w {}", store_dir.display()),
                    ));
                }
            }
            Err(e) => checks.push(bad(
                format!(
                    "store {} cannot be opened: {e:#}",
                    tilde(&store_dir.to_string_lossy())
                ),
                "devtrace reindex",
            )),
        }
    }

    // The configuration that applies here.
    if let Err(e) = crate::config::load(store_dir.is_dir().then_some(store_dir.as_path())) {
        checks.push(bad(
            format!("{e:#}; ingest keeps the last good configuration"),
            "fix the file (`devtrace config` checks it)",
        ));
    }

    let failed = checks.iter().filter(|c| !c.ok).count();
    let mut out = Out::new(a.json);
    if a.json {
        let v = json!({
            "ok": failed == 0,
            "checks": checks.iter().map(|c| json!({"ok": c.ok, "what": c.what, "fix": c.fix})).collect::<Vec<_>>(),
            "skipped": skipped,
        });
        out.line(&v.to_string())?;
    } else {
        for c in &checks {
            let mark = if c.ok {
                out.paint("32", "ok  ")
            } else {
                out.paint("31", "FAIL")
            };
            out.line(&format!("{mark}  {}", c.what))?;
            if let Some(f) = &c.fix {
                out.line(&format!("      fix: {f}"))?;
            }
        }
        for (why, n) in &skipped {
            out.line(&format!("note  this shell, skipped: {why} ({n})"))?;
        }
    }
    out.flush()?;
    Ok(if failed == 0 { 0 } else { 1 })
}
