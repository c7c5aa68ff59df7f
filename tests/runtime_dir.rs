//! What stays in the runtime directory: once a command is stored, its raw
//! bytes are gone from the shell's spool file and ingest's journal within
//! seconds, while the shell goes on recording.

use crate::support::*;
use std::time::{Duration, Instant};

/// Waits until a stored command contains `marker`.
fn wait_stored(w: &World, marker: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let evs = w.wait_events(&w.repo, &["--type", "run_command"], 1);
        if texts(&evs).iter().any(|t| t.contains(marker)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{marker} never stored: {:#?}",
            texts(&evs)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits (up to 5 s) until no file of the runtime directory holds `marker`.
fn wait_wiped(w: &World, marker: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = files_holding(&w.runtime(), marker);
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{marker} is stored, yet still in the runtime directory 5 s later: {left:#?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn stored_commands_leave_no_raw_text_in_the_runtime_directory() {
    require("bash");
    require("zsh");
    require("fish");
    let w = World::initialised();
    let tag = std::process::id();
    for shell in ["bash", "zsh", "fish"] {
        let mut sh = Pty::spawn(&w, shell, &w.repo);
        let first = format!("lingers{tag}{shell}first");
        sh.run(&format!("echo {first}"));
        wait_stored(&w, &first);
        wait_wiped(&w, &first);
        // The shell goes on recording into the same files.
        let second = format!("lingers{tag}{shell}second");
        sh.run(&format!("echo {second} | cat"));
        wait_stored(&w, &second);
        wait_wiped(&w, &second);
        sh.exit();
    }
    let got = texts(&w.wait_events(&w.repo, &["--type", "run_command"], 9));
    for shell in ["bash", "zsh", "fish"] {
        for (word, line) in [
            ("first", format!("echo lingers{tag}{shell}first")),
            ("second", format!("echo lingers{tag}{shell}second | cat")),
        ] {
            let n = got.iter().filter(|t| **t == line).count();
            assert_eq!(n, 1, "{shell}'s {word} command stored {n} times: {got:#?}");
        }
    }
}
