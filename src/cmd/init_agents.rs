//! `devtrace init --agents [--uninstall]`: records the `bash -c` and
//! `zsh -c` commands AI agents run in recorded repositories. Writes the two
//! scripts (`shell/agents.*`, with this binary's path) to DevTrace's config
//! directory, and marked lines that load them: BASH_ENV exported from the
//! rc files (unless you set your own), and a line in ~/.zshenv.

use crate::cli::Shell;
use crate::output::tilde;
use crate::paths::{devtrace_config_dir, rc_file, zshenv};
use crate::rcfile::{add_line, remove_line};
use anyhow::{Context, Result};
use std::path::PathBuf;

const MARK: &str = "# added by devtrace init --agents";

/// The lines, each with the shell whose file it goes in, and the file.
fn lines(bash_env: &str, zsh_env: &str) -> Vec<(Shell, PathBuf, String)> {
    let q = crate::hook::posix_quote;
    vec![
        (
            Shell::Bash,
            rc_file(Shell::Bash),
            format!(
                "[ -n \"${{BASH_ENV-}}\" ] || export BASH_ENV={} {MARK}",
                q(bash_env)
            ),
        ),
        (
            Shell::Zsh,
            rc_file(Shell::Zsh),
            format!(
                "[ -n \"${{BASH_ENV-}}\" ] || export BASH_ENV={} {MARK}",
                q(bash_env)
            ),
        ),
        (
            Shell::Fish,
            rc_file(Shell::Fish),
            format!(
                "set -q BASH_ENV; or set -gx BASH_ENV {} {MARK}",
                crate::hook::fish_quote(bash_env)
            ),
        ),
        (
            Shell::Zsh,
            zshenv(),
            format!("[[ -o interactive ]] || source {} {MARK}", q(zsh_env)),
        ),
    ]
}

pub fn run(uninstall: bool) -> Result<i32> {
    let dir = devtrace_config_dir();
    let bash_env = dir.join("agents.bash");
    let zsh_env = dir.join("agents.zsh");
    let all = lines(&bash_env.to_string_lossy(), &zsh_env.to_string_lossy());
    if uninstall {
        for (_, path, line) in &all {
            if remove_line(path, line)? {
                let shown = tilde(&path.to_string_lossy());
                if path.exists() {
                    println!("removed the agents line from {shown}");
                } else {
                    println!("removed {shown}: init --agents had created it for its line alone");
                }
            }
        }
        let _ = std::fs::remove_file(&bash_env);
        let _ = std::fs::remove_file(&zsh_env);
        println!("Agents' `bash -c`/`zsh -c` commands are no longer recorded (in new terminals).");
        return Ok(0);
    }
    let exe = std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .context("cannot find this program's path")?;
    std::fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    crate::runtime::write_atomic(
        &bash_env,
        crate::hook::render_agents(Shell::Bash, &exe).as_bytes(),
    )?;
    crate::runtime::write_atomic(
        &zsh_env,
        crate::hook::render_agents(Shell::Zsh, &exe).as_bytes(),
    )?;
    // Only the files of shells the user has (see `devtrace init`).
    let mut skipped = Vec::new();
    for (sh, path, line) in &all {
        if !crate::paths::has_shell(*sh) {
            if !skipped.contains(sh) {
                skipped.push(*sh);
            }
            continue;
        }
        if add_line(path, line)? {
            println!(
                "  added the agents line to {}",
                tilde(&path.to_string_lossy())
            );
        }
    }
    if let Some(line) = crate::rcfile::skipped_line(
        &skipped,
        "install it, then run `devtrace init --agents` again",
    ) {
        println!("  {line}");
    }
    if std::env::var_os("BASH_ENV").is_some_and(|v| v != bash_env.as_os_str()) {
        println!(
            "note: BASH_ENV is already set here; bash -c commands are recorded only where it is not"
        );
    }
    println!(
        "From new terminals on, `bash -c` and `zsh -c` commands run by an agent (Claude Code, \
         Cursor, Gemini CLI, Codex, or DEVTRACE_AGENT) inside a recorded repository are recorded. \
         Restart the agent from a new terminal."
    );
    Ok(0)
}
