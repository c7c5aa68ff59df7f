//! `devtrace show`: one session's timeline.

use crate::cli::ShowArgs;
use crate::event::{value_text, Event};
use crate::output::{printable, tilde, Out};
use crate::store::EventFilter;
use crate::timefmt;
use anyhow::Result;

pub fn run(a: ShowArgs) -> Result<i32> {
    super::check_types(&a.filter.types)?;
    let store = super::open_store(&a.store)?;
    let session = store.resolve_session(&a.session).map_err(|e| {
        crate::fail(
            format!("{e:#}"),
            "list the sessions with `devtrace sessions`",
        )
    })?;
    let filter = EventFilter {
        session: Some(session.clone()),
        types: a.filter.types.clone(),
        since_ms: super::when(&a.filter.since)?,
        until_ms: super::when(&a.filter.until)?,
        after_n: None,
        limit: a.limit,
    };
    let events = store.events(&filter)?;
    let mut out = Out::new(a.filter.json);
    if a.filter.json {
        for (_, ev) in &events {
            out.line(&ev.to_line())?;
        }
        out.flush()?;
        return Ok(0);
    }
    let row = store.session(&session)?;
    if let Some(r) = &row {
        let now = crate::runtime::now_ms();
        out.line(&format!(
            "{} {}  {}  {}  {} ({})  {}",
            out.paint("1", "session"),
            out.paint("1", &r.session),
            r.shell.as_deref().unwrap_or("?"),
            r.agent.as_deref().unwrap_or("person"),
            timefmt::date_time(r.start_ms),
            timefmt::ago(r.start_ms, now),
            printable(&tilde(r.first_cwd.as_deref().unwrap_or(""))),
        ))?;
    }
    let mut last_cwd = row.and_then(|r| r.first_cwd).unwrap_or_default();
    for (_, ev) in &events {
        if ev.kind == "run_command" && ev.cwd != last_cwd {
            out.line(&out.dim(&format!("  in {}", printable(&tilde(&ev.cwd)))))?;
            last_cwd = ev.cwd.clone();
        }
        out.line(&timeline_line(&out, ev, 0))?;
    }
    out.flush()?;
    Ok(0)
}

/// `19:53:20     0    12ms  ls -la`
pub fn timeline_line(out: &Out, ev: &Event, indent: usize) -> String {
    let ms = crate::store::ts_ms(&ev.ts);
    let time = timefmt::clock(ms);
    match ev.kind.as_str() {
        "run_command" => {
            let code = ev.data_i64("exit_code");
            let dur = ev
                .data_i64("duration_ms")
                .map(timefmt::duration)
                .unwrap_or_else(|| "?".into());
            let text = printable(&value_text(
                ev.data.get("command").unwrap_or(&serde_json::Value::Null),
            ));
            let head = format!("{time}  {}  {dur:>7}  ", out.status(code, 4));
            format!("{head}{}", out.fit(&text, indent + 8 + 2 + 4 + 2 + 7 + 2))
        }
        "session_start" => out.dim(&format!(
            "{time}  {:>4}  {:>7}  started {} in {}",
            "",
            "",
            ev.data_str("shell").unwrap_or("shell"),
            printable(&tilde(&ev.cwd))
        )),
        "session_end" => out.dim(&format!(
            "{time}  {:>4}  {:>7}  ended ({})",
            "",
            "",
            ev.data_str("reason").unwrap_or("?")
        )),
        other => format!("{time}  {:>4}  {:>7}  {other}", "", ""),
    }
}
