//! `devtrace pause` and `devtrace resume`: typed in a recorded shell they act
//! on that shell; with `--all` on every shell, new ones included.

use crate::cli::{PauseArgs, ResumeArgs};
use crate::pause::{self, Pause};
use crate::timestamp::Timestamp;
use crate::{runtime, timefmt};
use anyhow::Result;

fn this_shell(all: bool, verb: &str) -> Result<Option<String>> {
    if all {
        return Ok(None);
    }
    match crate::channel::recorded_session() {
        Some(s) => Ok(Some(s)),
        None => Err(crate::fail(
            "this is not a recorded shell",
            format!("`devtrace {verb}` acts on the shell it is typed in; `devtrace {verb} --all` acts on every shell"),
        )),
    }
}

fn whom(session: &Option<String>) -> &'static str {
    if session.is_some() {
        "this shell"
    } else {
        "every shell"
    }
}

pub fn pause(a: PauseArgs) -> Result<i32> {
    // A usage error first, wherever the command is typed.
    let length = a
        .duration
        .as_deref()
        .map(timefmt::parse_duration)
        .transpose()
        .map_err(|e| crate::usage(format!("{e:#}"), "for example: devtrace pause --for 10m"))?;
    let session = this_shell(a.all, "pause")?;
    let dir = runtime::ensure_dir()?;
    let now = Timestamp::now();
    let until = length.map(|d| now.saturating_add(d));
    pause::update(&dir, |list| {
        // A new pause of the same shells replaces the one running.
        for p in list.iter_mut() {
            if p.session == session && p.active(now) {
                p.until = Some(now);
            }
        }
        list.push(Pause {
            session: session.clone(),
            from: now,
            until,
        });
    })?;
    match until {
        Some(u) => println!(
            "devtrace: recording paused in {} until {} (`devtrace resume{}` to resume sooner)",
            whom(&session),
            timefmt::clock(u),
            if a.all { " --all" } else { "" }
        ),
        None => println!(
            "devtrace: recording paused in {} until `devtrace resume{}`",
            whom(&session),
            if a.all { " --all" } else { "" }
        ),
    }
    Ok(0)
}

pub fn resume(a: ResumeArgs) -> Result<i32> {
    let session = this_shell(a.all, "resume")?;
    let dir = runtime::ensure_dir()?;
    let now = Timestamp::now();
    let (ended, global_left) = pause::update(&dir, |list| {
        let mut ended = 0;
        for p in list.iter_mut() {
            let mine = session.is_none() || p.session == session;
            if mine && p.active(now) {
                p.until = Some(now);
                ended += 1;
            }
        }
        let global_left = list.iter().any(|p| p.session.is_none() && p.active(now));
        (ended, global_left)
    })?;
    if global_left {
        return Err(crate::fail(
            "recording is paused in every shell",
            "`devtrace resume --all` resumes every shell",
        ));
    }
    if ended == 0 {
        println!("devtrace: recording was not paused in {}", whom(&session));
    } else {
        println!("devtrace: recording resumed in {}", whom(&session));
    }
    Ok(0)
}
