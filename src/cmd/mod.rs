//! One file per subcommand, each a small `run`.

mod agent_cmd;
mod agent_hook;
mod agent_import;
mod agent_install;
#[cfg(feature = "testing")]
mod bench_fill;
#[cfg(feature = "testing")]
mod bench_scan;
mod completions;
pub mod config;
mod diff;
mod doctor;
mod exec;
mod explain;
mod export;
mod forget;
mod gc;
mod ingest;
mod init;
mod init_agents;
mod log;
mod man;
mod mcp;
mod note;
mod pause;
mod reindex;
mod search;
mod sessions;
mod shell;
mod show;
mod snapshot;
mod stats;
mod tool_detail;
mod ui;

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
        Command::Agent(crate::cli::AgentCmd::Install {
            name,
            uninstall,
            user,
        }) => agent_install::run(&name, uninstall, user),
        Command::Agent(crate::cli::AgentCmd::Import { name, since }) => {
            agent_import::run(&name, &since)
        }
        Command::Agent(crate::cli::AgentCmd::Hook { name, event }) => {
            agent_hook::run(&name, event.as_deref())
        }
        Command::Mcp(c) => mcp::run(c),
        Command::Ui(a) => ui::run(a),
        Command::Search(a) => search::run(a),
        Command::Stats(a) => stats::run(a),
        Command::Pause(a) => pause::pause(a),
        Command::Resume(a) => pause::resume(a),
        Command::Forget(a) => forget::run(a),
        Command::Gc(a) => gc::run(a),
        Command::Config(a) => config::run(a),
        Command::Man { out_dir } => man::run(out_dir),
        Command::Doctor(a) => doctor::run(a),
        Command::Export(a) => export::run(a),
        Command::Reindex(a) => reindex::run(a),
        Command::Completions { shell } => completions::run(shell),
        Command::Ingest { spawn } => ingest::run(spawn),
        Command::SessionStart { shell, pid } => crate::register::session_start(shell, pid),
        #[cfg(feature = "testing")]
        Command::BenchScan {
            dir,
            rounds,
            firsts,
        } => bench_scan::run(&dir, rounds, firsts),
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
