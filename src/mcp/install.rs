//! `devtrace mcp install AGENT [--uninstall]`: registers `devtrace mcp
//! serve` as the MCP server `devtrace` in an agent's MCP settings, beside
//! the servers already there, once; `--uninstall` removes exactly that
//! entry (and a file or folder install created, once empty). The project's
//! file where the agent reads one (Claude Code, Gemini CLI, Cursor,
//! opencode), else the user's (Codex, Copilot CLI): the server answers
//! for the store of the directory the agent starts it in.

use anyhow::{Context, Result};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

pub const AGENTS: &[&str] = &[
    "claude-code",
    "codex",
    "gemini",
    "cursor",
    "opencode",
    "copilot",
];

/// The server's name in every agent's settings.
pub(super) const NAME: &str = "devtrace";

/// Where an agent keeps its MCP servers, and how it writes one.
pub(super) struct Target {
    pub(super) file: PathBuf,
    /// The JSON key of the servers' object (None: Codex's TOML).
    pub(super) key: Option<&'static str>,
    entry: Value,
}

pub(super) fn target(agent: &str, root: &Path) -> Option<Target> {
    let home = crate::paths::home_dir();
    let plain = json!({"command": "devtrace", "args": ["mcp", "serve"]});
    let (file, key, entry) = match agent {
        "claude-code" => (
            root.join(".mcp.json"),
            Some("mcpServers"),
            json!({"type": "stdio", "command": "devtrace", "args": ["mcp", "serve"]}),
        ),
        "gemini" => (
            root.join(".gemini/settings.json"),
            Some("mcpServers"),
            plain,
        ),
        "cursor" => (root.join(".cursor/mcp.json"), Some("mcpServers"), plain),
        "opencode" => (
            root.join("opencode.json"),
            Some("mcp"),
            json!({"type": "local", "command": ["devtrace", "mcp", "serve"], "enabled": true}),
        ),
        "copilot" => (
            home.join(".copilot/mcp-config.json"),
            Some("mcpServers"),
            json!({"type": "local", "command": "devtrace", "args": ["mcp", "serve"], "tools": ["*"]}),
        ),
        "codex" => (
            std::env::var_os("CODEX_HOME")
                .filter(|h| !h.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| home.join(".codex"))
                .join("config.toml"),
            None,
            plain,
        ),
        _ => return None,
    };
    Some(Target { file, key, entry })
}

/// What a run did to the settings.
#[derive(Debug, PartialEq)]
enum Outcome {
    Added,
    Already,
    Removed,
    Absent,
}

pub fn run(agent: &str, uninstall: bool) -> Result<i32> {
    let root = project_root()?;
    let Some(t) = target(agent, &root) else {
        return Err(crate::usage(
            format!("no MCP settings known for the agent '{agent}'"),
            format!("supported: {}", AGENTS.join(", ")),
        ));
    };
    let before = read(&t.file)?;
    let (after, outcome) = match t.key {
        Some(key) => edit_json(&t.file, before.as_deref(), key, &t.entry, uninstall)?,
        None => edit_toml(&t.file, before.as_deref(), &t.entry, uninstall)?,
    };
    let shown = crate::output::tilde(&t.file.to_string_lossy());
    match outcome {
        Outcome::Already => println!("{shown}: the MCP server '{NAME}' is already there"),
        Outcome::Absent => println!("{shown}: no MCP server '{NAME}' of DevTrace's to remove"),
        Outcome::Added => {
            write(&t.file, &after)?;
            println!("{shown}: added the MCP server '{NAME}' (devtrace mcp serve)");
        }
        Outcome::Removed => {
            let empty = after.trim().is_empty() || after.trim() == "{}";
            if empty && crate::rcfile::remove_created(&t.file)? {
                if let Some(dir) = t.file.parent() {
                    crate::rcfile::remove_created(dir)?;
                }
                println!("{shown}: removed it (install had created it for DevTrace alone)");
                return Ok(0);
            }
            write(&t.file, &after)?;
            println!("{shown}: removed the MCP server '{NAME}'");
        }
    }
    Ok(0)
}

pub(super) fn read(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("could not read {}", path.display())),
    }
}

/// Writes the settings, noting the file (and its folder) when this creates
/// them, so that `--uninstall` can take them away again.
pub(super) fn write(path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    if !dir.exists() {
        crate::rcfile::note_created(dir)?;
        std::fs::create_dir_all(dir)?;
    }
    if !path.exists() {
        crate::rcfile::note_created(path)?;
    }
    crate::rcfile::replace(path, text.as_bytes())
}

pub(super) fn broken(path: &Path, why: impl std::fmt::Display) -> anyhow::Error {
    crate::fail(
        format!("{}: {why}", path.display()),
        "fix it by hand first; nothing was changed",
    )
}

fn edit_json(
    path: &Path,
    text: Option<&str>,
    key: &str,
    entry: &Value,
    uninstall: bool,
) -> Result<(String, Outcome)> {
    let mut doc: Value = match text {
        Some(t) if !t.trim().is_empty() => {
            serde_json::from_str(t).map_err(|e| broken(path, format!("not valid JSON: {e}")))?
        }
        _ => json!({}),
    };
    let top = doc
        .as_object_mut()
        .ok_or_else(|| broken(path, "does not hold a JSON object"))?;
    let outcome = if uninstall {
        let servers = top.get_mut(key).and_then(Value::as_object_mut);
        match servers {
            Some(s) if s.get(NAME) == Some(entry) => {
                s.remove(NAME);
                if s.is_empty() {
                    top.remove(key);
                }
                Outcome::Removed
            }
            _ => Outcome::Absent,
        }
    } else {
        let servers = top.entry(key).or_insert_with(|| Value::Object(Map::new()));
        let servers = servers
            .as_object_mut()
            .ok_or_else(|| broken(path, format!("\"{key}\" is not an object")))?;
        match servers.get(NAME) {
            Some(v) if v == entry => Outcome::Already,
            Some(_) => return Err(taken(path)),
            None => {
                servers.insert(NAME.into(), entry.clone());
                Outcome::Added
            }
        }
    };
    let mut out = serde_json::to_string_pretty(&doc)?;
    out.push('\n');
    Ok((out, outcome))
}

fn taken(path: &Path) -> anyhow::Error {
    crate::fail(
        format!(
            "{} has an MCP server named '{NAME}' that is not DevTrace's",
            path.display()
        ),
        "rename or remove it first; nothing was changed",
    )
}

/// Codex: `[mcp_servers.devtrace]` in config.toml, the rest as it was.
fn edit_toml(
    path: &Path,
    text: Option<&str>,
    entry: &Value,
    uninstall: bool,
) -> Result<(String, Outcome)> {
    let mut doc: toml_edit::DocumentMut = text
        .unwrap_or("")
        .parse()
        .map_err(|e| broken(path, format!("not valid TOML: {e}")))?;
    let mut ours = toml_edit::Table::new();
    ours["command"] = toml_edit::value(entry["command"].as_str().unwrap_or("devtrace"));
    let mut args = toml_edit::Array::new();
    for a in entry["args"].as_array().into_iter().flatten() {
        args.push(a.as_str().unwrap_or_default());
    }
    ours["args"] = toml_edit::value(args);
    let same = |t: &toml_edit::Table| t.to_string() == ours.to_string();
    let outcome = if uninstall {
        let servers = doc.get_mut("mcp_servers").and_then(|s| s.as_table_mut());
        match servers {
            Some(s) if s.get(NAME).and_then(|t| t.as_table()).is_some_and(same) => {
                s.remove(NAME);
                if s.is_empty() {
                    doc.remove("mcp_servers");
                }
                Outcome::Removed
            }
            _ => Outcome::Absent,
        }
    } else {
        if doc.get("mcp_servers").is_none() {
            let mut t = toml_edit::Table::new();
            t.set_implicit(true);
            doc["mcp_servers"] = toml_edit::Item::Table(t);
        }
        let servers = doc["mcp_servers"]
            .as_table_mut()
            .ok_or_else(|| broken(path, "mcp_servers is not a table"))?;
        match servers.get(NAME) {
            Some(t) if t.as_table().is_some_and(same) => Outcome::Already,
            Some(_) => return Err(taken(path)),
            None => {
                servers.insert(NAME, toml_edit::Item::Table(ours));
                Outcome::Added
            }
        }
    };
    Ok((doc.to_string(), outcome))
}

/// The project: the repository around the current directory, else the
/// store's directory, else the current directory.
pub(super) fn project_root() -> Result<PathBuf> {
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
