//! devtrace-core: every command of devtrace, which the `devtrace` front
//! (src/main.rs) hands on by exec. Parses the command line, runs it, maps
//! the outcome to an exit code (0 ok, 1 failure, 2 usage).

mod agent;
mod cli;
mod cmd;
mod config;
mod event;
mod hook;
mod ids;
mod ingest;
mod output;
mod pause;
mod redact;
mod register;
mod runtime;
mod shell_kind;
mod store;
mod timefmt;
mod wire;
mod worktree;

use clap::Parser;
use std::path::PathBuf;

/// A failure with a hint for the user, printed as two lines.
#[derive(Debug)]
pub struct Failure {
    pub msg: String,
    pub hint: Option<String>,
    /// A usage error: exit status 2.
    pub usage: bool,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Failure {}

pub fn fail(msg: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure {
        msg: msg.into(),
        hint: Some(hint.into()),
        usage: false,
    })
}

/// Like [`fail`], for a command line that makes no sense (exit status 2).
pub fn usage(msg: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure {
        msg: msg.into(),
        hint: Some(hint.into()),
        usage: true,
    })
}

pub fn home_dir() -> PathBuf {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|u| u.dir)
        })
        .unwrap_or_else(|| PathBuf::from("/"))
}

fn main() {
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            std::process::exit(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cmd::run(cli.command) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            if output::is_broken_pipe(&e) {
                std::process::exit(0);
            }
            let mut code = 1;
            match e.downcast_ref::<Failure>() {
                Some(f) => {
                    eprintln!("devtrace: {}", f.msg);
                    if let Some(h) = &f.hint {
                        eprintln!("hint: {h}");
                    }
                    if f.usage {
                        code = 2;
                    }
                }
                None => eprintln!("devtrace: {e:#}"),
            }
            std::process::exit(code);
        }
    }
}
