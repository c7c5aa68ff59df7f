//! `devtrace forget`: removes chosen events from events.jsonl and the index,
//! after showing them and asking (or with `--yes`).

use crate::cli::ForgetArgs;
use crate::event::Event;
use crate::output::Out;
use crate::store::Store;
use anyhow::Result;
use rusqlite::types::Value as SqlValue;
use std::collections::HashSet;
use std::io::{BufRead, IsTerminal, Write};

/// What `--match` looks in: command text, note and prompt text, tool input,
/// snapshot label.
const TEXT_SQL: &str = "instr(coalesce(command, '') || char(10) || \
     coalesce(json_extract(json, '$.data.text'), '') || char(10) || \
     coalesce(json_extract(json, '$.data.input'), '') || char(10) || \
     coalesce(json_extract(json, '$.data.label'), ''), ?) > 0";

pub fn run(a: ForgetArgs) -> Result<i32> {
    check_args(&a)?;
    let before = crate::resolve::when(&a.before)?;
    let mut store = crate::resolve::open_store(&a.store)?;
    let (clauses, args) = selection(&a, &store, before)?;
    let found = store.select_events(&clauses.join(" AND "), args)?;
    if found.is_empty() {
        println!("devtrace: no event matches; nothing forgotten");
        return Ok(0);
    }
    let sessions: HashSet<&str> = found.iter().map(|e| e.session.as_str()).collect();
    let what = format!(
        "{} event{} from {} session{}",
        found.len(),
        if found.len() == 1 { "" } else { "s" },
        sessions.len(),
        if sessions.len() == 1 { "" } else { "s" }
    );
    if !a.yes && !confirm(&found, &what)? {
        eprintln!("devtrace: nothing forgotten");
        return Ok(1);
    }
    let ids: HashSet<String> = found.iter().map(|e| e.id.clone()).collect();
    let n = store.remove(&ids, crate::store::Removal::Forget)?;
    println!(
        "devtrace: forgot {n} event{} ({} session{}) from {}",
        if n == 1 { "" } else { "s" },
        sessions.len(),
        if sessions.len() == 1 { "" } else { "s" },
        crate::output::tilde(&store.dir().to_string_lossy())
    );
    Ok(0)
}

/// Refuses a `forget` that says nothing about what to forget.
fn check_args(a: &ForgetArgs) -> Result<()> {
    if a.id.is_empty() && a.session.is_none() && a.text.is_none() && a.before.is_none() {
        return Err(crate::usage(
            "say what to forget",
            "use --id ID, --session ID, --match TEXT or --before DATE (they combine)",
        ));
    }
    if a.text.as_deref() == Some("") {
        return Err(crate::usage(
            "--match needs some text",
            "for example: --match 'secret-tool'",
        ));
    }
    Ok(())
}

/// The SQL conditions (all must hold) and their arguments that pick the
/// events the options name.
fn selection(
    a: &ForgetArgs,
    store: &Store,
    before: Option<i64>,
) -> Result<(Vec<String>, Vec<SqlValue>)> {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    if !a.id.is_empty() {
        let mut ids = Vec::new();
        for want in &a.id {
            let ev = store.resolve_event(want).map_err(|e| {
                crate::fail(format!("{e:#}"), "`devtrace show --ids` prints event ids")
            })?;
            ids.push(ev.id);
        }
        clauses.push(format!("id IN ({})", vec!["?"; ids.len()].join(", ")));
        args.extend(ids.into_iter().map(SqlValue::Text));
    }
    if let Some(s) = &a.session {
        let id = crate::resolve::session_id(store, s)?;
        clauses.push("session = ?".into());
        args.push(SqlValue::Text(id));
    }
    if let Some(t) = &a.text {
        clauses.push(TEXT_SQL.into());
        args.push(SqlValue::Text(t.clone()));
    }
    if let Some(b) = before {
        clauses.push("ts_ms < ?".into());
        args.push(SqlValue::Integer(b));
    }
    Ok((clauses, args))
}

/// Shows the events and asks on the terminal whether to forget them.
fn confirm(found: &[Event], what: &str) -> Result<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(crate::usage(
            format!("this would forget {what}, and there is no terminal to ask"),
            "add --yes to forget them without asking",
        ));
    }
    preview(found)?;
    eprint!("Forget {what} for good? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// The events about to go, as timeline lines (the first 20).
fn preview(found: &[Event]) -> Result<()> {
    let mut out = Out::new(false);
    for ev in found.iter().take(20) {
        out.line(&super::log::event_line(&out, ev))?;
    }
    if found.len() > 20 {
        out.line(&out.dim(&format!("... and {} more", found.len() - 20)))?;
    }
    out.flush()?;
    Ok(())
}
