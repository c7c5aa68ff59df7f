//! devtrace-ingest: the ingest process alone (`src/ingest/`), which the
//! hooks and commands start next to themselves (`ingest::lifecycle`). It
//! stays up as long as any recorded shell, so it links nothing of the
//! commands, the MCP server, the web timeline or the exporters: the kernel
//! maps code around every page a process runs, and ingest from the full
//! binary held 12.1 MB idle against 8.5 MB from this one (the benchmark's
//! idle row).

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
        let core = devtrace::runtime::core_exe().unwrap_or_default();
        let err = std::process::Command::new(&core).arg("ingest").exec();
        eprintln!("devtrace-ingest: cannot run {}: {err}", core.display());
        std::process::exit(1);
    }
    std::env::remove_var(build::FRONT_VAR);
    if let Err(e) = devtrace::ingest::run() {
        eprintln!("devtrace-ingest: {e:#}");
        std::process::exit(1);
    }
}
