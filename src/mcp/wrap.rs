//! `devtrace mcp install AGENT --wrap | --unwrap`: puts each stdio MCP
//! server of an agent's settings behind `devtrace mcp proxy --name NAME --`
//! (so its tool calls are recorded), or takes the proxy out again. The
//! wrapped command holds the original whole, so unwrapping gives it back.

use super::install::{broken, project_root, read, target, write, NAME};
use anyhow::Result;
use serde_json::Value;

/// The proxy's words before the server's own command.
fn proxy_words(name: &str) -> Vec<String> {
    ["mcp", "proxy", "--name", name, "--"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// A server's whole command line as wrapped: `devtrace mcp proxy ... -- CMD`.
fn wrapped(name: &str, cmd: &[String]) -> Vec<String> {
    let mut w = vec!["devtrace".to_owned()];
    w.extend(proxy_words(name));
    w.extend_from_slice(cmd);
    w
}

/// The original command line of a wrapped one.
fn original(cmd: &[String]) -> Option<Vec<String>> {
    if cmd.first()? != "devtrace" || cmd.get(1..3)? != ["mcp", "proxy"] {
        return None;
    }
    let dashes = cmd.iter().position(|w| w == "--")?;
    Some(cmd[dashes + 1..].to_vec())
}

pub fn run(agent: &str, unwrap: bool) -> Result<i32> {
    let root = project_root()?;
    let Some(t) = target(agent, &root) else {
        return Err(crate::usage(
            format!("no MCP settings known for the agent '{agent}'"),
            format!("supported: {}", super::install::AGENTS.join(", ")),
        ));
    };
    let shown = crate::output::tilde(&t.file.to_string_lossy());
    let Some(text) = read(&t.file)? else {
        println!("{shown}: no MCP settings here");
        return Ok(0);
    };
    let (after, n) = match t.key {
        Some(key) => edit_json(&t.file, &text, key, unwrap)?,
        None => edit_toml(&t.file, &text, unwrap)?,
    };
    let verb = if unwrap {
        "unwrapped"
    } else {
        "wrapped in devtrace mcp proxy"
    };
    if n == 0 {
        println!("{shown}: no MCP server to change");
        return Ok(0);
    }
    write(&t.file, &after)?;
    println!(
        "{shown}: {} {verb}",
        crate::output::count(n as u64, "server")
    );
    Ok(0)
}

/// A command line as words, from `command` (a string, or opencode's list)
/// and `args`.
fn words(entry: &Value) -> Option<Vec<String>> {
    let strs = |v: &Value| -> Option<Vec<String>> {
        v.as_array()?
            .iter()
            .map(|x| x.as_str().map(str::to_owned))
            .collect()
    };
    let mut w = match &entry["command"] {
        Value::String(c) => vec![c.clone()],
        v @ Value::Array(_) => strs(v)?,
        _ => return None,
    };
    if let Some(args) = entry.get("args") {
        w.extend(strs(args)?);
    }
    Some(w)
}

/// Writes `cmd` back into the entry in the entry's own form.
fn set_words(entry: &mut serde_json::Map<String, Value>, cmd: Vec<String>) {
    if entry["command"].is_array() {
        entry.insert("command".into(), cmd.into());
        return;
    }
    let mut it = cmd.into_iter();
    entry.insert("command".into(), it.next().unwrap_or_default().into());
    let rest: Vec<String> = it.collect();
    if rest.is_empty() {
        entry.remove("args");
    } else {
        entry.insert("args".into(), rest.into());
    }
}

fn edit_json(
    path: &std::path::Path,
    text: &str,
    key: &str,
    unwrap: bool,
) -> Result<(String, usize)> {
    let mut doc: Value =
        serde_json::from_str(text).map_err(|e| broken(path, format!("not valid JSON: {e}")))?;
    let mut n = 0;
    if let Some(servers) = doc.get_mut(key).and_then(Value::as_object_mut) {
        for (name, entry) in servers.iter_mut().filter(|(k, _)| k.as_str() != NAME) {
            let Some(cmd) = words(entry) else { continue };
            let new = match (unwrap, original(&cmd)) {
                (true, Some(orig)) => orig,
                (false, None) => wrapped(name, &cmd),
                _ => continue,
            };
            if let Some(e) = entry.as_object_mut() {
                set_words(e, new);
                n += 1;
            }
        }
    }
    let mut out = serde_json::to_string_pretty(&doc)?;
    out.push('\n');
    Ok((out, n))
}

/// Codex: each `[mcp_servers.NAME]` with a `command`.
fn edit_toml(path: &std::path::Path, text: &str, unwrap: bool) -> Result<(String, usize)> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| broken(path, format!("not valid TOML: {e}")))?;
    let mut n = 0;
    let Some(servers) = doc.get_mut("mcp_servers").and_then(|s| s.as_table_mut()) else {
        return Ok((doc.to_string(), 0));
    };
    for (name, item) in servers.iter_mut().filter(|(k, _)| k.get() != NAME) {
        let Some(t) = item.as_table_mut() else {
            continue;
        };
        let Some(cmd) = t.get("command").and_then(|c| c.as_str()) else {
            continue;
        };
        let mut cmd = vec![cmd.to_owned()];
        let args = t.get("args").and_then(|a| a.as_array());
        cmd.extend(
            args.into_iter()
                .flatten()
                .filter_map(|a| a.as_str().map(str::to_owned)),
        );
        let new = match (unwrap, original(&cmd)) {
            (true, Some(orig)) => orig,
            (false, None) => wrapped(name.get(), &cmd),
            _ => continue,
        };
        let mut it = new.into_iter();
        t["command"] = toml_edit::value(it.next().unwrap_or_default());
        let rest: toml_edit::Array = it.collect();
        if rest.is_empty() {
            t.remove("args");
        } else {
            t["args"] = toml_edit::value(rest);
        }
        n += 1;
    }
    Ok((doc.to_string(), n))
}
