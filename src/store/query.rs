//! Read-side queries over the index.

use super::Store;
use crate::event::Event;
use anyhow::{bail, Result};
use rusqlite::{params_from_iter, types::Value as SqlValue, OptionalExtension};
use serde::Serialize;

/// One row of `devtrace sessions` (and its `--json` object).
#[derive(Debug, Clone, Serialize)]
pub struct SessionRow {
    pub session: String,
    pub start_ms: i64,
    pub last_ms: i64,
    pub end_ms: Option<i64>,
    pub end_reason: Option<String>,
    pub shell: Option<String>,
    pub agent: Option<String>,
    pub host: Option<String>,
    pub user: Option<String>,
    pub first_cwd: Option<String>,
    pub commands: i64,
    pub failures: i64,
}

impl SessionRow {
    /// The row as `devtrace sessions --json` prints it.
    pub fn json(&self) -> serde_json::Value {
        let ms = crate::timefmt::rfc3339_ms;
        serde_json::json!({
            "session": self.session,
            "started_at": ms(self.start_ms),
            "ended_at": self.end_ms.map(ms),
            "last_at": ms(self.last_ms),
            "duration_ms": self.end_ms.unwrap_or(self.last_ms) - self.start_ms,
            "end_reason": self.end_reason,
            "shell": self.shell,
            "agent": self.agent,
            "host": self.host,
            "user": self.user,
            "cwd": self.first_cwd,
            "commands": self.commands,
            "failures": self.failures,
        })
    }
}

const SESSION_COLUMNS: &str =
    "id, start_ms, last_ms, end_ms, end_reason, shell, agent, host, user, \
     first_cwd, commands, failures";

fn session_row(r: &rusqlite::Row) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        session: r.get(0)?,
        start_ms: r.get(1)?,
        last_ms: r.get(2)?,
        end_ms: r.get(3)?,
        end_reason: r.get(4)?,
        shell: r.get(5)?,
        agent: r.get(6)?,
        host: r.get(7)?,
        user: r.get(8)?,
        first_cwd: r.get(9)?,
        commands: r.get(10)?,
        failures: r.get(11)?,
    })
}

#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    pub session: Option<String>,
    pub types: Vec<String>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Only events after this index position (for `log --follow`).
    pub after_n: Option<i64>,
    /// Keep the newest `limit` events (still returned oldest first).
    pub limit: Option<usize>,
    /// Only events of this agent, of any agent, or of people.
    pub who: Option<crate::agent::Who>,
}

impl Store {
    pub fn sessions(
        &self,
        since_ms: Option<i64>,
        limit: Option<usize>,
        who: Option<&crate::agent::Who>,
    ) -> Result<Vec<SessionRow>> {
        let mut sql = format!("SELECT {SESSION_COLUMNS} FROM sessions");
        let mut args: Vec<SqlValue> = Vec::new();
        let mut clauses: Vec<String> = Vec::new();
        if let Some(s) = since_ms {
            clauses.push("last_ms >= ?".into());
            args.push(SqlValue::Integer(s));
        }
        if let Some(w) = who {
            let (c, arg) = w.sql("agent");
            clauses.push(c);
            args.extend(arg.map(SqlValue::Text));
        }
        if !clauses.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&clauses.join(" AND "));
        }
        sql.push_str(" ORDER BY start_ms DESC, id DESC");
        if let Some(l) = limit {
            sql.push_str(&format!(" LIMIT {l}"));
        }
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), session_row)?;
        let mut out: Vec<SessionRow> = rows.collect::<rusqlite::Result<_>>()?;
        out.reverse();
        Ok(out)
    }

    /// One session's row.
    pub fn session(&self, id: &str) -> Result<Option<SessionRow>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1"),
                [id],
                session_row,
            )
            .optional()?)
    }

    /// Resolves `latest` or a unique prefix of a session id.
    pub fn resolve_session(&self, wanted: &str) -> Result<String> {
        if wanted.eq_ignore_ascii_case("latest") {
            let id: Option<String> = self
                .conn()
                .query_row(
                    "SELECT id FROM sessions ORDER BY start_ms DESC, id DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .ok();
            return id.ok_or_else(|| anyhow::anyhow!("no sessions recorded in this store yet"));
        }
        let prefix = wanted.to_ascii_uppercase();
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_alphanumeric()) {
            bail!("no session matches '{wanted}'");
        }
        let mut stmt = self
            .conn()
            .prepare("SELECT id FROM sessions WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 3")?;
        let upper = format!("{prefix}\u{7f}");
        let ids: Vec<String> = stmt
            .query_map([&prefix, &upper], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        match ids.len() {
            0 => bail!("no session matches '{wanted}'"),
            1 => Ok(ids.into_iter().next().unwrap_or_default()),
            _ => bail!(
                "'{wanted}' matches several sessions ({}, ...); give more characters",
                ids.join(", ")
            ),
        }
    }

    /// Events matching the filter, oldest first, with their index position.
    pub fn events(&self, f: &EventFilter) -> Result<Vec<(i64, Event)>> {
        let (cond, args) = where_clause(f);
        let order = if f.session.is_some() { "seq" } else { "n" };
        let mut sql = format!("SELECT n, json FROM events{cond} ORDER BY {order} DESC");
        if let Some(l) = f.limit {
            sql.push_str(&format!(" LIMIT {l}"));
        }
        let mut out = self.read_rows(&sql, args)?;
        out.reverse();
        Ok(out)
    }

    /// The first `count` events matching the filter past `after_n` (the
    /// filter's `after_n` and `limit` aside), in store order: for reading a
    /// whole store page by page.
    pub fn events_page(
        &self,
        f: &EventFilter,
        after_n: i64,
        count: usize,
    ) -> Result<Vec<(i64, Event)>> {
        let f = EventFilter {
            after_n: Some(after_n),
            limit: None,
            ..f.clone()
        };
        let (cond, args) = where_clause(&f);
        let sql = format!("SELECT n, json FROM events{cond} ORDER BY n LIMIT {count}");
        self.read_rows(&sql, args)
    }

    /// Up to `count` events of a session past its `after_seq`, in session
    /// order: one page of a session's timeline.
    pub fn session_page(
        &self,
        session: &str,
        after_seq: i64,
        count: usize,
    ) -> Result<Vec<(i64, Event)>> {
        let sql = format!(
            "SELECT n, json FROM events WHERE session = ?1 AND seq > ?2 ORDER BY seq LIMIT {count}"
        );
        self.read_rows(
            &sql,
            vec![
                SqlValue::Text(session.to_owned()),
                SqlValue::Integer(after_seq),
            ],
        )
    }

    /// How many events a session has.
    pub fn session_len(&self, session: &str) -> Result<i64> {
        Ok(self.conn().query_row(
            "SELECT count(*) FROM events WHERE session = ?1",
            [session],
            |r| r.get(0),
        )?)
    }

    fn read_rows(&self, sql: &str, args: Vec<SqlValue>) -> Result<Vec<(i64, Event)>> {
        let mut stmt = self.conn().prepare(sql)?;
        let rows = stmt.query_map(params_from_iter(args), |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (n, json) = row?;
            if let Ok(ev) = serde_json::from_str::<Event>(&json) {
                out.push((n, ev));
            }
        }
        Ok(out)
    }

    /// The event with this id, or the one event whose id starts with it.
    pub fn resolve_event(&self, wanted: &str) -> Result<Event> {
        let prefix = wanted.to_ascii_uppercase();
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_alphanumeric()) {
            bail!("no event matches '{wanted}'");
        }
        let mut stmt = self.conn().prepare(
            "SELECT id, json FROM events WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 3",
        )?;
        let upper = format!("{prefix}\u{7f}");
        let rows: Vec<(String, String)> = stmt
            .query_map([&prefix, &upper], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        match rows.as_slice() {
            [] => bail!("no event matches '{wanted}'"),
            [(_, json)] => Ok(serde_json::from_str(json)?),
            _ => bail!(
                "'{wanted}' matches several events ({}, ...); give more characters",
                rows.iter()
                    .map(|(id, _)| id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// The `edit_files` events a command caused, in session order.
    pub fn edits_caused_by(&self, session: &str, id: &str) -> Result<Vec<Event>> {
        let mut stmt = self.conn().prepare(
            "SELECT json FROM events WHERE session = ?1 AND type = 'edit_files' \
             AND json_extract(json, '$.data.cause') = ?2 ORDER BY seq",
        )?;
        let rows = stmt.query_map([session, id], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for json in rows {
            if let Ok(ev) = serde_json::from_str::<Event>(&json?) {
                out.push(ev);
            }
        }
        Ok(out)
    }

    /// The `edit_files` events one of whose possible causes is `id` (the
    /// changes that cannot be given to one command).
    pub fn edits_maybe_by(&self, id: &str) -> Result<Vec<Event>> {
        let mut stmt = self.conn().prepare(
            "SELECT json FROM events WHERE type = 'edit_files' AND EXISTS \
             (SELECT 1 FROM json_each(events.json, '$.data.causes') AS c WHERE c.value = ?1) ORDER BY n",
        )?;
        let rows = stmt.query_map([id], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for json in rows {
            if let Ok(ev) = serde_json::from_str::<Event>(&json?) {
                out.push(ev);
            }
        }
        Ok(out)
    }

    /// The index position of the event with this id.
    pub fn position(&self, id: &str) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .query_row("SELECT n FROM events WHERE id = ?1", [id], |r| r.get(0))
            .optional()?)
    }

    /// The id of the event at an index position.
    pub fn id_at(&self, n: i64) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT id FROM events WHERE n = ?1", [n], |r| r.get(0))
            .optional()?)
    }

    /// How many events are past an index position.
    pub fn count_after(&self, n: i64) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT count(*) FROM events WHERE n > ?1", [n], |r| {
                r.get(0)
            })?)
    }

    /// The highest index position (0 when empty).
    pub fn last_n(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT coalesce(max(n), 0) FROM events", [], |r| r.get(0))?)
    }

    pub fn count_events(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))?)
    }

    /// How many commands ran in `dir` or below it.
    pub fn count_commands_under(&self, dir: &str) -> Result<i64> {
        let below = format!("{}/", dir.trim_end_matches('/'));
        Ok(self.conn().query_row(
            "SELECT count(*) FROM events WHERE type = 'run_command' \
             AND (cwd = ?1 OR substr(cwd, 1, length(?2)) = ?2)",
            rusqlite::params![dir, below],
            |r| r.get(0),
        )?)
    }

    /// The events matching an SQL condition over the `events` table, in
    /// store order.
    pub fn select_events(&self, cond: &str, args: Vec<SqlValue>) -> Result<Vec<Event>> {
        let mut q = self
            .conn()
            .prepare(&format!("SELECT json FROM events WHERE {cond} ORDER BY n"))?;
        let rows = q.query_map(params_from_iter(args), |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for json in rows {
            if let Ok(ev) = serde_json::from_str::<Event>(&json?) {
                out.push(ev);
            }
        }
        Ok(out)
    }

    /// The agent's own sessions (`data.agent_session`) that its hooks
    /// recorded here (events not imported).
    pub fn hooked_sessions(&self, agent: &str) -> Result<std::collections::HashSet<String>> {
        let mut q = self.conn().prepare(
            "SELECT DISTINCT json_extract(json, '$.data.agent_session') FROM events
             WHERE agent = ?1 AND json_extract(json, '$.data.imported') IS NULL
               AND json_extract(json, '$.data.agent_session') IS NOT NULL",
        )?;
        let rows = q.query_map([agent], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The ids of the events matching an SQL condition.
    pub fn ids_where(&self, cond: &str, args: Vec<SqlValue>) -> Result<Vec<String>> {
        let mut q = self
            .conn()
            .prepare(&format!("SELECT id FROM events WHERE {cond}"))?;
        let rows = q.query_map(params_from_iter(args), |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }
}

/// The SQL condition of a filter (" WHERE ...", or nothing) and its arguments.
fn where_clause(f: &EventFilter) -> (String, Vec<SqlValue>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    let mut arg = |v: SqlValue| {
        args.push(v);
        format!("?{}", args.len())
    };
    if let Some(s) = &f.session {
        clauses.push(format!("session = {}", arg(SqlValue::Text(s.clone()))));
    }
    if !f.types.is_empty() {
        let list: Vec<String> = f
            .types
            .iter()
            .map(|t| arg(SqlValue::Text(t.clone())))
            .collect();
        clauses.push(format!("type IN ({})", list.join(", ")));
    }
    if let Some(s) = f.since_ms {
        clauses.push(format!("ts_ms >= {}", arg(SqlValue::Integer(s))));
    }
    if let Some(u) = f.until_ms {
        clauses.push(format!("ts_ms < {}", arg(SqlValue::Integer(u))));
    }
    if let Some(n) = f.after_n {
        clauses.push(format!("n > {}", arg(SqlValue::Integer(n))));
    }
    if let Some(w) = &f.who {
        let (c, a) = w.sql("agent");
        let c = match a {
            Some(a) => c.replace('?', &arg(SqlValue::Text(a))),
            None => c,
        };
        clauses.push(c);
    }
    if clauses.is_empty() {
        (String::new(), args)
    } else {
        (format!(" WHERE {}", clauses.join(" AND ")), args)
    }
}
