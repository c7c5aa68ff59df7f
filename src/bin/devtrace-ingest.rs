//! devtrace-ingest: the ingest process alone (`src/ingest/`), which the
//! hooks and commands start next to themselves (`ingest::lifecycle`). It
//! stays up as long as any recorded shell, so it links nothing of the
//! commands, the MCP server, the web timeline or the exporters: the kernel
//! maps code around every page a process runs, and a process of the full
//! binary holds more than twice the memory (the benchmark's idle row).

use devtrace::build;
use std::os::unix::process::CommandExt;

fn main() {
    if std::env::args_os().len() > 1 {
        eprintln!(
            "devtrace-ingest: takes no arguments; devtrace starts it (devtrace ingest --spawn)"
        );
        std::process::exit(2);
    }
    // Started by a devtrace of another build (a half-finished install, or
    // `cargo build --bin devtrace`): the full binary of that build, next to
    // this one, runs ingest instead (it checks the id again).
    if std::env::var_os(build::FRONT_VAR).is_some_and(|id| id != build::ID) {
        let core = std::env::current_exe()
            .unwrap_or_default()
            .with_file_name("devtrace-core");
        let err = std::process::Command::new(&core).arg("ingest").exec();
        eprintln!("devtrace-ingest: cannot run {}: {err}", core.display());
        std::process::exit(1);
    }
    std::env::remove_var(build::FRONT_VAR);
    if let Err(e) = devtrace::ingest::run() {
        eprintln!("devtrace ingest: {e:#}");
        std::process::exit(1);
    }
}
