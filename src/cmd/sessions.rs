//! `devtrace sessions`: one row per recorded shell session.

use crate::cli::SessionsArgs;
use crate::output::{tilde, Out};
use crate::timefmt;
use anyhow::Result;

/// The widest the SHELL column gets: `claude-code`, `gemini-cli`.
const SHELL_MAX: usize = 11;

pub fn run(a: SessionsArgs) -> Result<i32> {
    let since = crate::resolve::when(&a.since)?;
    let store = crate::resolve::open_store(&a.store)?;
    let rows = store.sessions(since, a.limit, a.who.who().as_ref())?;
    let mut out = Out::paged(a.json)?;
    if a.json {
        for r in &rows {
            out.line(&serde_json::to_string(&r.json())?)?;
        }
        out.flush()?;
        return Ok(0);
    }
    if rows.is_empty() {
        eprintln!(
            "no sessions recorded in {} yet",
            tilde(&store.dir().to_string_lossy())
        );
        return Ok(0);
    }
    let now = crate::timestamp::Timestamp::now();
    // As wide as the longest shell shown (`claude-code`), at least `SHELL`.
    let shell_w = rows
        .iter()
        .map(|r| r.shell.as_deref().unwrap_or("?").chars().count())
        .max()
        .unwrap_or(0)
        .clamp(5, SHELL_MAX);
    out.line(&out.dim(&format!(
        "{:<12}  {:<9}  {:>8}  {:<shell_w$}  {:<11}  {:>5}  {:>4}  {}",
        "SESSION", "STARTED", "DURATION", "SHELL", "AGENT", "CMDS", "FAIL", "DIRECTORY"
    )))?;
    for r in &rows {
        let open = r.end_ms.is_none();
        let took = (r.end_ms.unwrap_or(r.last_ms) - r.start_ms).max(0);
        let dur = timefmt::duration(std::time::Duration::from_millis(took as u64));
        let dur = if open { format!("{dur}+") } else { dur };
        let fail = if r.failures > 0 {
            out.paint("31", &format!("{:>4}", r.failures))
        } else {
            format!("{:>4}", 0)
        };
        let head = format!(
            "{:<12}  {:<9}  {:>8}  {:<shell_w$}  {:<11}  {:>5}  {}  ",
            &r.session[..r.session.len().min(12)],
            timefmt::ago(crate::timestamp::Timestamp::from_millis(r.start_ms), now),
            dur,
            crate::output::ellipsize(r.shell.as_deref().unwrap_or("?"), shell_w),
            crate::output::ellipsize(r.agent.as_deref().unwrap_or("-"), 11),
            r.commands,
            fail,
        );
        let cwd = tilde(r.first_cwd.as_deref().unwrap_or(""));
        let used = 12 + 2 + 9 + 2 + 8 + 2 + shell_w + 2 + 11 + 2 + 5 + 2 + 4 + 2;
        out.line(&format!(
            "{head}{}",
            out.fit(&crate::output::printable(&cwd), used)
        ))?;
    }
    out.flush()?;
    Ok(0)
}
