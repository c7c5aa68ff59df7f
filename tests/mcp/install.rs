//! `devtrace mcp install AGENT`: each agent's MCP settings get DevTrace's
//! server beside theirs, once; `--uninstall` gives back the file as it was
//! (and removes a file it created).

use crate::support::*;
use serde_json::{json, Value};
use std::path::PathBuf;

/// Each agent: its settings file, and the path to its servers in the JSON.
fn files(w: &World) -> Vec<(&'static str, PathBuf, Option<&'static str>)> {
    vec![
        ("claude-code", w.repo.join(".mcp.json"), Some("mcpServers")),
        (
            "gemini",
            w.repo.join(".gemini/settings.json"),
            Some("mcpServers"),
        ),
        (
            "cursor",
            w.repo.join(".cursor/mcp.json"),
            Some("mcpServers"),
        ),
        ("opencode", w.repo.join("opencode.json"), Some("mcp")),
        (
            "copilot",
            w.home.join(".copilot/mcp-config.json"),
            Some("mcpServers"),
        ),
        ("codex", w.home.join(".codex/config.toml"), None),
    ]
}

fn mcp(w: &World, args: &[&str]) -> String {
    let mut a = vec!["mcp"];
    a.extend_from_slice(args);
    let out = w.devtrace(&a, &w.repo);
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The user's own settings, with a server of theirs.
fn theirs(key: Option<&str>) -> String {
    match key {
        Some(k) => {
            let v = json!({"theme": "dark", k: {"other": {"command": "other-server"}}});
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap())
        }
        None => {
            "# mine\nmodel = \"o3\"\n\n[mcp_servers.other]\ncommand = \"other-server\"\n".into()
        }
    }
}

/// The command line of the server `name` in a settings file.
fn server(path: &PathBuf, key: Option<&str>, name: &str) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let v: Value = match key {
        Some(_) => serde_json::from_str(&text).unwrap(),
        None => serde_json::to_value(toml::from_str::<toml::Value>(&text).unwrap()).unwrap(),
    };
    let s = &v[key.unwrap_or("mcp_servers")][name];
    if s.is_null() {
        return None;
    }
    let mut cmd: Vec<String> = match &s["command"] {
        Value::Array(a) => a.iter().map(|x| x.as_str().unwrap().to_owned()).collect(),
        c => vec![c.as_str().unwrap().to_owned()],
    };
    for a in s["args"].as_array().into_iter().flatten() {
        cmd.push(a.as_str().unwrap().to_owned());
    }
    Some(cmd)
}

#[test]
fn mcp_install_merges_once_and_uninstall_restores_each_agent() {
    let w = World::initialised();
    for (agent, path, key) in files(&w) {
        // Beside the user's own servers; once.
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let before = theirs(key);
        std::fs::write(&path, &before).unwrap();
        assert!(mcp(&w, &["install", agent]).contains("added"), "{agent}");
        assert_eq!(
            server(&path, key, "devtrace").unwrap(),
            ["devtrace", "mcp", "serve"],
            "{agent}"
        );
        assert_eq!(
            server(&path, key, "other").unwrap(),
            ["other-server"],
            "{agent}"
        );
        let once = std::fs::read(&path).unwrap();
        assert!(
            mcp(&w, &["install", agent]).contains("already there"),
            "{agent}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), once, "{agent}");
        // Out again: the file as it was.
        assert!(mcp(&w, &["install", "--uninstall", agent]).contains("removed"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before, "{agent}");
        assert!(mcp(&w, &["install", "--uninstall", agent]).contains("no MCP server"));
        // A file install made is gone after uninstall.
        std::fs::remove_file(&path).unwrap();
        mcp(&w, &["install", agent]);
        assert!(server(&path, key, "devtrace").is_some(), "{agent}");
        mcp(&w, &["install", "--uninstall", agent]);
        assert!(!path.exists(), "{agent}: {path:?} left behind");
    }
    // Someone else's server named devtrace is left alone.
    let path = w.repo.join(".mcp.json");
    std::fs::write(
        &path,
        r#"{"mcpServers": {"devtrace": {"command": "mine"}}}"#,
    )
    .unwrap();
    let out = w.devtrace(&["mcp", "install", "claude-code"], &w.repo);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not DevTrace's"));
    // An agent it does not know: a usage error.
    let out = w.devtrace(&["mcp", "install", "nope"], &w.repo);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn mcp_install_wrap_puts_servers_behind_the_proxy_and_unwrap_restores() {
    let w = World::initialised();
    for (agent, path, key) in files(&w) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let before = theirs(key);
        std::fs::write(&path, &before).unwrap();
        assert!(
            mcp(&w, &["install", agent, "--wrap"]).contains("1 server wrapped"),
            "{agent}"
        );
        assert_eq!(
            server(&path, key, "other").unwrap(),
            [
                "devtrace",
                "mcp",
                "proxy",
                "--name",
                "other",
                "--",
                "other-server"
            ],
            "{agent}"
        );
        let once = std::fs::read(&path).unwrap();
        assert!(mcp(&w, &["install", agent, "--wrap"]).contains("no MCP server to change"));
        assert_eq!(std::fs::read(&path).unwrap(), once, "{agent}");
        assert!(mcp(&w, &["install", agent, "--unwrap"]).contains("1 server unwrapped"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before, "{agent}");
    }
}
