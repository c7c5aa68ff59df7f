//! `get_diff`: what an event, a session, or two snapshots changed, as a
//! unified diff cut at `max_bytes` with a marker.

use super::common::{session_id, Ctx, ToolError, ToolResult};
use crate::review::changes;
use crate::worktree::{objects::Objects, Change};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffArgs {
    /// An event's id (or unique prefix): an edit_files, a run_command (the
    /// files it changed) or a git_snapshot (against its commit).
    pub event: Option<String>,
    /// A session (id, prefix or `latest`): its net change.
    pub session: Option<String>,
    /// With `to`: the first of two git_snapshot events to compare.
    pub from: Option<String>,
    /// With `from`: the second snapshot.
    pub to: Option<String>,
    /// Only this file, or the files under this directory (relative to the
    /// repository's root).
    pub path: Option<String>,
    /// Cut the diff after this many bytes (1,000 to 1,000,000; 64,000 when
    /// not given).
    pub max_bytes: Option<u32>,
}

/// One changed file.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FileOut {
    pub path: String,
    /// added, modified, deleted or renamed.
    pub change: String,
    /// A rename's old path.
    pub from: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DiffOut {
    pub files: Vec<FileOut>,
    /// The unified diff (git's format), cut at `max_bytes`.
    pub diff: String,
    /// Whether the diff was cut.
    pub truncated: bool,
    /// The whole diff's size in bytes.
    pub total_bytes: u64,
}

pub fn run(ctx: &Ctx, a: DiffArgs) -> ToolResult<DiffOut> {
    let max = a.max_bytes.unwrap_or(64_000).clamp(1_000, 1_000_000) as usize;
    let store = ctx.store()?;
    let root = ctx.root();
    let repo = Objects::open(&ctx.store_dir, &root)?.reader()?;
    let all = match (&a.event, &a.session, &a.from, &a.to) {
        (Some(e), None, None, None) => {
            let ev = changes::find(&store, e).map_err(|e| ToolError(format!("event: {e:#}")))?;
            changes::event_changes(&store, &repo, &ev).map_err(|e| ToolError(format!("{e:#}")))?
        }
        (None, Some(s), None, None) => {
            let id = session_id(&store, s)?;
            changes::session_changes(&store, &repo, &id)?.changes
        }
        (None, None, Some(x), Some(y)) => {
            changes::between(&store, &repo, x, y).map_err(|e| ToolError(format!("{e:#}")))?
        }
        _ => {
            return Err(ToolError(
                "give exactly one of: event, session, or from and to".into(),
            ))
        }
    };
    let wanted: Vec<Change> = all
        .into_iter()
        .filter(|c| a.path.as_deref().is_none_or(|p| under(c, p)))
        .collect();
    let text = patch(&repo, &wanted)?;
    let total = text.len();
    let (diff, truncated) = cut(text, max);
    Ok(DiffOut {
        files: wanted.iter().map(file_out).collect(),
        diff,
        truncated,
        total_bytes: total as u64,
    })
}

/// Whether a change is to `p` or under it.
fn under(c: &Change, p: &str) -> bool {
    let p = p.trim_start_matches("./").trim_end_matches('/').as_bytes();
    let hit = |path: &[u8]| {
        p.is_empty() || path == p || (path.starts_with(p) && path.get(p.len()) == Some(&b'/'))
    };
    hit(&c.path) || c.from.as_deref().is_some_and(hit)
}

fn file_out(c: &Change) -> FileOut {
    FileOut {
        path: String::from_utf8_lossy(&c.path).into_owned(),
        change: c.kind().as_str().to_owned(),
        from: c
            .from
            .as_deref()
            .map(|f| String::from_utf8_lossy(f).into_owned()),
    }
}

/// The changes as a plain unified diff.
fn patch(repo: &git2::Repository, changes: &[Change]) -> ToolResult<String> {
    Ok(crate::worktree::diff::patch_text(repo, changes)?)
}

/// The text cut at a line end within `max` bytes, with a marker.
fn cut(text: String, max: usize) -> (String, bool) {
    crate::worktree::diff::cut(text, max, "narrow it with `path` or raise `max_bytes`")
}
