//! What is recorded is recorded once, however it is reached.

use crate::support::*;

#[test]
fn devtrace_exec_typed_in_a_recorded_shell_is_recorded_once() {
    // The shell records the line; exec inside it only runs the command.
    for shell in ["bash", "zsh", "fish"] {
        let w = World::initialised();
        let mut sh = Pty::spawn(&w, shell, &w.repo);
        sh.run("devtrace exec -- echo exec-ran");
        sh.run("devtrace exec --agent aider -- echo exec-agent");
        let out = sh.output();
        sh.exit();
        assert!(
            out.contains("exec-ran") && out.contains("exec-agent"),
            "{out}"
        );
        let evs = w.ended_session(&w.repo);
        assert_eq!(
            texts(&evs),
            [
                "devtrace exec -- echo exec-ran",
                "devtrace exec --agent aider -- echo exec-agent",
                "exit"
            ],
            "{shell}"
        );
        let all = parse_lines(
            &w.devtrace(
                &["log", "--json", "-n", "1000", "--type", "run_command"],
                &w.repo,
            )
            .stdout,
        );
        assert_eq!(
            all.len(),
            3,
            "{shell}: another session recorded it: {all:#?}"
        );
    }
}
