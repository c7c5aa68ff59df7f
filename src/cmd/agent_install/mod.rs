//! `devtrace agent install NAME [--user] [--uninstall]`: adds DevTrace's
//! hook to an agent's settings, beside whatever is there, once;
//! `--uninstall` takes out exactly what it added. Where the agent keeps
//! hooks in a JSON settings file (Claude Code, Gemini CLI, Codex, Cursor,
//! Copilot CLI), DevTrace's entries are merged into it (`json.rs`); where
//! it runs hook files (Cline's hook scripts, opencode's plugins), DevTrace
//! adds files of its own (`files.rs`).

mod files;
mod json;
mod spec;

use anyhow::{Context, Result};
use spec::{Agent, Kind};
use std::path::{Path, PathBuf};

pub const AGENTS: &[&str] = &[
    "claude-code",
    "gemini-cli",
    "codex",
    "cursor",
    "copilot",
    "opencode",
    "cline",
];

pub fn agent(name: &str) -> Option<Agent> {
    json::agent(name).or_else(|| files::agent(name))
}

pub fn run(name: &str, uninstall: bool, user: bool) -> Result<i32> {
    let Some(ag) = agent(name) else {
        return Err(crate::usage(
            format!("no hooks for the agent '{name}'"),
            format!(
                "supported: {}; for other agents use `devtrace exec --agent NAME -- CMD`",
                AGENTS.join(", ")
            ),
        ));
    };
    let (root, rel) = match (user, ag.user) {
        (false, _) => (project_root()?, ag.project),
        (true, Some(u)) => (crate::paths::home_dir(), u),
        (true, None) => {
            return Err(crate::usage(
                format!("{name} has no hooks for every project of a user"),
                "install it in each project: devtrace agent install without --user",
            ))
        }
    };
    let path = root.join(rel);
    let shown = if user {
        format!("~/{rel}")
    } else {
        rel.to_owned()
    };
    let changed = match ag.kind {
        Kind::Json(ref f) => json::apply(&ag, f, &path, &shown, uninstall)?,
        Kind::ClineScripts => files::cline(&ag, &path, &shown, uninstall)?,
        Kind::OpencodePlugin => files::opencode(&path, &shown, uninstall)?,
    };
    if changed && !uninstall {
        println!("{name} sessions are recorded from their next start.");
        if name == "codex" {
            println!("Codex runs them once you trust them in its /hooks (a project's only in a trusted project).");
        }
    }
    Ok(0)
}

/// Where DevTrace's hooks for `name` are installed, for the project at
/// `root` and for the user at `home`, as shown to people.
pub fn installed(name: &str, root: &Path, home: &Path) -> Vec<String> {
    let Some(ag) = agent(name) else {
        return Vec::new();
    };
    let hook = format!("devtrace agent hook {name}");
    let ours = |p: &Path| match ag.kind {
        Kind::OpencodePlugin => {
            std::fs::read_to_string(p).is_ok_and(|t| t == files::OPENCODE_PLUGIN)
        }
        Kind::ClineScripts => std::fs::read_dir(p).is_ok_and(|d| {
            d.flatten()
                .any(|e| std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains(&hook)))
        }),
        Kind::Json(_) => std::fs::read_to_string(p).is_ok_and(|t| t.contains(&hook)),
    };
    let mut out = Vec::new();
    if ours(&root.join(ag.project)) {
        out.push(ag.project.to_owned());
    }
    if let Some(u) = ag.user.filter(|u| ours(&home.join(u))) {
        out.push(format!("~/{u}"));
    }
    out
}

pub fn project_root() -> Result<PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    if let Ok(repo) = git2::Repository::discover(&cwd) {
        if let Some(wd) = repo.workdir() {
            return Ok(wd.to_path_buf());
        }
    }
    Ok(crate::store::find_dir(&cwd)
        .and_then(|d| d.parent().map(Path::to_path_buf))
        .unwrap_or(cwd))
}
