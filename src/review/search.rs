//! Searching command text: the SQLite full-text index, best match first
//! among the newest 2,000 matches (newest first among equals), with the
//! usual filters. `devtrace search` and the MCP tool `search_commands`.

use crate::agent::Who;
use crate::event::Event;
use crate::store::Store;
use anyhow::Result;
use rusqlite::types::Value as SqlValue;

/// What to look for, with the arguments already resolved (a session's
/// full id, an absolute directory, times in milliseconds).
#[derive(Debug, Default, Clone)]
pub struct Query {
    pub words: Vec<String>,
    pub failed: bool,
    /// Only commands run in this absolute directory or below it.
    pub cwd: Option<String>,
    pub session: Option<String>,
    pub who: Option<Who>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub limit: usize,
}

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
pub fn catch_up(store: &mut Store) {
    let behind = store.search_behind().unwrap_or(0);
    if behind > 100_000 {
        eprintln!("devtrace: indexing {behind} commands for search (once)");
    }
    while let Ok(true) = store.index_search(50_000) {}
}

/// The commands (and shell tool calls) matching the query, best first.
pub fn run(store: &Store, q: &Query) -> Result<Vec<Event>> {
    let (sql, args) = sql(q);
    let mut stmt = store.conn().prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(0))?;
    let mut found = Vec::new();
    for json in rows {
        if let Ok(ev) = serde_json::from_str::<Event>(&json?) {
            found.push(ev);
        }
    }
    Ok(found)
}

/// The SQL of the search, and its arguments: command text, and agents'
/// tool output, through their full-text indexes.
fn sql(q: &Query) -> (String, Vec<SqlValue>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    filters(q, &mut clauses, &mut args);
    let Some(f) = fts_query(&q.words) else {
        // Only punctuation (`&&`, `|`): a plain substring search of commands.
        clauses.insert(
            0,
            "e.command IS NOT NULL AND instr(e.command, ?) > 0".into(),
        );
        args.insert(0, SqlValue::Text(q.words.join(" ").trim().to_owned()));
        args.push(SqlValue::Integer(q.limit as i64));
        let sql = format!(
            "SELECT e.json FROM events e WHERE {} ORDER BY e.n DESC LIMIT ?",
            clauses.join(" AND ")
        );
        return (sql, args);
    };
    // Ranking every match of a common word costs ~0.7 s on a million
    // events; the newest matches of each index (command text, tool output)
    // are read in index order and only those are ranked, which keeps a
    // search near 30 ms.
    let ranked = RANKED.max(q.limit.saturating_mul(10));
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
    let mut all = vec![SqlValue::Text(f.clone())];
    all.extend(args.iter().cloned());
    all.push(SqlValue::Text(f));
    all.extend(args);
    all.push(SqlValue::Integer(q.limit as i64));
    (sql, all)
}

/// The clauses of the usual filters.
fn filters(q: &Query, clauses: &mut Vec<String>, args: &mut Vec<SqlValue>) {
    if q.failed {
        clauses.push(
            "((e.exit_code IS NOT NULL AND e.exit_code != 0) OR \
             (e.type = 'tool_call' AND json_extract(e.json, '$.data.is_error') = 1))"
                .into(),
        );
    }
    if let Some(d) = &q.cwd {
        let s = d.trim_end_matches('/').to_owned();
        clauses.push("(e.cwd = ? OR substr(e.cwd, 1, length(?) + 1) = ? || '/')".into());
        args.extend([
            SqlValue::Text(if s.is_empty() { "/".into() } else { s.clone() }),
            SqlValue::Text(s.clone()),
            SqlValue::Text(s),
        ]);
    }
    if let Some(id) = &q.session {
        clauses.push("e.session = ?".into());
        args.push(SqlValue::Text(id.clone()));
    }
    if let Some(w) = &q.who {
        let (c, arg) = w.sql("e.agent");
        clauses.push(c);
        args.extend(arg.map(SqlValue::Text));
    }
    if let Some(s) = q.since_ms {
        clauses.push("e.ts_ms >= ?".into());
        args.push(SqlValue::Integer(s));
    }
    if let Some(u) = q.until_ms {
        clauses.push("e.ts_ms < ?".into());
        args.push(SqlValue::Integer(u));
    }
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
