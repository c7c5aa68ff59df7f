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
//! chat files of the projects at or under this repository (`gemini.rs`);
//! Copilot CLI's are every session log it keeps (`copilot.rs`), of which
//! those whose events happened in this repository count; Cline's are the
//! tasks its task history says were started at or under this repository
//! (`cline.rs`); opencode's are the sessions of its database and older
//! storage whose directory is at or under this repository (`opencode.rs`).

mod claude;
mod cline;
mod codex;
mod copilot;
mod gemini;
mod opencode;
mod sink;

use anyhow::Result;
use sink::Sink;
use std::path::{Path, PathBuf};

/// The agents whose stored sessions can be imported.
const AGENTS: [&str; 6] = [
    "claude-code",
    "cline",
    "codex",
    "copilot",
    "gemini-cli",
    "opencode",
];

pub fn run(name: &str, since: &Option<String>) -> Result<i32> {
    if name == "cursor" {
        // Cursor documents its hooks, not where or how it keeps its
        // conversations: a guessed format would import guesses.
        return Err(crate::usage(
            "no import for Cursor: it does not document how it stores its conversations",
            "its hooks record new sessions: `devtrace agent install cursor`",
        ));
    }
    if !AGENTS.contains(&name) {
        return Err(crate::usage(
            format!("no import for the agent '{name}'"),
            format!("supported: {}", AGENTS.join(", ")),
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
    let mut t = Tally {
        // A session the agent's hooks recorded is not recorded twice.
        by_hooks: store.hooked_sessions(name)?,
        patterns: crate::config::load(Some(&dir))
            .unwrap_or_default()
            .redact_patterns,
        ..Tally::default()
    };
    let files: Vec<(PathBuf, PathBuf)> = match name {
        "codex" => with_root(codex::transcripts(), &root),
        "copilot" => with_root(copilot::transcripts(), &root),
        "cline" => cline::tasks(&root),
        "opencode" => with_root(opencode::sources(), &root),
        "gemini-cli" => gemini::transcripts(&root),
        _ => with_root(transcripts(&root), &root),
    };
    for (file, project) in files {
        // One file unreadable (or not text) costs only itself.
        match read(name, &root, &file, &project) {
            Ok(sinks) => {
                for sink in sinks {
                    t.record(sink, name, since, &mut store)?;
                }
            }
            Err(e) => {
                eprintln!("devtrace: skipped {}: {e}", file.display());
                t.skipped += 1;
            }
        }
    }
    t.report(name);
    Ok(0)
}

/// The sessions one of the agent's files holds, read into their events.
fn read(name: &str, root: &Path, file: &Path, project: &Path) -> Result<Vec<Sink>> {
    if name == "opencode" {
        return opencode::read(file, root);
    }
    let text = read_text(file)?;
    // A Copilot session's log, a Cline task's history, is in a directory
    // named after it.
    let named = match name {
        "copilot" | "cline" => file.parent().and_then(Path::file_name),
        _ => file.file_stem(),
    };
    let Some(agent_session) = named.map(|s| s.to_string_lossy().into_owned()) else {
        return Ok(Vec::new());
    };
    let mut sink = Sink::new(root, &agent_session);
    match name {
        "codex" => codex::read(&text, &mut sink),
        "copilot" => copilot::read(&text, &mut sink),
        "cline" => cline::read(&text, file, &project.to_string_lossy(), &mut sink)?,
        "gemini-cli" => {
            let (id, messages) = crate::cmd::agent_hook::gemini_chat::load(&text);
            let session = id.unwrap_or(agent_session);
            sink.rename(&session);
            let subagent = |agent: &str| gemini::subagent_chat(file, &session, agent);
            let chat = gemini::Chat {
                session: &session,
                cwd: &project.to_string_lossy(),
                subagent: &subagent,
            };
            gemini::read(&messages, &chat, &mut sink);
        }
        _ => claude::read(&text, &agent_session, &mut sink),
    }
    Ok(vec![sink])
}

/// What an import found, added and left out.
#[derive(Default)]
struct Tally {
    by_hooks: std::collections::HashSet<String>,
    /// The sessions read already (opencode's, in its database and in the
    /// files it was moved from).
    seen: std::collections::HashSet<String>,
    patterns: Vec<crate::config::Pattern>,
    sessions: u64,
    found: u64,
    added: usize,
    skipped: u64,
    hooked: u64,
}

impl Tally {
    /// Records one session's events, unless its hooks recorded it.
    fn record(
        &mut self,
        sink: Sink,
        name: &str,
        since: Option<i64>,
        store: &mut crate::store::Store,
    ) -> Result<()> {
        if !self.seen.insert(sink.session().to_owned()) {
            return Ok(());
        }
        if self.by_hooks.contains(sink.session()) {
            self.hooked += 1;
            return Ok(());
        }
        let mut events = sink.finish(name, since);
        if events.is_empty() {
            return Ok(());
        }
        for ev in &mut events {
            crate::redact::event_with(ev, &self.patterns);
        }
        self.sessions += 1;
        self.found += events.len() as u64;
        self.added += store.append(&events)?;
        Ok(())
    }

    fn report(&self, name: &str) {
        let mut notes = Vec::new();
        if self.hooked > 0 {
            let n = crate::output::count(self.hooked, "session");
            notes.push(format!("{n} already recorded by its hooks"));
        }
        if self.skipped > 0 {
            notes.push(format!(
                "{} skipped",
                crate::output::count(self.skipped, "file")
            ));
        }
        let notes = match notes.is_empty() {
            true => String::new(),
            false => format!(" ({})", notes.join("; ")),
        };
        println!(
            "{name}: {} from {}, {} new{notes}",
            crate::output::count(self.found, "event"),
            crate::output::count(self.sessions, "session"),
            self.added
        );
    }
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
