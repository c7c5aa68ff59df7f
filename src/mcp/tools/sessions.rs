//! `list_sessions`: the recorded sessions, newest first, paged.

use super::common::{clamp, when, who, Ctx, ToolError, ToolResult};
use crate::store::SessionRow;
use crate::timefmt::rfc3339_ms;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionsArgs {
    /// At most this many sessions (1 to 200; 20 when not given).
    pub limit: Option<u32>,
    /// Only sessions of this agent (`claude-code`, ...), `person` for
    /// people's own shells, or `any` for any agent.
    pub agent: Option<String>,
    /// Only sessions active at or after this time (2h, yesterday,
    /// 2026-11-01, RFC 3339).
    pub since: Option<String>,
    /// Only sessions started before this time.
    pub until: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One recorded session.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SessionOut {
    pub session: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub last_at: String,
    /// The shell (`bash`, ...) or the kind of session (`exec`, an agent).
    pub shell: Option<String>,
    /// The agent, or null for a person.
    pub agent: Option<String>,
    pub cwd: Option<String>,
    pub commands: i64,
    pub failures: i64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SessionsOut {
    pub sessions: Vec<SessionOut>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Most sessions one call looks through (offset and page together).
const MAX_SCAN: usize = 10_000;

pub fn run(ctx: &Ctx, a: SessionsArgs) -> ToolResult<SessionsOut> {
    let limit = clamp(a.limit, 20, 200);
    let since = when("since", &a.since)?;
    let until = when("until", &a.until)?;
    let offset = match &a.cursor {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|&o| o < MAX_SCAN)
            .ok_or_else(|| ToolError(format!("cursor: '{c}' is not a cursor of this tool")))?,
    };
    let store = ctx.store()?;
    let mut rows = store.sessions(since, None, who(&a.agent).as_ref())?;
    rows.reverse(); // newest first
    let rows: Vec<SessionRow> = rows
        .into_iter()
        .filter(|r| until.is_none_or(|u| r.start_ms < u))
        .skip(offset)
        .take(limit + 1)
        .collect();
    let more = rows.len() > limit;
    Ok(SessionsOut {
        sessions: rows.iter().take(limit).map(session_out).collect(),
        next_cursor: more.then(|| (offset + limit).to_string()),
    })
}

fn session_out(r: &SessionRow) -> SessionOut {
    SessionOut {
        session: r.session.clone(),
        started_at: rfc3339_ms(r.start_ms),
        ended_at: r.end_ms.map(rfc3339_ms),
        last_at: rfc3339_ms(r.last_ms),
        shell: r.shell.clone(),
        agent: r.agent.clone(),
        cwd: r.first_cwd.clone(),
        commands: r.commands,
        failures: r.failures,
    }
}
