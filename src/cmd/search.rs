//! `devtrace search`: command text and agents' tool output through the
//! SQLite full-text indexes (`review::search`), printed as a table or JSON
//! Lines.

use crate::cli::SearchArgs;
use crate::event::{Data, Event};
use crate::output::{printable, tilde, Out};
use crate::review::search;
use crate::timefmt;
use anyhow::Result;
use std::path::{Path, PathBuf};

fn absolute(dir: &Path) -> Result<PathBuf> {
    let base = PathBuf::from(crate::resolve::cwd()?);
    let joined = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        base.join(dir)
    };
    Ok(crate::config::normalize(&joined))
}

pub fn run(a: SearchArgs) -> Result<i32> {
    let text = a.text.join(" ");
    if text.trim().is_empty() {
        return Err(crate::usage(
            "nothing to search for",
            "for example: devtrace search cargo test",
        ));
    }
    let since = crate::resolve::when(&a.since)?;
    let until = crate::resolve::when(&a.until)?;
    let mut store = crate::resolve::open_store(&a.store)?;
    search::catch_up(&mut store);
    let q = search::Query {
        words: a.text.clone(),
        failed: a.failed,
        cwd: match &a.cwd {
            Some(d) => Some(absolute(d)?.to_string_lossy().into_owned()),
            None => None,
        },
        session: match &a.session {
            Some(s) => Some(crate::resolve::session_id(&store, s)?),
            None => None,
        },
        who: a.who.who(),
        since_ms: since,
        until_ms: until,
        limit: a.limit,
    };
    let found = search::run(&store, &q)?;
    if a.json {
        let mut out = Out::new(true);
        for ev in &found {
            out.line(&ev.to_line())?;
        }
        out.flush()?;
        return Ok(if found.is_empty() { 1 } else { 0 });
    }
    if found.is_empty() {
        eprintln!("devtrace: no command matches {text:?}");
        return Ok(1);
    }
    let root = store
        .dir()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    print(&found, &root)?;
    Ok(0)
}

fn print(found: &[Event], root: &Path) -> Result<()> {
    let mut out = Out::paged(false)?;
    let now = crate::timestamp::Timestamp::now();
    out.line(&out.dim(&format!(
        "{:<9}  {:>4}  {:>7}  {:<11}  {}",
        "WHEN", "EXIT", "TOOK", "WHO", "COMMAND"
    )))?;
    for ev in found {
        out.line(&row(&out, ev, root, now))?;
    }
    out.flush()?;
    Ok(())
}

/// `3m ago        0    1.2s  person       src$ cargo test`
fn row(out: &Out, ev: &Event, root: &Path, now: crate::timestamp::Timestamp) -> String {
    let code = match &ev.data {
        Data::ToolCall(t) => t.is_error.map(i64::from),
        d => d.exit_code(),
    };
    let took = ev.data.duration();
    // A tool call without a command (found by its output): the tool and
    // what it worked on.
    let cmd = match (&ev.data, ev.command_text()) {
        (_, Some(c)) => c,
        (Data::ToolCall(t), None) => format!("{} {}", t.tool, t.target()),
        (_, None) => String::new(),
    };
    let rel = Path::new(&ev.cwd)
        .strip_prefix(root)
        .ok()
        .filter(|r| !r.as_os_str().is_empty())
        .map(|r| format!("{}$ ", r.display()))
        .unwrap_or_else(|| {
            if Path::new(&ev.cwd) == root {
                String::new()
            } else {
                format!("{}$ ", tilde(&ev.cwd))
            }
        });
    let head = format!(
        "{:<9}  {}  {:>7}  {:<11}  ",
        timefmt::ago(ev.ts, now),
        out.status(code, 4),
        took.map(timefmt::duration).unwrap_or_else(|| "?".into()),
        crate::output::ellipsize(ev.agent.as_deref().unwrap_or("-"), 11),
    );
    let body = format!("{}{}", printable(&rel), printable(&cmd));
    let fitted = out.fit(&body, 9 + 2 + 4 + 2 + 7 + 2 + 11 + 2);
    let shown = match fitted.strip_prefix(&printable(&rel)) {
        Some(rest) if !rel.is_empty() => format!("{}{rest}", out.dim(&printable(&rel))),
        _ => fitted,
    };
    format!("{head}{shown}")
}
