//! Agents that keep their hooks in a JSON file: DevTrace's entries merged
//! beside what is there, once, and taken out again exactly.
//!
//! Formats, from each agent's hooks documentation:
//! - grouped (Claude Code, Gemini CLI, Codex): `{"hooks": {EVENT: [{"matcher":
//!   M, "hooks": [{"type": "command", "command": C, "timeout": T}]}]}}`;
//! - flat (Cursor `.cursor/hooks.json`, Copilot CLI `.github/hooks/*.json`):
//!   `{"version": 1, "hooks": {EVENT: [{COMMAND_KEY: C, ...}]}}`.

use super::spec::{self, Agent, Format, Kind};
use anyhow::{Context, Result};
use serde_json::{json, Map, Value};
use std::path::Path;

pub fn agent(name: &str) -> Option<Agent> {
    Some(match name {
        "claude-code" => claude_code(),
        "gemini-cli" => gemini_cli(),
        "codex" => codex(),
        "cursor" => cursor(),
        "copilot" => copilot(),
        _ => return None,
    })
}

fn claude_code() -> Agent {
    Agent {
        name: "claude-code",
        project: ".claude/settings.json",
        user: Some(".claude/settings.json"),
        events: &[
            "SessionStart",
            "UserPromptSubmit",
            "PreToolUse",
            "PostToolUse",
            "PostToolUseFailure",
            "SubagentStart",
            "SubagentStop",
            "Stop",
            "SessionEnd",
        ],
        kind: Kind::Json(Format::Grouped {
            tool_events: &["PreToolUse", "PostToolUse", "PostToolUseFailure"],
            match_all: Some("*"),
            timeout: 5,
        }),
    }
}

fn gemini_cli() -> Agent {
    Agent {
        name: "gemini-cli",
        project: ".gemini/settings.json",
        user: Some(".gemini/settings.json"),
        events: &[
            "SessionStart",
            "BeforeAgent",
            "BeforeTool",
            "AfterTool",
            "AfterAgent",
            "SessionEnd",
        ],
        // No matcher: every tool.
        kind: Kind::Json(Format::Grouped {
            tool_events: &[],
            match_all: None,
            timeout: 5000,
        }),
    }
}

fn codex() -> Agent {
    Agent {
        name: "codex",
        project: ".codex/hooks.json",
        user: Some(".codex/hooks.json"),
        events: &[
            "SessionStart",
            "UserPromptSubmit",
            "PreToolUse",
            "PostToolUse",
            "SubagentStart",
            "SubagentStop",
            "Stop",
        ],
        // No matcher: every tool, every subagent type.
        kind: Kind::Json(Format::Grouped {
            tool_events: &[],
            match_all: None,
            timeout: 5,
        }),
    }
}

fn cursor() -> Agent {
    Agent {
        name: "cursor",
        project: ".cursor/hooks.json",
        user: Some(".cursor/hooks.json"),
        events: &[
            "sessionStart",
            "beforeSubmitPrompt",
            "preToolUse",
            "postToolUse",
            "postToolUseFailure",
            "afterAgentResponse",
            "sessionEnd",
        ],
        kind: Kind::Json(Format::Flat {
            key: "command",
            event_arg: false,
        }),
    }
}

fn copilot() -> Agent {
    Agent {
        name: "copilot",
        project: ".github/hooks/devtrace.json",
        user: None,
        events: &[
            "sessionStart",
            "userPromptSubmitted",
            "preToolUse",
            "postToolUse",
            "postToolUseFailure",
            "sessionEnd",
        ],
        kind: Kind::Json(Format::Flat {
            key: "bash",
            event_arg: true,
        }),
    }
}

/// The command DevTrace's entry for `event` runs.
fn command(ag: &Agent, f: &Format, event: &str) -> String {
    match f {
        Format::Flat {
            event_arg: true, ..
        } => format!("devtrace agent hook {} --event {event}", ag.name),
        _ => format!("devtrace agent hook {}", ag.name),
    }
}

pub fn apply(ag: &Agent, f: &Format, path: &Path, shown: &str, uninstall: bool) -> Result<bool> {
    let mut doc = read(path)?;
    let Some(top) = doc.as_object_mut() else {
        return Err(crate::fail(
            format!("{} does not hold a JSON object", path.display()),
            "fix it by hand first; nothing was changed",
        ));
    };
    let changed = if uninstall {
        remove(ag, f, top)
    } else {
        add(ag, f, top)?
    };
    if changed == 0 {
        let what = if uninstall {
            "no DevTrace hooks to remove"
        } else {
            "DevTrace's hooks are already there"
        };
        println!("{shown}: {what}");
        return Ok(false);
    }
    let only_ours = match f {
        Format::Flat { .. } => top.len() == 1 && top.get("version") == Some(&json!(1)),
        Format::Grouped { .. } => top.is_empty(),
    };
    if uninstall && only_ours && spec::remove_new(path)? {
        println!("{shown}: removed it (agent install had created it for DevTrace's hooks alone)");
        return Ok(true);
    }
    spec::note_new(path)?;
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    crate::rcfile::replace(path, text.as_bytes())?;
    let n = crate::output::count(changed as u64, "event");
    if uninstall {
        println!("{shown}: removed DevTrace's hooks from {n}");
    } else {
        println!(
            "{shown}: added DevTrace's hook to {n} ({})",
            ag.events.join(", ")
        );
    }
    Ok(true)
}

fn read(path: &Path) -> Result<Value> {
    Ok(match std::fs::read(path) {
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => json!({}),
        Ok(b) => serde_json::from_slice::<Value>(&b).map_err(|e| {
            crate::fail(
                format!("{} is not valid JSON: {e}", path.display()),
                "fix it by hand first; nothing was changed",
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => json!({}),
        Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
    })
}

/// Whether a hook entry (a grouped entry's inner hook, or a flat entry) is
/// DevTrace's for this event.
fn is_ours(ag: &Agent, f: &Format, event: &str, h: &Value) -> bool {
    let key = match f {
        Format::Flat { key, .. } => key,
        Format::Grouped { .. } => "command",
    };
    h[key]
        .as_str()
        .is_some_and(|c| c.trim() == command(ag, f, event))
}

/// Whether an event's list already holds DevTrace's entry.
fn present(ag: &Agent, f: &Format, event: &str, list: &[Value]) -> bool {
    list.iter().any(|g| match f {
        Format::Flat { .. } => is_ours(ag, f, event, g),
        Format::Grouped { .. } => g["hooks"]
            .as_array()
            .is_some_and(|hs| hs.iter().any(|h| is_ours(ag, f, event, h))),
    })
}

fn entry(ag: &Agent, f: &Format, event: &str) -> Value {
    let cmd = command(ag, f, event);
    match f {
        Format::Grouped {
            tool_events,
            match_all,
            timeout,
        } => {
            let mut g =
                json!({ "hooks": [{ "type": "command", "command": cmd, "timeout": timeout }] });
            if let (true, Some(all)) = (tool_events.contains(&event), match_all) {
                g["matcher"] = json!(all);
            }
            g
        }
        Format::Flat { key: "bash", .. } => {
            json!({ "type": "command", "bash": cmd, "timeoutSec": 5 })
        }
        Format::Flat { key, .. } => json!({ *key: cmd, "timeout": 5 }),
    }
}

fn add(ag: &Agent, f: &Format, top: &mut Map<String, Value>) -> Result<usize> {
    // A new file of flat hooks needs its version (an old one has it).
    if matches!(f, Format::Flat { .. }) && top.is_empty() {
        top.insert("version".into(), json!(1));
    }
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
        if !present(ag, f, ev, list) {
            list.push(entry(ag, f, ev));
            added += 1;
        }
    }
    Ok(added)
}

fn remove(ag: &Agent, f: &Format, top: &mut Map<String, Value>) -> usize {
    let Some(hooks) = top.get_mut("hooks").and_then(Value::as_object_mut) else {
        return 0;
    };
    let mut removed = 0;
    for ev in ag.events {
        let Some(list) = hooks.get_mut(*ev).and_then(Value::as_array_mut) else {
            continue;
        };
        let before = list.len();
        match f {
            Format::Flat { .. } => list.retain(|h| !is_ours(ag, f, ev, h)),
            Format::Grouped { .. } => {
                for g in list.iter_mut() {
                    if let Some(hs) = g.get_mut("hooks").and_then(Value::as_array_mut) {
                        hs.retain(|h| !is_ours(ag, f, ev, h));
                    }
                }
                list.retain(|g| !g["hooks"].as_array().is_some_and(Vec::is_empty));
            }
        }
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
