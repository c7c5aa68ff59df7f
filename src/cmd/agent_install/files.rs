//! Agents that run hook files: Cline runs the executable named after each
//! hook in `.clinerules/hooks/` (docs.cline.bot/customization/hooks), and
//! opencode loads every plugin in `.opencode/plugins/`
//! (opencode.ai/docs/plugins). DevTrace adds files of its own there and
//! never touches another's: a hook file of the same name that is not
//! DevTrace's is left alone and reported.

use super::spec::{self, Agent, Kind};
use anyhow::{Context, Result};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The plugin DevTrace adds to opencode.
pub const OPENCODE_PLUGIN: &str = include_str!("opencode.js");

const CLINE_SCRIPT: &str = "#!/bin/sh\n# Added by `devtrace agent install cline`; removed by its --uninstall.\nexec devtrace agent hook cline\n";

pub fn agent(name: &str) -> Option<Agent> {
    Some(match name {
        "cline" => Agent {
            name: "cline",
            project: ".clinerules/hooks",
            user: Some("Documents/Cline/Hooks"),
            events: &[
                "TaskStart",
                "TaskResume",
                "UserPromptSubmit",
                "PreToolUse",
                "PostToolUse",
                "TaskComplete",
                "TaskCancel",
            ],
            kind: Kind::ClineScripts,
        },
        "opencode" => Agent {
            name: "opencode",
            project: ".opencode/plugins/devtrace.js",
            user: Some(".config/opencode/plugins/devtrace.js"),
            events: &[
                "chat.message",
                "tool.execute.before",
                "tool.execute.after",
                "event",
            ],
            kind: Kind::OpencodePlugin,
        },
        _ => return None,
    })
}

/// Writes `text` to a new file of DevTrace's (executable when `exec`).
fn write_new(path: &Path, text: &str, exec: bool) -> Result<()> {
    spec::note_new(path)?;
    crate::rcfile::replace(path, text.as_bytes())?;
    let mode = if exec { 0o755 } else { 0o644 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("could not set the mode of {}", path.display()))
}

/// One file: whether it is there and DevTrace's (`Some(true)`), someone
/// else's (`Some(false)`), or absent.
fn ours(path: &Path, text: &str) -> Option<bool> {
    std::fs::read_to_string(path).ok().map(|t| t == text)
}

pub fn cline(ag: &Agent, dir: &Path, shown: &str, uninstall: bool) -> Result<bool> {
    let mut changed = Vec::new();
    let mut foreign = Vec::new();
    for ev in ag.events {
        let path = dir.join(ev);
        match (ours(&path, CLINE_SCRIPT), uninstall) {
            (Some(true), true)
                if spec::remove_new(&path)? || std::fs::remove_file(&path).is_ok() =>
            {
                changed.push(*ev)
            }
            (None, false) => {
                write_new(&path, CLINE_SCRIPT, true)?;
                changed.push(*ev);
            }
            (Some(false), false) => foreign.push(*ev),
            _ => {}
        }
    }
    for ev in &foreign {
        eprintln!(
            "devtrace: {shown}/{ev} is another hook; left it alone (Cline runs one file per hook)"
        );
    }
    match (changed.is_empty(), uninstall) {
        (true, true) => println!("{shown}: no DevTrace hooks to remove"),
        (true, false) => println!("{shown}: DevTrace's hooks are already there"),
        (false, true) => println!("{shown}: removed DevTrace's hooks ({})", changed.join(", ")),
        (false, false) => {
            println!("{shown}: added DevTrace's hooks ({})", changed.join(", "));
            println!("Cline runs them once \"Enable Hooks\" is on in its settings.");
        }
    }
    Ok(!changed.is_empty())
}

pub fn opencode(path: &Path, shown: &str, uninstall: bool) -> Result<bool> {
    let changed = match (ours(path, OPENCODE_PLUGIN), uninstall) {
        (Some(true), true) => spec::remove_new(path)? || std::fs::remove_file(path).is_ok(),
        // An older version of DevTrace's plugin is replaced.
        (Some(false), false) if is_devtrace_plugin(path) => {
            write_new(path, OPENCODE_PLUGIN, false)?;
            true
        }
        (Some(false), true) if is_devtrace_plugin(path) => std::fs::remove_file(path).is_ok(),
        (None, false) => {
            write_new(path, OPENCODE_PLUGIN, false)?;
            true
        }
        (Some(false), _) => {
            return Err(crate::fail(
                format!("{shown} is not DevTrace's plugin"),
                "move it away first; nothing was changed",
            ))
        }
        _ => false,
    };
    let what = match (changed, uninstall) {
        (false, true) => "no DevTrace plugin to remove",
        (false, false) => "DevTrace's plugin is already there",
        (true, true) => "removed DevTrace's plugin",
        (true, false) => "added DevTrace's plugin",
    };
    println!("{shown}: {what}");
    Ok(changed)
}

fn is_devtrace_plugin(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.starts_with("// DevTrace's plugin for opencode"))
}
