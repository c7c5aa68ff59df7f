//! `devtrace show`: one session's timeline.

use crate::cli::ShowArgs;
use crate::event::{Data, EditFiles, Event, GitSnapshot, Kind, RunCommand, ToolCall, TurnEnd};
use crate::output::{printable, tilde, Out};
use crate::store::{EventFilter, SessionRow, Store};
use crate::timefmt;
use crate::timestamp::Timestamp;
use anyhow::Result;
use std::collections::{HashMap, HashSet};

pub fn run(a: ShowArgs) -> Result<i32> {
    crate::resolve::check_types(&a.filter.types)?;
    let filter = filter(&a)?;
    let store = crate::resolve::open_store(&a.store)?;
    let session = match &a.session {
        Some(wanted) => crate::resolve::session_id(&store, wanted)?,
        None => default_session(&store, &filter, &describe(&a))?,
    };
    let events = gather(&store, &filter, &session)?;
    if events.is_empty() && filtered(&filter) {
        return Err(crate::fail(
            format!(
                "session {} has no events that match {}",
                &session[..session.len().min(12)],
                describe(&a)
            ),
            "drop a filter, or list the sessions with `devtrace sessions`",
        ));
    }
    let mut out = Out::paged(a.filter.json)?;
    if a.filter.json {
        for ev in &events {
            out.line(&ev.to_line())?;
        }
        out.flush()?;
        return Ok(0);
    }
    let row = store.session(&session)?;
    if let Some(r) = &row {
        print_header(&mut out, r)?;
    }
    let first_cwd = row.and_then(|r| r.first_cwd).unwrap_or_default();
    print_timeline(&mut out, &events, first_cwd, (a.ids, a.output))?;
    out.flush()?;
    Ok(0)
}

/// The events asked for, of any session (`gather` names the session).
fn filter(a: &ShowArgs) -> Result<EventFilter> {
    crate::resolve::event_filter(&a.filter, a.limit)
}

/// Whether the filter leaves events out (`--limit` only shortens).
fn filtered(f: &EventFilter) -> bool {
    !f.types.is_empty() || f.since_ms.is_some() || f.until_ms.is_some() || f.who.is_some()
}

/// The filters given, as the user typed them.
fn describe(a: &ShowArgs) -> String {
    let f = &a.filter;
    let mut parts: Vec<String> = f.types.iter().map(|t| format!("--type {t}")).collect();
    parts.extend(f.since.as_ref().map(|s| format!("--since {s}")));
    parts.extend(f.until.as_ref().map(|s| format!("--until {s}")));
    parts.extend(f.who.agent.as_ref().map(|s| format!("--agent {s}")));
    if f.who.human {
        parts.push("--human".into());
    }
    parts.join(" ")
}

/// The session `show` shows when none is named: this recorded shell's own,
/// else the latest; with filters, the latest session they match.
fn default_session(store: &Store, filter: &EventFilter, described: &str) -> Result<String> {
    let matches = |session: Option<&str>| -> Result<Option<String>> {
        let f = EventFilter {
            session: session.map(str::to_owned),
            limit: Some(1),
            ..filter.clone()
        };
        Ok(store.events(&f)?.pop().map(|(_, e)| e.session))
    };
    let own = crate::channel::recorded_session();
    if let Some(own) = own.filter(|s| store.session(s).ok().flatten().is_some()) {
        if !filtered(filter) || matches(Some(&own))?.is_some() {
            return Ok(own);
        }
    }
    if !filtered(filter) {
        return crate::resolve::session_id(store, "latest");
    }
    matches(None)?.ok_or_else(|| {
        crate::fail(
            format!("no session has events that match {described}"),
            "drop a filter, or list the sessions with `devtrace sessions`",
        )
    })
}

fn gather(store: &Store, filter: &EventFilter, session: &str) -> Result<Vec<Event>> {
    let f = EventFilter {
        session: Some(session.to_owned()),
        ..filter.clone()
    };
    Ok(store.events(&f)?.into_iter().map(|(_, e)| e).collect())
}

fn print_header(out: &mut Out, r: &SessionRow) -> std::io::Result<()> {
    let now = Timestamp::now();
    let start = Timestamp::from_millis(r.start_ms);
    out.line(&format!(
        "{} {}  {}  {}  {} ({})  {}",
        out.paint("1", "session"),
        out.paint("1", &r.session),
        r.shell.as_deref().unwrap_or("?"),
        r.agent.as_deref().unwrap_or("person"),
        timefmt::date_time(start),
        timefmt::ago(start, now),
        printable(&tilde(r.first_cwd.as_deref().unwrap_or(""))),
    ))
}

/// Whether an event ran something whose changed files go under it.
fn runs(ev: &Event) -> bool {
    matches!(ev.data, Data::RunCommand(_) | Data::ToolCall(_))
}

/// Each shown command's `edit_files` events, by the command's id.
fn caused_edits(events: &[Event]) -> HashMap<&str, Vec<&Event>> {
    let shown: HashSet<&str> = events
        .iter()
        .filter(|e| runs(e))
        .map(|e| e.id.as_str())
        .collect();
    let mut caused: HashMap<&str, Vec<&Event>> = HashMap::new();
    for ev in events {
        // Changes one of several commands made go under the last of them.
        let by = ev.cause().or(ev.causes().last().map(String::as_str));
        if let Some(c) = by.filter(|c| shown.contains(c)) {
            caused.entry(c).or_default().push(ev);
        }
    }
    caused
}

/// For changes that cannot be given to one command: which commands they
/// may be of, in words (`commands`: each shown command's text by id).
fn uncertain_line(ev: &Event, commands: &HashMap<&str, String>) -> Option<String> {
    let causes = ev.causes();
    let name = |id: &String| {
        commands
            .get(id.as_str())
            .cloned()
            .unwrap_or_else(|| id[..id.len().min(12)].to_owned())
    };
    match causes {
        [] => None,
        [one] => Some(format!("changed by {}, or just before it", name(one))),
        many => Some(format!(
            "changed by one of these {} commands (cannot tell which): {}",
            many.len(),
            many.iter().map(name).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Each shown command's text, quoted, by id.
fn command_texts(events: &[Event]) -> HashMap<&str, String> {
    events
        .iter()
        .filter_map(|e| {
            let text = match &e.data {
                Data::RunCommand(c) => printable(c.command.text()),
                Data::ToolCall(t) => format!("{} {}", t.tool, printable(&tilde(t.target()))),
                _ => return None,
            };
            Some((e.id.as_str(), format!("`{}`", text.trim_end())))
        })
        .collect()
}

fn print_timeline(
    out: &mut Out,
    events: &[Event],
    mut last_cwd: String,
    (ids, with_output): (bool, bool),
) -> std::io::Result<()> {
    // Each command's changed files go under it.
    let caused = caused_edits(events);
    let texts = command_texts(events);
    let nested: HashSet<&str> = caused.values().flatten().map(|e| e.id.as_str()).collect();
    // An agent's session reads as turns: each prompt, then what it led to.
    let mut turn = false;
    for ev in events.iter().filter(|e| !nested.contains(e.id.as_str())) {
        match ev.kind() {
            Some(Kind::Prompt) => {
                if turn {
                    out.line("")?;
                }
                turn = true;
            }
            Some(Kind::SessionEnd) => turn = false,
            _ => {}
        }
        let indent = if turn && !ev.is(Kind::Prompt) {
            "  "
        } else {
            ""
        };
        if ev.is(Kind::RunCommand) && ev.cwd != last_cwd {
            out.line(&out.dim(&format!("  in {}", printable(&tilde(&ev.cwd)))))?;
            last_cwd = ev.cwd.clone();
        }
        let id = if ids {
            format!("{}  ", out.dim(&ev.id))
        } else {
            String::new()
        };
        let used = if ids { 28 } else { 0 } + indent.len();
        out.line(&format!("{id}{indent}{}", timeline_line(out, ev, used)))?;
        let edits: Vec<&Event> = match &ev.data {
            Data::RunCommand(_) | Data::ToolCall(_) => {
                caused.get(ev.id.as_str()).cloned().unwrap_or_default()
            }
            Data::EditFiles(_) => vec![ev],
            _ => Vec::new(),
        };
        let pad = if ids { " ".repeat(28) } else { String::new() };
        let used = pad.len() + indent.len();
        if let Data::ToolCall(t) = &ev.data {
            let under = " ".repeat(HEAD);
            for line in super::tool_detail::lines(out, t, with_output, used + HEAD) {
                out.line(&format!("{pad}{indent}{under}{line}"))?;
            }
        }
        let head = " ".repeat(HEAD + 2);
        let lines: Vec<String> = edits
            .into_iter()
            .flat_map(|e| {
                let note = uncertain_line(e, &texts)
                    .filter(|_| !ev.is(Kind::EditFiles))
                    .map(|n| out.paint("33", &out.fit(&format!("{head}{n}"), used)));
                note.into_iter().chain(file_lines(out, e, used))
            })
            .collect();
        for line in lines {
            out.line(&format!("{pad}{indent}{line}"))?;
        }
    }
    Ok(())
}

/// The width of `HH:MM:SS  EXIT  DURATION  ` before an event's text.
const HEAD: usize = 8 + 2 + 4 + 2 + 7 + 2;

/// `19:53:20     0    12ms  ls -la`
pub fn timeline_line(out: &Out, ev: &Event, indent: usize) -> String {
    let time = timefmt::clock(ev.ts);
    let blank = format!("{time}  {:>4}  {:>7}  ", "", "");
    let width = indent + blank.chars().count();
    match &ev.data {
        Data::RunCommand(c) => command_line(out, &time, c, indent),
        Data::ToolCall(t) => tool_line(out, &time, t, indent),
        Data::SessionStart(s) => out.dim(&format!(
            "{blank}started {} in {}",
            s.shell.as_deref().unwrap_or("shell"),
            printable(&tilde(&ev.cwd))
        )),
        Data::SessionEnd(e) => out.dim(&format!("{blank}ended ({})", e.reason)),
        Data::EditFiles(e) => {
            let text = edits_text(e);
            format!("{blank}{}", out.paint("33", &out.fit(&text, width)))
        }
        Data::GitSnapshot(s) => {
            let text = snapshot_text(s);
            format!("{blank}{}", out.paint("36", &out.fit(&text, width)))
        }
        Data::Prompt(p) => {
            let text = format!("prompt: {}", printable(&p.text));
            format!("{blank}{}", out.paint("1;34", &out.fit(&text, width)))
        }
        Data::Note(n) => {
            let text = format!("note: {}", printable(&n.text));
            format!("{blank}{}", out.paint("1;35", &out.fit(&text, width)))
        }
        Data::TurnEnd(t) => {
            let text = turn_text(t);
            format!("{blank}{}", out.paint("32", &out.fit(&text, width)))
        }
        _ => format!("{blank}{}", ev.type_name()),
    }
}

fn duration_text(d: Option<std::time::Duration>) -> String {
    d.map(timefmt::duration).unwrap_or_else(|| "?".into())
}

fn command_line(out: &Out, time: &str, c: &RunCommand, indent: usize) -> String {
    let code = c.exit_code.map(i64::from);
    let dur = duration_text(c.duration);
    let text = printable(c.command.text());
    let head = format!("{time}  {}  {dur:>7}  ", out.status(code, 4));
    format!("{head}{}", out.fit(&text, indent + HEAD))
}

fn tool_line(out: &Out, time: &str, t: &ToolCall, indent: usize) -> String {
    let code = t.is_error.map(i64::from);
    let dur = duration_text(t.duration);
    let what = printable(&tilde(t.target()));
    // A subagent's call says whose.
    let by = t
        .subagent
        .as_ref()
        .map(|a| format!("↳ {} ", a.kind.as_deref().unwrap_or(&a.id)))
        .unwrap_or_default();
    let mut text = format!("{by}{} {what}", t.tool);
    if let Some(intent) = &t.intent {
        text.push_str(&format!("  # {}", printable(intent)));
    }
    let head = format!("{time}  {}  {dur:>7}  ", out.status(code, 4));
    format!("{head}{}", out.fit(text.trim_end(), indent + HEAD))
}

/// `answer: Renamed it; the tests pass  (1,234 in, 56 out tokens)`
fn turn_text(t: &TurnEnd) -> String {
    let by = t
        .subagent
        .as_ref()
        .map(|a| format!("{} ", a.kind.as_deref().unwrap_or(&a.id)))
        .unwrap_or_default();
    let msg = t.message.as_deref().unwrap_or("").split_whitespace();
    let mut text = format!(
        "{by}answer: {}",
        printable(&msg.collect::<Vec<_>>().join(" "))
    );
    if let Some(u) = &t.usage {
        let n = |x: Option<u64>| x.map_or("?".to_owned(), |v| v.to_string());
        text.push_str(&format!(
            "  ({} in, {} out tokens)",
            n(u.input_tokens),
            n(u.output_tokens)
        ));
    }
    text
}

fn edits_text(e: &EditFiles) -> String {
    let who = match (&e.cause, e.causes.as_deref()) {
        (Some(c), _) => format!("files changed by {}", &c[..c.len().min(12)]),
        (None, Some([_])) => "files changed by a command, or just before it".to_owned(),
        (None, Some(c)) if !c.is_empty() => {
            format!(
                "files changed by one of {} commands (cannot tell which)",
                c.len()
            )
        }
        (None, _) => "files changed between commands".to_owned(),
    };
    let n = e.files.len();
    format!("{who}: {n} file{}", if n == 1 { "" } else { "s" })
}

fn snapshot_text(s: &GitSnapshot) -> String {
    let id = &s.snapshot;
    let mut text = format!("snapshot {}", &id[..id.len().min(7)]);
    if !s.label.is_empty() {
        text.push_str(&format!(" \"{}\"", printable(&s.label)));
    }
    if let Some(n) = s.files_changed {
        let base = match (&s.branch, &s.head) {
            (Some(b), _) => b.to_owned(),
            (None, Some(h)) => h[..h.len().min(7)].to_owned(),
            _ => "HEAD".into(),
        };
        text.push_str(&format!(
            ": {n} file{} changed from {base}",
            if n == 1 { "" } else { "s" }
        ));
    }
    text
}

/// `                         M src/billing.rs` lines for an edit_files event,
/// to be printed after `indent` more columns.
pub fn file_lines(out: &Out, ev: &Event, indent: usize) -> Vec<String> {
    let Data::EditFiles(e) = &ev.data else {
        return Vec::new();
    };
    let pad = " ".repeat(HEAD + 2);
    let mut lines = Vec::new();
    if let Some(why) = &e.unchecked {
        lines.push(out.dim(&format!("{pad}(files not checked: {why})")));
    }
    // A command that touched thousands of files shows the first ones.
    const SHOWN: usize = 25;
    for f in e.files.iter().take(SHOWN) {
        let path = printable(f.path.text());
        let (letter, color) = match f.change {
            crate::event::ChangeKind::Added => ("A", "32"),
            crate::event::ChangeKind::Deleted => ("D", "31"),
            crate::event::ChangeKind::Renamed => ("R", "36"),
            crate::event::ChangeKind::Modified => ("M", "33"),
        };
        let name = match &f.from {
            Some(from) => format!("{} → {path}", printable(from.text())),
            None => path,
        };
        lines.push(format!(
            "{pad}{} {}",
            out.paint(color, letter),
            out.fit(&name, indent + pad.len() + 2)
        ));
    }
    if e.files.len() > SHOWN {
        lines.push(out.dim(&format!(
            "{pad}… and {} more (devtrace diff --name-only {})",
            e.files.len() - SHOWN,
            e.cause.as_deref().unwrap_or(&ev.id)
        )));
    }
    lines
}
