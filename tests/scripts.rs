//! The printed hook scripts parse in their shells and pass shellcheck; the
//! committed completions match the command line.

use crate::support::*;
use std::process::Command;

fn hook(shell: &str) -> String {
    let w = World::new();
    let out = w.devtrace(&["hook", shell], &w.repo);
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn check_with(program: &str, args: &[&str], script: &str) {
    require(program);
    let out = output_with_stdin(Command::new(program).args(args), script.as_bytes());
    assert!(
        out.status.success(),
        "{program} {args:?} rejects the hook:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn hooks_parse_in_their_shells() {
    check_with("bash", &["-n"], &hook("bash"));
    check_with("zsh", &["-n"], &hook("zsh"));
    check_with("fish", &["--no-execute"], &hook("fish"));
}

#[test]
fn bash_hook_passes_shellcheck() {
    check_with("shellcheck", &["-s", "bash", "-"], &hook("bash"));
}

#[test]
fn hook_never_forks_on_the_command_path() {
    // The per-command functions may not use command substitution or
    // external programs; only start-up and revival may.
    for (shell, script) in [
        ("bash", hook("bash")),
        ("zsh", hook("zsh")),
        ("fish", hook("fish")),
    ] {
        let mut in_hot = false;
        for line in script.lines() {
            let t = line.trim();
            if t.starts_with("__devtrace_preexec()")
                || t.starts_with("__devtrace_precmd()")
                || t.starts_with("__devtrace_finish()")
                || t.starts_with("__devtrace_send()")
                || t.starts_with("__devtrace_send_cmd()")
                || t.starts_with("__devtrace_send_exit()")
                || t.starts_with("function __devtrace_preexec")
                || t.starts_with("function __devtrace_postexec")
            {
                in_hot = true;
            } else if t == "}" || t == "end" {
                in_hot = false;
            }
            if in_hot && !t.starts_with('#') {
                assert!(
                    !t.contains("$("),
                    "{shell}: command substitution on the hot path: {t}"
                );
                assert!(!t.contains('`'), "{shell}: backticks on the hot path: {t}");
                if shell == "fish" {
                    assert!(
                        !t.contains(" (") && !t.starts_with('('),
                        "{shell}: command substitution: {t}"
                    );
                }
            }
        }
    }
}

#[test]
fn committed_completions_are_up_to_date() {
    let w = World::new();
    for (shell, file) in [
        ("bash", "completions/devtrace.bash"),
        ("zsh", "completions/_devtrace"),
        ("fish", "completions/devtrace.fish"),
    ] {
        let out = w.devtrace(&["completions", shell], &w.repo);
        let committed =
            std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
                .unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            committed,
            "{file} is stale: run ./scripts/completions.sh"
        );
    }
}

#[test]
fn completions_load_in_each_shell() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let d = dir.display();
    // compinit replaces its dump file: never let it be /dev/null (as root,
    // that turns the machine's /dev/null into a regular file).
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("zcompdump");
    let dump = dump.display();
    for (shell, args) in [
        (
            "bash",
            vec![
                "-c".to_owned(),
                format!("source {d}/devtrace.bash && complete -p devtrace"),
            ],
        ),
        (
            "zsh",
            vec![
                "-fc".to_owned(),
                format!("autoload -Uz compinit && compinit -u -d {dump} && source {d}/_devtrace"),
            ],
        ),
        (
            "fish",
            vec!["--no-execute".to_owned(), format!("{d}/devtrace.fish")],
        ),
    ] {
        require(shell);
        let out = Command::new(shell).args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn agents_scripts_parse_and_pass_shellcheck() {
    let bash = std::fs::read_to_string("shell/agents.bash")
        .unwrap()
        .replace("@DEVTRACE_BIN@", "'/usr/bin/devtrace'");
    let zsh = std::fs::read_to_string("shell/agents.zsh")
        .unwrap()
        .replace("@DEVTRACE_BIN@", "'/usr/bin/devtrace'");
    check_with("bash", &["-n"], &bash);
    check_with("zsh", &["-n"], &zsh);
    check_with("shellcheck", &["-s", "bash", "-"], &bash);
}
