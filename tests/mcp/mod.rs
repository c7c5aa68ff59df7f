//! MCP: `devtrace mcp serve` driven by the Python MCP SDK (both protocol
//! generations) on a store recorded through an agent's hooks and
//! `devtrace exec`; and `devtrace mcp proxy` between the SDK and a real
//! server. The SDK is installed by scripts/test.sh into target/test-deps/.

mod install;
mod proxy;
mod serve;

use crate::support::*;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Stdio;

/// The Python of the venv scripts/test.sh makes, with `mcp` in it; a test
/// that cannot find it fails, saying how to get it.
pub fn python() -> PathBuf {
    let p = std::env::var_os("DEVTRACE_TEST_MCP_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-deps/mcp-venv/bin/python")
        });
    assert!(
        p.is_file(),
        "the Python MCP SDK is not installed at {}; run ./scripts/test.sh (it installs mcp==2.3.0 there)",
        p.display()
    );
    p
}

/// Runs the Python driver `script` (in tests/mcp/) with `args`, `input` on
/// its stdin and the world's environment; returns its JSON report.
pub fn drive(w: &World, script: &str, args: &[&str], input: &Value) -> Value {
    drive_env(w, script, args, input, &|_| {})
}

/// [`drive`], with `env` setting more of the driver's environment.
pub fn drive_env(
    w: &World,
    script: &str,
    args: &[&str],
    input: &Value,
    env: &dyn Fn(&mut std::process::Command),
) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/mcp")
        .join(script);
    let mut c = w.cmd_in(python().to_str().unwrap(), &w.repo);
    c.arg(path)
        .args(args)
        .env("DEVTRACE_BIN", BIN)
        .env("DEVTRACE_REPO", &w.repo)
        .stderr(Stdio::piped());
    env(&mut c);
    let out = output_with_stdin(&mut c, input.to_string().as_bytes());
    assert!(
        out.status.success(),
        "{script} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{script}: no report ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Runs the Node driver `script` (in tests/mcp/, resolving the npm packages
/// scripts/test.sh installs) with `input` on its stdin; returns its report.
pub fn drive_node(w: &World, script: &str, input: &Value) -> Value {
    drive_node_env(w, script, input, &|_| {})
}

/// [`drive_node`], with `env` setting more of the driver's environment.
pub fn drive_node_env(
    w: &World,
    script: &str,
    input: &Value,
    env: &dyn Fn(&mut std::process::Command),
) -> Value {
    require("node");
    let deps = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-deps/npm");
    let sdk = deps.join("node_modules/@modelcontextprotocol/sdk/package.json");
    assert!(
        sdk.is_file(),
        "the TypeScript MCP SDK is not installed at {}; run ./scripts/test.sh",
        sdk.display()
    );
    // Node resolves packages from the script's folder up: run a copy in deps.
    let copy = deps.join(script);
    std::fs::copy(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/mcp")
            .join(script),
        &copy,
    )
    .unwrap();
    let mut c = w.cmd_in("node", &w.repo);
    c.arg(&copy)
        .env("DEVTRACE_BIN", BIN)
        .env("DEVTRACE_REPO", &w.repo);
    env(&mut c);
    let out = output_with_stdin(&mut c, input.to_string().as_bytes());
    assert!(
        out.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{script}: no report ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// tokio (the runtime of the MCP server and of the web timeline) is
/// started in `cmd/mcp.rs` and `cmd/ui.rs` alone and used only under
/// `src/mcp/` and `src/ui/`, rmcp only under `src/mcp/`: no other command
/// pays for them.
#[test]
fn only_mcp_and_ui_start_a_runtime() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    for f in files_under(std::slice::from_ref(&src)) {
        let rel = f.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let mcp = rel.starts_with("mcp/") || rel == "cmd/mcp.rs";
        let ui = rel.starts_with("ui/") || rel == "cmd/ui.rs";
        if text.contains("tokio::runtime") {
            assert!(
                rel == "cmd/mcp.rs" || rel == "cmd/ui.rs",
                "{rel} builds a tokio runtime"
            );
        }
        if text.contains("tokio::") {
            assert!(mcp || ui, "{rel} uses tokio");
        }
        if text.contains("rmcp::") {
            assert!(mcp, "{rel} uses rmcp");
        }
    }
}
