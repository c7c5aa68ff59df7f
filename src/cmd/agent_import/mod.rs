//! `devtrace agent import NAME [--since T]`: an agent's sessions from before
//! DevTrace, read from the transcripts the agent keeps for this repository,
//! recorded as its hooks would have recorded them and marked
//! `"imported": true`. Ids derive from the agent's session and each
//! event's place in it, so importing twice adds nothing.
//!
//! Claude Code's transcripts are `$CLAUDE_CONFIG_DIR` (default
//! `~/.claude`) `/projects/PROJECT/*.jsonl`, PROJECT being the project's
//! path with every character other than a letter, digit or `-` made a `-`;
//! Codex's are every session file it keeps (`codex.rs`), of which those
//! whose lines happened in this repository count; Gemini CLI's are the
//! chat files of the projects at or under this repository (`gemini.rs`).

mod claude;
mod codex;
mod gemini;
mod sink;

use anyhow::Result;
use sink::Sink;
use std::path::{Path, PathBuf};

pub fn run(name: &str, since: &Option<String>) -> Result<i32> {
    if !["claude-code", "codex", "gemini-cli"].contains(&name) {
        return Err(crate::usage(
            format!("no import for the agent '{name}'"),
            "supported: claude-code, codex, gemini-cli",
        ));
    }
    let since = crate::resolve::when(since)?;
    let root = super::agent_install::project_root()?;
    let Some(dir) = crate::store::find_dir(&root).filter(|d| d.starts_with(&root)) else {
        return Err(crate::fail(
            format!("{} has no DevTrace store", root.display()),
            "run `devtrace init` in it first",
        ));
    };
    let mut store = crate::store::Store::open(&dir)?;
    let cfg = crate::config::load(Some(&dir)).unwrap_or_default();
    let (mut sessions, mut found, mut added, mut skipped, mut hooked) = (0, 0, 0, 0, 0);
    // A session the agent's hooks recorded is not recorded twice.
    let by_hooks = store.hooked_sessions(name)?;
    let files: Vec<(PathBuf, PathBuf)> = match name {
        "codex" => with_root(codex::transcripts(), &root),
        "gemini-cli" => gemini::transcripts(&root),
        _ => with_root(transcripts(&root), &root),
    };
    for (file, project) in files {
        // One file unreadable (or not text) costs only itself.
        let text = match read_text(&file) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("devtrace: skipped {}: {e}", file.display());
                skipped += 1;
                continue;
            }
        };
        let Some(agent_session) = file.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        let mut sink = Sink::new(&root, &agent_session);
        match name {
            "codex" => codex::read(&text, &mut sink),
            "gemini-cli" => {
                let (id, messages) = crate::cmd::agent_hook::gemini_chat::load(&text);
                let session = id.unwrap_or(agent_session);
                sink.rename(&session);
                gemini::read(&messages, &session, &project.to_string_lossy(), &mut sink);
            }
            _ => claude::read(&text, &agent_session, &mut sink),
        }
        if by_hooks.contains(sink.session()) {
            hooked += 1;
            continue;
        }
        let mut events = sink.finish(name, since);
        if events.is_empty() {
            continue;
        }
        for ev in &mut events {
            crate::redact::event_with(ev, &cfg.redact_patterns);
        }
        sessions += 1;
        found += events.len();
        added += store.append(&events)?;
    }
    let mut notes = Vec::new();
    if hooked > 0 {
        let n = crate::output::count(hooked, "session");
        notes.push(format!("{n} already recorded by its hooks"));
    }
    if skipped > 0 {
        notes.push(format!("{} skipped", crate::output::count(skipped, "file")));
    }
    let notes = match notes.is_empty() {
        true => String::new(),
        false => format!(" ({})", notes.join("; ")),
    };
    println!(
        "{name}: {} from {}, {} new{notes}",
        crate::output::count(found as u64, "event"),
        crate::output::count(sessions as u64, "session"),
        added
    );
    Ok(0)
}

fn read_text(file: &Path) -> Result<String> {
    let bytes = std::fs::read(file)?;
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("it is not UTF-8 text"))
}

fn with_root(files: Vec<PathBuf>, root: &Path) -> Vec<(PathBuf, PathBuf)> {
    files.into_iter().map(|f| (f, root.to_path_buf())).collect()
}

/// The transcripts Claude Code keeps for the project at `root`.
fn transcripts(root: &Path) -> Vec<PathBuf> {
    let base = std::env::var_os("CLAUDE_CONFIG_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| crate::paths::home_dir().join(".claude"));
    let project: String = root
        .to_string_lossy()
        .trim_end_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut files: Vec<PathBuf> = std::fs::read_dir(base.join("projects").join(project))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    files
}
