//! devtrace: the command people and hook scripts run. What a shell runs as
//! it starts (`hook`, `session-start`, `nonblock`) is answered here; every
//! other command is handed to devtrace-core, next to this binary, by exec.
//!
//! Kept small on purpose: a process of the full binary costs about twice as
//! long to start (its size in page faults: relocations, libraries, code),
//! and every new shell waits for the `hook` process. Only the modules named
//! here are linked in (tests/startup.rs checks the size).

use devtrace::{build, register, runtime, shell_kind::Shell};
use std::ffi::OsString;
use std::os::unix::process::CommandExt;

fn main() {
    let args: Vec<OsString> = std::env::args_os().collect();
    let words: Option<Vec<&str>> = args.iter().skip(1).map(|a| a.to_str()).collect();
    // Only the exact forms the hook scripts and the rc line use; anything
    // else (help, a typo) gets devtrace-core's full command-line parser.
    let run = match words.as_deref() {
        Some(["hook", shell]) => Shell::from_name(shell).map(register::hook),
        Some(["session-start", "--shell", shell, "--pid", pid]) => {
            match (Shell::from_name(shell), pid.parse::<i32>()) {
                (Some(s), Ok(p)) => Some(register::session_start(s, p)),
                _ => None,
            }
        }
        Some(["nonblock"]) => Some(register::nonblock()),
        _ => None,
    };
    match run {
        Some(Ok(code)) => std::process::exit(code),
        Some(Err(e)) => {
            eprintln!("devtrace: {e:#}");
            std::process::exit(1);
        }
        None => {
            let core =
                runtime::core_exe().unwrap_or_else(|_| std::path::PathBuf::from("devtrace-core"));
            // The core checks that it comes from this build (src/build.rs).
            let err = std::process::Command::new(&core)
                .arg0(args.first().cloned().unwrap_or_else(|| "devtrace".into()))
                .args(&args[1..])
                .env(build::FRONT_VAR, build::ID)
                .exec();
            eprintln!("devtrace: cannot run {}: {err}", core.display());
            eprintln!(
                "hint: devtrace-core belongs next to devtrace; install both again (./install.sh)"
            );
            std::process::exit(1);
        }
    }
}
