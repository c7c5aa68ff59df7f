//! `devtrace agent install claude-code|gemini-cli [--uninstall]`: adds
//! DevTrace's hook to the project's agent settings (`.claude/settings.json`,
//! `.gemini/settings.json`), beside whatever is there, once; `--uninstall`
//! takes out exactly what it added.

use anyhow::{Context, Result};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

pub const AGENTS: &[&str] = &["claude-code", "gemini-cli"];

/// Where an agent keeps its hooks, and which of its events DevTrace needs.
struct Agent {
    settings: &'static str,
    events: &'static [&'static str],
    /// Events that take a tool matcher, and the one that matches all.
    tool_events: &'static [&'static str],
    match_all: Option<&'static str>,
    hook: &'static str,
    timeout: u64,
}

fn agent(name: &str) -> Option<Agent> {
    match name {
        "claude-code" => Some(Agent {
            settings: ".claude/settings.json",
            events: &[
                "SessionStart",
                "UserPromptSubmit",
                "PreToolUse",
                "PostToolUse",
                "PostToolUseFailure",
                "Stop",
                "SessionEnd",
            ],
            tool_events: &["PreToolUse", "PostToolUse", "PostToolUseFailure"],
            match_all: Some("*"),
            hook: "devtrace agent hook claude-code",
            timeout: 5, // seconds
        }),
        "gemini-cli" => Some(Agent {
            settings: ".gemini/settings.json",
            events: &[
                "SessionStart",
                "BeforeAgent",
                "BeforeTool",
                "AfterTool",
                "SessionEnd",
            ],
            tool_events: &[],
            match_all: None, // no matcher: every tool
            hook: "devtrace agent hook gemini-cli",
            timeout: 5000, // milliseconds
        }),
        _ => None,
    }
}

pub fn run(name: &str, uninstall: bool) -> Result<i32> {
    let Some(ag) = agent(name) else {
        return Err(crate::usage(
            format!("no hooks for the agent '{name}'"),
            format!(
                "supported: {}; for other agents use `devtrace exec --agent NAME -- CMD`",
                AGENTS.join(", ")
            ),
        ));
    };
    let root = project_root()?;
    let path = root.join(ag.settings);
    let mut doc = match std::fs::read(&path) {
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => json!({}),
        Ok(b) => serde_json::from_slice::<Value>(&b).map_err(|e| {
            crate::fail(
                format!("{} is not valid JSON: {e}", path.display()),
                "fix it by hand first; nothing was changed",
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => json!({}),
        Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
    };
    let Some(top) = doc.as_object_mut() else {
        return Err(crate::fail(
            format!("{} does not hold a JSON object", path.display()),
            "fix it by hand first; nothing was changed",
        ));
    };
    let changed = if uninstall {
        remove(&ag, top)
    } else {
        add(&ag, top)?
    };
    let shown = path
        .strip_prefix(&root)
        .unwrap_or(&path)
        .display()
        .to_string();
    if changed == 0 {
        println!(
            "{shown}: {}",
            if uninstall {
                "no DevTrace hooks to remove"
            } else {
                "DevTrace's hooks are already there"
            }
        );
        return Ok(0);
    }
    if uninstall && doc.as_object().is_some_and(Map::is_empty) && remove_created(&path)? {
        println!("{shown}: removed it (agent install had created it for DevTrace's hooks alone)");
        return Ok(0);
    }
    write_settings(&path, &doc)?;
    if uninstall {
        println!(
            "{shown}: removed DevTrace's hooks from {}",
            crate::output::count(changed as u64, "event")
        );
    } else {
        println!(
            "{shown}: added DevTrace's hook to {} ({})",
            crate::output::count(changed as u64, "event"),
            ag.events.join(", ")
        );
        println!("{name} sessions in this project are recorded from their next start.");
    }
    Ok(0)
}

/// Writes the settings, noting the file (and its directory) when this
/// creates them, so that `--uninstall` can take them away again.
fn write_settings(path: &Path, doc: &Value) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    if !dir.exists() {
        crate::rcfile::note_created(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    if !path.exists() {
        crate::rcfile::note_created(path)?;
    }
    let mut text = serde_json::to_string_pretty(doc)?;
    text.push('\n');
    crate::rcfile::replace(path, text.as_bytes())
}

/// Removes the settings file and its directory if install created them.
fn remove_created(path: &Path) -> Result<bool> {
    if !crate::rcfile::remove_created(path)? {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        crate::rcfile::remove_created(dir)?;
    }
    Ok(true)
}

fn project_root() -> Result<PathBuf> {
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

fn is_ours(ag: &Agent, h: &Value) -> bool {
    h["command"].as_str().is_some_and(|c| c.trim() == ag.hook)
}

fn add(ag: &Agent, top: &mut Map<String, Value>) -> Result<usize> {
    let hooks = top.entry("hooks").or_insert_with(|| json!({}));
    let Some(hooks) = hooks.as_object_mut() else {
        anyhow::bail!("\"hooks\" in the settings is not an object; nothing was changed");
    };
    let mut added = 0;
    for ev in ag.events {
        let list = hooks.entry(*ev).or_insert_with(|| json!([]));
        let Some(list) = list.as_array_mut() else {
            anyhow::bail!("\"hooks.{ev}\" in the settings is not a list; nothing was changed");
        };
        let present = list.iter().any(|g| {
            g["hooks"]
                .as_array()
                .is_some_and(|hs| hs.iter().any(|h| is_ours(ag, h)))
        });
        if present {
            continue;
        }
        let mut group =
            json!({ "hooks": [{ "type": "command", "command": ag.hook, "timeout": ag.timeout }] });
        if let (true, Some(all)) = (ag.tool_events.contains(ev), ag.match_all) {
            group["matcher"] = json!(all);
        }
        list.push(group);
        added += 1;
    }
    Ok(added)
}

fn remove(ag: &Agent, top: &mut Map<String, Value>) -> usize {
    let Some(hooks) = top.get_mut("hooks").and_then(Value::as_object_mut) else {
        return 0;
    };
    let mut removed = 0;
    for ev in ag.events {
        let Some(list) = hooks.get_mut(*ev).and_then(Value::as_array_mut) else {
            continue;
        };
        let before = list.len();
        for g in list.iter_mut() {
            if let Some(hs) = g.get_mut("hooks").and_then(Value::as_array_mut) {
                hs.retain(|h| !is_ours(ag, h));
            }
        }
        list.retain(|g| !g["hooks"].as_array().is_some_and(Vec::is_empty));
        if list.len() != before {
            removed += 1;
        }
        if list.is_empty() {
            hooks.remove(*ev);
        }
    }
    if hooks.is_empty() {
        top.remove("hooks");
    }
    removed
}
