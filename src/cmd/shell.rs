//! `devtrace shell --agent NAME`: your shell ($SHELL), with the agent's name
//! on everything it records. The shell replaces this process: no PTY, nothing
//! in between.

use crate::cli::ShellArgs;
use anyhow::Result;
use std::os::unix::process::CommandExt;

pub fn run(a: ShellArgs) -> Result<i32> {
    let name = a.agent.trim();
    if name.is_empty() {
        return Err(crate::usage(
            "the agent's name is empty",
            "give one: devtrace shell --agent claude-code",
        ));
    }
    let shell = std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/bash".into());
    let err = std::process::Command::new(&shell)
        .args(&a.args)
        .env("DEVTRACE_AGENT", name)
        // A shell started from a recorded one is a session of its own.
        .env_remove("DEVTRACE_SESSION")
        .exec();
    Err(crate::fail(
        format!("could not start {shell}: {err}"),
        "set SHELL to your shell's path",
    ))
}
