//! devtrace-core: every command of devtrace, which the `devtrace` front
//! (src/bin/devtrace.rs) hands on by exec. Parses the command line, runs
//! it, maps the outcome to an exit code (0 ok, 1 failure, 2 usage).

use clap::Parser;
use devtrace::{build, cli, cmd, error};

/// A front of another build than this one, if it handed us its id.
fn foreign_front() -> Option<String> {
    let front = std::env::var_os(build::FRONT_VAR)?;
    // Not for the processes this one starts (ingest, shells, agents).
    std::env::remove_var(build::FRONT_VAR);
    let front = front.to_string_lossy().into_owned();
    (front != build::ID).then_some(front)
}

fn main() {
    if let Some(front) = foreign_front() {
        let me = std::env::current_exe().unwrap_or_default();
        eprintln!(
            "devtrace: {} is from another build ({}) than the devtrace next to it ({front})",
            me.display(),
            build::ID
        );
        eprintln!("hint: build or install both binaries together (cargo build, or ./install.sh)");
        std::process::exit(1);
    }
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            std::process::exit(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cmd::run(cli.command) {
        Ok(code) => std::process::exit(code),
        Err(e) => std::process::exit(error::report(&e)),
    }
}
