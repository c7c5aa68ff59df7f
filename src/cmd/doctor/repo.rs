//! Doctor's look at the repository here: do its commands go to a store of
//! its own, or to the global one (never set up, or `.devtrace/` removed)?

use crate::output::tilde;
use crate::store;
use std::path::{Path, PathBuf};

/// A git repository here whose commands go to the global store.
pub struct Homeless {
    workdir: PathBuf,
    /// `devtrace init` set it up once (info/exclude lists `.devtrace/`).
    was_set_up: bool,
    /// Commands run inside it that the global store holds.
    in_global: i64,
}

pub fn gather(cwd: &Path) -> Option<Homeless> {
    let repo = git2::Repository::discover(cwd).ok()?;
    let workdir = repo.workdir()?;
    let workdir = std::fs::canonicalize(workdir).unwrap_or_else(|_| workdir.to_path_buf());
    let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    if store::find_dir(&cwd).is_some_and(|d| d.starts_with(&workdir)) {
        return None;
    }
    let exclude = repo.commondir().join("info/exclude");
    let was_set_up = std::fs::read_to_string(exclude).is_ok_and(|t| {
        t.lines().any(|l| {
            matches!(
                l.trim(),
                ".devtrace/" | ".devtrace" | "/.devtrace/" | "/.devtrace"
            )
        })
    });
    let global = store::global_dir();
    let in_global = if global.is_dir() {
        store::Store::open(&global)
            .and_then(|s| s.count_commands_under(&workdir.to_string_lossy()))
            .unwrap_or(0)
    } else {
        0
    };
    Some(Homeless {
        workdir,
        was_set_up,
        in_global,
    })
}

/// What doctor says of it: (whether it is a failure, what, the fix).
pub fn describe(h: &Homeless) -> (bool, String, String) {
    let repo = tilde(&h.workdir.to_string_lossy());
    let global = tilde(&store::global_dir().to_string_lossy());
    let held = if h.in_global > 0 {
        format!(
            " (it holds {} run here)",
            crate::output::count(h.in_global as u64, "command")
        )
    } else {
        String::new()
    };
    let fix = format!("devtrace init  (in {repo})");
    let what = if h.was_set_up {
        format!("{repo}/.devtrace/ is gone, so commands here go to the global store {global}{held}")
    } else {
        format!("{repo} has no .devtrace/, so commands here go to the global store {global}{held}")
    };
    (h.was_set_up, what, fix)
}
