//! What `agent install` knows of an agent: where it keeps its hooks, which
//! of its events DevTrace needs, and how the hooks are written; and the
//! files install creates, noted so that `--uninstall` removes them.

use anyhow::Result;
use std::path::Path;

/// How an agent is told to run DevTrace's hook.
pub enum Kind {
    /// A JSON file of hooks, merged.
    Json(Format),
    /// Cline: one executable file per hook, named after it.
    ClineScripts,
    /// opencode: a plugin file.
    OpencodePlugin,
}

/// Where an agent keeps its hooks, and which of its events DevTrace needs.
pub struct Agent {
    pub name: &'static str,
    /// Relative to the project's root.
    pub project: &'static str,
    /// Relative to the home directory; None where the agent has no user scope.
    pub user: Option<&'static str>,
    pub events: &'static [&'static str],
    pub kind: Kind,
}

/// The shapes of JSON hook files.
pub enum Format {
    Grouped {
        /// Events that take a tool matcher, and the one that matches all.
        tool_events: &'static [&'static str],
        match_all: Option<&'static str>,
        /// In the agent's unit (seconds, or Gemini's milliseconds).
        timeout: u64,
    },
    Flat {
        /// Where the command goes (`command`; Copilot's `bash`).
        key: &'static str,
        /// Copilot's payloads do not name their event: the command does.
        event_arg: bool,
    },
}

/// Notes a file (and its directories) that this creates, so that
/// `--uninstall` can take them away again.
pub fn note_new(path: &Path) -> Result<()> {
    let mut missing = Vec::new();
    let mut dir = path.parent();
    while let Some(d) = dir.filter(|d| !d.exists()) {
        missing.push(d.to_path_buf());
        dir = d.parent();
    }
    for d in missing.iter().rev() {
        crate::rcfile::note_created(d)?;
    }
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    if !path.exists() {
        crate::rcfile::note_created(path)?;
    }
    Ok(())
}

/// Removes a file and the directories above it that install created (and
/// that nothing else now fills). Returns whether the file was removed.
pub fn remove_new(path: &Path) -> Result<bool> {
    if !crate::rcfile::remove_created(path)? {
        return Ok(false);
    }
    let mut dir = path.parent();
    while let Some(d) = dir {
        if !crate::rcfile::remove_created(d)? {
            break;
        }
        dir = d.parent();
    }
    Ok(true)
}
