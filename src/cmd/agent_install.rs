//! `devtrace agent install claude-code [--uninstall]`: adds DevTrace's hook
//! to the project's `.claude/settings.json`, beside whatever is there, once;
//! `--uninstall` takes out exactly what it added.

use anyhow::{Context, Result};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

const EVENTS: &[&str] = &[
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "Stop",
    "SessionEnd",
];
const TOOL_EVENTS: &[&str] = &["PreToolUse", "PostToolUse", "PostToolUseFailure"];
const HOOK: &str = "devtrace agent hook claude-code";

pub const AGENTS: &[&str] = &["claude-code"];

pub fn run(name: &str, uninstall: bool) -> Result<i32> {
    if !AGENTS.contains(&name) {
        return Err(crate::usage(
            format!("no hooks for the agent '{name}'"),
            format!(
                "supported: {}; for other agents use `devtrace exec --agent NAME -- CMD`",
                AGENTS.join(", ")
            ),
        ));
    }
    let root = project_root()?;
    let path = root.join(".claude").join("settings.json");
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
    let changed = if uninstall { remove(top) } else { add(top)? };
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
    std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    crate::runtime::write_atomic(&path, text.as_bytes())?;
    if uninstall {
        println!("{shown}: removed DevTrace's hooks from {changed} events");
    } else {
        println!(
            "{shown}: added DevTrace's hook to {changed} events ({})",
            EVENTS.join(", ")
        );
        println!("Claude Code sessions in this project are recorded from their next start.");
    }
    Ok(0)
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

fn is_ours(h: &Value) -> bool {
    h["command"].as_str().is_some_and(|c| c.trim() == HOOK)
}

fn add(top: &mut Map<String, Value>) -> Result<usize> {
    let hooks = top.entry("hooks").or_insert_with(|| json!({}));
    let Some(hooks) = hooks.as_object_mut() else {
        anyhow::bail!("\"hooks\" in the settings is not an object; nothing was changed");
    };
    let mut added = 0;
    for ev in EVENTS {
        let list = hooks.entry(*ev).or_insert_with(|| json!([]));
        let Some(list) = list.as_array_mut() else {
            anyhow::bail!("\"hooks.{ev}\" in the settings is not a list; nothing was changed");
        };
        let present = list.iter().any(|g| {
            g["hooks"]
                .as_array()
                .is_some_and(|hs| hs.iter().any(is_ours))
        });
        if present {
            continue;
        }
        let mut group = json!({ "hooks": [{ "type": "command", "command": HOOK, "timeout": 5 }] });
        if TOOL_EVENTS.contains(ev) {
            group["matcher"] = json!("*");
        }
        list.push(group);
        added += 1;
    }
    Ok(added)
}

fn remove(top: &mut Map<String, Value>) -> usize {
    let Some(hooks) = top.get_mut("hooks").and_then(Value::as_object_mut) else {
        return 0;
    };
    let mut removed = 0;
    for ev in EVENTS {
        let Some(list) = hooks.get_mut(*ev).and_then(Value::as_array_mut) else {
            continue;
        };
        let before = list.len();
        for g in list.iter_mut() {
            if let Some(hs) = g.get_mut("hooks").and_then(Value::as_array_mut) {
                hs.retain(|h| !is_ours(h));
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
