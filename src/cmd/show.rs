//! `devtrace show`: one session's timeline.

use crate::cli::ShowArgs;
use crate::event::{value_text, Event};
use crate::output::{printable, tilde, Out};
use crate::store::EventFilter;
use crate::timefmt;
use anyhow::Result;

pub fn run(a: ShowArgs) -> Result<i32> {
    crate::resolve::check_types(&a.filter.types)?;
    let store = crate::resolve::open_store(&a.store)?;
    let session = crate::resolve::session_id(&store, &a.session)?;
    let filter = EventFilter {
        session: Some(session.clone()),
        types: a.filter.types.clone(),
        since_ms: crate::resolve::when(&a.filter.since)?,
        until_ms: crate::resolve::when(&a.filter.until)?,
        after_n: None,
        limit: a.limit,
        who: a.filter.who.who(),
    };
    let events = store.events(&filter)?;
    let mut out = Out::paged(a.filter.json)?;
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
    // Each command's changed files go under it.
    let shown: std::collections::HashSet<&str> = events
        .iter()
        .filter(|(_, e)| e.kind == "run_command" || e.kind == "tool_call")
        .map(|(_, e)| e.id.as_str())
        .collect();
    let mut caused: std::collections::HashMap<&str, Vec<&Event>> = Default::default();
    for (_, ev) in &events {
        if let Some(c) = ev
            .kind
            .eq("edit_files")
            .then(|| ev.data_str("cause"))
            .flatten()
        {
            if shown.contains(c) {
                caused.entry(c).or_default().push(ev);
            }
        }
    }
    // An agent's session reads as turns: each prompt, then what it led to.
    let mut turn = false;
    for (_, ev) in &events {
        let nested =
            ev.kind == "edit_files" && ev.data_str("cause").is_some_and(|c| shown.contains(c));
        if nested {
            continue;
        }
        if ev.kind == "prompt" {
            if turn {
                out.line("")?;
            }
            turn = true;
        } else if ev.kind == "session_end" {
            turn = false;
        }
        let indent = if turn && ev.kind != "prompt" {
            "  "
        } else {
            ""
        };
        if ev.kind == "run_command" && ev.cwd != last_cwd {
            out.line(&out.dim(&format!("  in {}", printable(&tilde(&ev.cwd)))))?;
            last_cwd = ev.cwd.clone();
        }
        let id = if a.ids {
            format!("{}  ", out.dim(&ev.id))
        } else {
            String::new()
        };
        let used = if a.ids { 28 } else { 0 } + indent.len();
        out.line(&format!("{id}{indent}{}", timeline_line(&out, ev, used)))?;
        let edits: Vec<&Event> = match ev.kind.as_str() {
            "run_command" | "tool_call" => caused.get(ev.id.as_str()).cloned().unwrap_or_default(),
            "edit_files" => vec![ev],
            _ => Vec::new(),
        };
        for e in edits {
            for line in file_lines(&out, e) {
                let pad = if a.ids { " ".repeat(28) } else { String::new() };
                out.line(&format!("{pad}{indent}{line}"))?;
            }
        }
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
        "edit_files" => {
            let who = match ev.data_str("cause") {
                Some(c) => format!("files changed by {}", &c[..c.len().min(12)]),
                None => "files changed between commands".to_owned(),
            };
            let n = ev
                .data
                .get("files")
                .and_then(|f| f.as_array())
                .map_or(0, Vec::len);
            let head = format!("{time}  {:>4}  {:>7}  ", "", "");
            let text = format!("{who}: {n} file{}", if n == 1 { "" } else { "s" });
            format!(
                "{head}{}",
                out.paint("33", &out.fit(&text, indent + head.chars().count()))
            )
        }
        "git_snapshot" => {
            let label = ev.data_str("label").unwrap_or("");
            let id = ev.data_str("snapshot").unwrap_or("");
            let mut text = format!("snapshot {}", &id[..id.len().min(7)]);
            if !label.is_empty() {
                text.push_str(&format!(" \"{}\"", printable(label)));
            }
            if let Some(n) = ev.data_i64("files_changed") {
                let base = match (ev.data_str("branch"), ev.data_str("head")) {
                    (Some(b), _) => b.to_owned(),
                    (None, Some(h)) => h[..h.len().min(7)].to_owned(),
                    _ => "HEAD".into(),
                };
                text.push_str(&format!(
                    ": {n} file{} changed from {base}",
                    if n == 1 { "" } else { "s" }
                ));
            }
            let head = format!("{time}  {:>4}  {:>7}  ", "", "");
            format!(
                "{head}{}",
                out.paint("36", &out.fit(&text, indent + head.chars().count()))
            )
        }
        "prompt" => {
            let text = printable(ev.data_str("text").unwrap_or(""));
            let head = format!("{time}  {:>4}  {:>7}  ", "", "");
            format!(
                "{head}{}",
                out.paint(
                    "1;34",
                    &out.fit(&format!("prompt: {text}"), indent + head.chars().count())
                )
            )
        }
        "tool_call" => {
            let code = ev
                .data
                .get("is_error")
                .and_then(|e| e.as_bool())
                .map(i64::from);
            let dur = ev
                .data_i64("duration_ms")
                .map(timefmt::duration)
                .unwrap_or_else(|| "?".into());
            let tool = ev.data_str("tool").unwrap_or("?");
            let what = printable(&tilde(tool_target(ev)));
            let mut text = format!("{tool} {what}");
            if let Some(intent) = ev.data_str("intent") {
                text.push_str(&format!("  # {}", printable(intent)));
            }
            let head = format!("{time}  {}  {dur:>7}  ", out.status(code, 4));
            format!(
                "{head}{}",
                out.fit(text.trim_end(), indent + 8 + 2 + 4 + 2 + 7 + 2)
            )
        }
        "note" => {
            let text = printable(ev.data_str("text").unwrap_or(""));
            let head = format!("{time}  {:>4}  {:>7}  ", "", "");
            format!(
                "{head}{}",
                out.paint(
                    "1;35",
                    &out.fit(&format!("note: {text}"), indent + head.chars().count())
                )
            )
        }
        other => format!("{time}  {:>4}  {:>7}  {other}", "", ""),
    }
}

/// What a tool call worked on, from its input: the command, file, pattern,
/// address or query it was given ("" when none of those).
pub fn tool_target(ev: &Event) -> &str {
    let input = ev.data.get("input");
    ["command", "file_path", "path", "pattern", "url", "query"]
        .iter()
        .find_map(|k| input.and_then(|i| i.get(*k)).and_then(|v| v.as_str()))
        .unwrap_or("")
}

/// `                         M src/billing.rs` lines for an edit_files event.
pub fn file_lines(out: &Out, ev: &Event) -> Vec<String> {
    let pad = " ".repeat(8 + 2 + 4 + 2 + 7 + 2 + 2);
    let mut lines = Vec::new();
    if let Some(why) = ev.data_str("unchecked") {
        lines.push(out.dim(&format!("{pad}(files not checked: {why})")));
    }
    let files: &[serde_json::Value] = ev
        .data
        .get("files")
        .and_then(|f| f.as_array())
        .map_or(&[], Vec::as_slice);
    // A command that touched thousands of files shows the first ones.
    const SHOWN: usize = 25;
    for f in files.iter().take(SHOWN) {
        let path = printable(&value_text(
            f.get("path").unwrap_or(&serde_json::Value::Null),
        ));
        let (letter, color) = match f.get("change").and_then(|c| c.as_str()) {
            Some("added") => ("A", "32"),
            Some("deleted") => ("D", "31"),
            Some("renamed") => ("R", "36"),
            _ => ("M", "33"),
        };
        let name = match f.get("from") {
            Some(from) => format!("{} → {path}", printable(&value_text(from))),
            None => path,
        };
        lines.push(format!(
            "{pad}{} {}",
            out.paint(color, letter),
            out.fit(&name, pad.len() + 2)
        ));
    }
    if files.len() > SHOWN {
        lines.push(out.dim(&format!(
            "{pad}… and {} more (devtrace diff --name-only {})",
            files.len() - SHOWN,
            ev.data_str("cause").unwrap_or(&ev.id)
        )));
    }
    lines
}
