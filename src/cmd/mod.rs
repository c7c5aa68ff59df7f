//! One file per subcommand, each a small `run`.

mod agent_cmd;
mod agent_hook;
mod agent_install;
#[cfg(feature = "testing")]
mod bench_fill;
#[cfg(feature = "testing")]
mod bench_scan;
pub mod config;
mod diff;
mod doctor;
mod exec;
mod explain;
mod forget;
mod gc;
mod init;
mod init_agents;
mod log;
mod note;
mod pause;
mod search;
mod sessions;
mod shell;
mod show;
mod snapshot;
mod stats;

use crate::cli::Command;
use anyhow::Result;

/// Runs a subcommand; returns the exit code.
pub fn run(command: Command) -> Result<i32> {
    match command {
        Command::Init(a) => init::run(a),
        Command::Hook { shell } => crate::register::hook(shell),
        Command::Sessions(a) => sessions::run(a),
        Command::Show(a) => show::run(a),
        Command::Log(a) => log::run(a),
        Command::Snapshot(a) => snapshot::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Note(a) => note::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Exec(a) => exec::run(a),
        Command::Shell(a) => shell::run(a),
        Command::Agent(crate::cli::AgentCmd::Install { name, uninstall }) => {
            agent_install::run(&name, uninstall)
        }
        Command::Agent(crate::cli::AgentCmd::Hook { name }) => agent_hook::run(&name),
        Command::Search(a) => search::run(a),
        Command::Stats(a) => stats::run(a),
        Command::Pause(a) => pause::pause(a),
        Command::Resume(a) => pause::resume(a),
        Command::Forget(a) => forget::run(a),
        Command::Gc(a) => gc::run(a),
        Command::Config(a) => config::run(a),
        Command::Man { out_dir } => {
            use clap::CommandFactory;
            // As generate_to builds it, so both print the same top page.
            let mut cli = crate::cli::Cli::command().disable_help_subcommand(true);
            cli.build();
            match out_dir {
                Some(d) => clap_mangen::generate_to(cli, d)?,
                None => clap_mangen::Man::new(cli).render(&mut std::io::stdout())?,
            }
            Ok(0)
        }
        Command::Doctor(a) => doctor::run(a),
        Command::Reindex(a) => {
            let mut s = crate::resolve::open_store(&a)?;
            s.reindex()?;
            println!(
                "devtrace: rebuilt the index of {} ({} events)",
                s.dir().display(),
                s.count_events()?
            );
            Ok(0)
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let sh = match shell {
                crate::cli::Shell::Bash => clap_complete::Shell::Bash,
                crate::cli::Shell::Zsh => clap_complete::Shell::Zsh,
                crate::cli::Shell::Fish => clap_complete::Shell::Fish,
            };
            clap_complete::generate(
                sh,
                &mut crate::cli::Cli::command(),
                "devtrace",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
        Command::Ingest { spawn } => {
            if spawn {
                let dir = crate::runtime::ensure_dir()?;
                let pid = crate::ingest::ensure(&dir)?;
                println!("{pid}");
            } else {
                crate::ingest::run()?;
            }
            Ok(0)
        }
        Command::SessionStart { shell, pid } => crate::register::session_start(shell, pid),
        #[cfg(feature = "testing")]
        Command::BenchScan { dir, rounds } => bench_scan::run(&dir, rounds),
        #[cfg(feature = "testing")]
        Command::BenchFill {
            dir,
            events,
            sessions,
        } => bench_fill::run(&dir, events, sessions),
        Command::AgentCmd { shell, pid, text } => agent_cmd::run(shell, pid, &text),
        Command::Nonblock => crate::register::nonblock(),
    }
}
