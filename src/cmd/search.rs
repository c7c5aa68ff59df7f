//! `devtrace search`: command text and agents' tool output through the
//! SQLite full-text indexes,
//! best match first among the newest 2,000 matches (newest first among
//! equals), with the usual filters.

use crate::cli::SearchArgs;
use crate::event::{Data, Event};
use crate::output::{printable, tilde, Out};
use crate::timefmt;
use anyhow::Result;
use rusqlite::types::Value as SqlValue;
use std::path::{Path, PathBuf};

/// The FTS5 query for what the user typed: each word a phrase of its
/// tokens, its last token a prefix (`cargo te` finds `cargo test`), all
/// words required. `None` when no word has a letter or digit in it.
pub fn fts_query(words: &[String]) -> Option<String> {
    let mut parts = Vec::new();
    for w in words.iter().flat_map(|w| w.split_whitespace()) {
        let tokens: Vec<&str> = w
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect();
        if !tokens.is_empty() {
            parts.push(format!("\"{}\" *", tokens.join(" ")));
        }
    }
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// How many of the newest matches are ranked.
const RANKED: usize = 2000;

/// Indexes what ingest has not indexed yet (it does so when idle, so this
/// is usually nothing). A store we cannot write is searched as indexed.
fn catch_up(store: &mut crate::store::Store) {
    let behind = store.search_behind().unwrap_or(0);
    if behind > 100_000 {
        eprintln!("devtrace: indexing {behind} commands for search (once)");
    }
    while let Ok(true) = store.index_search(50_000) {}
}

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
    catch_up(&mut store);
    let (sql, args) = query(&store, &a, &text, since, until)?;
    let found = gather(&store, &sql, args)?;
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

/// The SQL of the search, and its arguments.
fn query(
    store: &crate::store::Store,
    a: &SearchArgs,
    text: &str,
    since: Option<i64>,
    until: Option<i64>,
) -> Result<(String, Vec<SqlValue>)> {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    filters(store, a, since, until, &mut clauses, &mut args)?;
    let Some(q) = fts_query(&a.text) else {
        // Only punctuation (`&&`, `|`): a plain substring search of commands.
        clauses.insert(
            0,
            "e.command IS NOT NULL AND instr(e.command, ?) > 0".into(),
        );
        args.insert(0, SqlValue::Text(text.trim().to_owned()));
        args.push(SqlValue::Integer(a.limit as i64));
        let sql = format!(
            "SELECT e.json FROM events e WHERE {} ORDER BY e.n DESC LIMIT ?",
            clauses.join(" AND ")
        );
        return Ok((sql, args));
    };
    // Ranking every match of a common word costs ~0.7 s on a million
    // events; the newest matches of each index (command text, tool output)
    // are read in index order and only those are ranked, which keeps a
    // search near 30 ms.
    let ranked = RANKED.max(a.limit.saturating_mul(10));
    let arm = |t: &str| {
        let mut w = vec![format!("{t} MATCH ?")];
        w.extend(clauses.iter().cloned());
        format!(
            "SELECT * FROM (SELECT e.n, e.json, bm25({t}) AS score
                 FROM {t} JOIN events e ON e.n = {t}.rowid
                 WHERE {} ORDER BY {t}.rowid DESC LIMIT {ranked})",
            w.join(" AND ")
        )
    };
    let sql = format!(
        "SELECT json FROM ({} UNION ALL {}) GROUP BY n ORDER BY min(score), n DESC LIMIT ?",
        arm("commands_fts"),
        arm("outputs_fts")
    );
    let mut all = vec![SqlValue::Text(q.clone())];
    all.extend(args.iter().cloned());
    all.push(SqlValue::Text(q));
    all.extend(args);
    all.push(SqlValue::Integer(a.limit as i64));
    Ok((sql, all))
}

/// The clauses of the usual filters.
fn filters(
    store: &crate::store::Store,
    a: &SearchArgs,
    since: Option<i64>,
    until: Option<i64>,
    clauses: &mut Vec<String>,
    args: &mut Vec<SqlValue>,
) -> Result<()> {
    if a.failed {
        clauses.push(
            "((e.exit_code IS NOT NULL AND e.exit_code != 0) OR \
             (e.type = 'tool_call' AND json_extract(e.json, '$.data.is_error') = 1))"
                .into(),
        );
    }
    if let Some(d) = &a.cwd {
        let d = absolute(d)?;
        let s = d.to_string_lossy().trim_end_matches('/').to_owned();
        clauses.push("(e.cwd = ? OR substr(e.cwd, 1, length(?) + 1) = ? || '/')".into());
        args.extend([
            SqlValue::Text(if s.is_empty() { "/".into() } else { s.clone() }),
            SqlValue::Text(s.clone()),
            SqlValue::Text(s),
        ]);
    }
    if let Some(s) = &a.session {
        let id = crate::resolve::session_id(store, s)?;
        clauses.push("e.session = ?".into());
        args.push(SqlValue::Text(id));
    }
    if let Some(w) = a.who.who() {
        let (c, arg) = w.sql("e.agent");
        clauses.push(c);
        args.extend(arg.map(SqlValue::Text));
    }
    if let Some(s) = since {
        clauses.push("e.ts_ms >= ?".into());
        args.push(SqlValue::Integer(s));
    }
    if let Some(u) = until {
        clauses.push("e.ts_ms < ?".into());
        args.push(SqlValue::Integer(u));
    }
    Ok(())
}

fn gather(store: &crate::store::Store, sql: &str, args: Vec<SqlValue>) -> Result<Vec<Event>> {
    let mut q = store.conn().prepare(sql)?;
    let rows = q.query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(0))?;
    let mut found = Vec::new();
    for json in rows {
        if let Ok(ev) = serde_json::from_str::<Event>(&json?) {
            found.push(ev);
        }
    }
    Ok(found)
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

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn words_become_prefix_phrases() {
        let q = |s: &[&str]| fts_query(&s.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(q(&["cargo te"]).unwrap(), "\"cargo\" * AND \"te\" *");
        assert_eq!(
            q(&["rm -rf", "\"x\""]).unwrap(),
            "\"rm\" * AND \"rf\" * AND \"x\" *"
        );
        assert_eq!(q(&["src/main.rs"]).unwrap(), "\"src main rs\" *");
        assert_eq!(q(&["&&", "|"]), None);
    }
}
