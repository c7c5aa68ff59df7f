//! `devtrace completions`: the completion script of a shell, from the clap
//! definitions.

use crate::cli::Shell;
use anyhow::Result;
use clap::CommandFactory;

pub fn run(shell: Shell) -> Result<i32> {
    let sh = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(
        sh,
        &mut crate::cli::Cli::command(),
        "devtrace",
        &mut std::io::stdout(),
    );
    Ok(0)
}
