//! bash with bash-preexec however an rc file loads it, and lines the shell
//! rejects: typed on a pseudo-terminal, read back through `--json`.

use crate::support::*;
use serde_json::{json, Value};

fn bash_preexec_path() -> String {
    let p = std::env::var("DEVTRACE_TEST_BASH_PREEXEC").unwrap_or_default();
    assert!(
        !p.is_empty() && std::path::Path::new(&p).is_file(),
        "bash-preexec.sh not found: set DEVTRACE_TEST_BASH_PREEXEC to its path (./scripts/test.sh fetches it)"
    );
    p
}

/// A bash whose rc file is `before`, the hook line, then `after`; types
/// `lines`, then `devtrace doctor`; returns the terminal output and the
/// session's events.
fn bash_with(before: &str, after: &str, lines: &[&str]) -> (String, Vec<Value>) {
    let w = World::new();
    w.write_rc(before, "", "");
    assert!(w
        .devtrace(&["init", "--shell", "bash"], &w.repo)
        .status
        .success());
    w.append_rc("bash", after);
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    for l in lines {
        sh.run(l);
    }
    sh.run("devtrace doctor");
    let out = sh.output();
    sh.exit();
    (out, w.ended_session(&w.repo))
}

fn assert_recorded(events: &[Value], lines: &[&str], exits: &[i64], how: &str) {
    let mut want: Vec<&str> = lines.to_vec();
    want.extend(["devtrace doctor", "exit"]);
    assert_eq!(texts(events), want, "{how}: recorded commands differ");
    let cmds = commands(events);
    for (i, e) in exits.iter().enumerate() {
        assert_eq!(
            cmds[i]["data"]["exit_code"],
            json!(e),
            "{how}: {:?}",
            lines[i]
        );
    }
}

const LINES: [&str; 3] = ["false | (exit 6)", "echo \"pc=$__pc\"", "(cd /; exit 2)"];

#[test]
fn bash_preexec_in_every_place_an_rc_file_loads_it() {
    let bp = bash_preexec_path();
    let src = format!("source '{bp}'");
    let pc = "__user_pc() { __pc=$?; }";
    let cases = [
        (
            "before the hook",
            format!("{src}\n{pc}\nprecmd_functions+=(__user_pc)"),
            String::new(),
            "bash-preexec's hook arrays",
        ),
        (
            "after the hook",
            String::new(),
            format!("{src}\n{pc}\nprecmd_functions+=(__user_pc)"),
            "bash-preexec's hook arrays",
        ),
        (
            "sourced twice",
            src.clone(),
            format!("{src}\n{pc}\nprecmd_functions+=(__user_pc)"),
            "bash-preexec's hook arrays",
        ),
        (
            "PROMPT_COMMAND replaced after both",
            src.clone(),
            format!("{pc}\nPROMPT_COMMAND=__user_pc"),
            "DevTrace's own DEBUG trap",
        ),
        (
            "PROMPT_COMMAND replaced between",
            format!("{src}\n{pc}\nPROMPT_COMMAND=__user_pc"),
            String::new(),
            "DevTrace's own DEBUG trap",
        ),
    ];
    for (how, before, after, path) in cases {
        let (out, events) = bash_with(&before, &after, &LINES);
        assert!(out.contains("pc=6"), "{how}: the user's hook saw:\n{out}");
        assert_recorded(&events, &LINES, &[6, 0, 2], how);
        assert!(
            out.contains(&format!("it records through {path}")),
            "{how}: doctor does not say {path}:\n{out}"
        );
        assert_eq!(
            commands(&events)[0]["data"]["pipestatus"],
            json!([1, 6]),
            "{how}"
        );
    }
}

#[test]
fn bash_records_lines_it_rejects_with_status_2() {
    let bp = bash_preexec_path();
    let lines = ["echo (", "echo ok", "if then", "fi", "echo \"s=$?\""];
    for (how, before) in [
        ("own hooks", String::new()),
        ("bash-preexec", format!("source '{bp}'")),
    ] {
        let (out, events) = bash_with(&before, "", &lines);
        assert!(out.contains("s=2"), "{how}: $? changed:\n{out}");
        assert_recorded(&events, &lines, &[2, 0, 2, 2, 0], how);
    }
}

#[test]
fn bash_records_when_a_later_rc_line_empties_or_unsets_prompt_command() {
    let bp = bash_preexec_path();
    for (how, before) in [
        ("own hooks", String::new()),
        ("bash-preexec loaded before", format!("source '{bp}'")),
    ] {
        for after in [
            "PROMPT_COMMAND=",
            "unset PROMPT_COMMAND",
            "PROMPT_COMMAND=()",
        ] {
            // A first line that runs only in a subshell fires no DEBUG trap
            // in the shell: only PS0 can put our entry back before the
            // prompt, or every later line's status is lost. That first line
            // itself is not recorded (README, Limits), and doctor counts it.
            let lines = ["(exit 3)", LINES[0], LINES[1], LINES[2]];
            let how = format!("{how}, then {after}");
            let (out, events) = bash_with(&before, after, &lines);
            // bash-preexec makes PROMPT_COMMAND an array (bash 5.1 on), and
            // `PROMPT_COMMAND=` empties only its first element: our entry
            // stays, the first prompt takes the history base, and the first
            // line is recorded like any other.
            let entry_kept = !before.is_empty() && after == "PROMPT_COMMAND=";
            let how = format!("{how} (rc left our entry: {entry_kept})");
            if entry_kept {
                assert_recorded(&events, &lines, &[3, 6, 0, 2], &how);
            } else {
                assert_recorded(&events, &LINES, &[6, 0, 2], &how);
                assert!(
                    out.contains("skipped: not in bash history (private or ignored line) (1)"),
                    "{how}: doctor does not count the first line:\n{out}"
                );
            }
            assert!(
                out.contains("it records through DevTrace's own DEBUG trap"),
                "{how}: doctor does not say which path records:\n{out}"
            );
        }
        // And a first line that does run a command in the shell.
        let (_, events) = bash_with(&before, "unset PROMPT_COMMAND", &LINES);
        let how = format!("{how}, then unset PROMPT_COMMAND, a first line in the shell");
        assert_recorded(&events, &LINES, &[6, 0, 2], &how);
    }
}
