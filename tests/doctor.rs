//! What doctor and init say about the set-up: hook lines written by hand,
//! a repository whose commands go to the global store, a slow first scan.

use crate::support::*;
use std::time::Duration;

/// Hand-written rc lines in every form the README shows or a user writes.
const BASH_LINES: &[&str] = &[
    r#"eval "$(devtrace hook bash)""#,
    r#"eval "$(command devtrace  hook bash)" || true"#,
    "if command -v devtrace >/dev/null; then\n  source <(devtrace hook bash)\nfi",
];

#[test]
fn doctor_accepts_hand_written_hook_lines_and_init_adds_no_second() {
    let w = World::new();
    let bin = std::path::Path::new(BIN).display().to_string();
    let zsh_line = format!(r#"eval "$({bin} hook zsh)""#);
    for (i, bash) in BASH_LINES.iter().enumerate() {
        let fish = [
            "devtrace hook fish | source",
            "source (devtrace hook fish | psub)",
        ][i % 2];
        w.write_rc(bash, &zsh_line, fish);
        // Outside a recorded shell: the rc files are read, leniently.
        let out = w.devtrace(&["doctor", "--json"], &w.repo);
        let report = &parse_lines(&out.stdout)[0];
        let hook = &report["checks"][0];
        assert_eq!(hook["ok"], true, "{bash:?}: {report:#}");
        assert!(
            hook["what"].as_str().unwrap().contains("bash, zsh, fish"),
            "{report:#}"
        );
        // And `devtrace init` does not add the line a second time.
        let before = std::fs::read_to_string(w.home.join(".bashrc")).unwrap();
        let out = w.devtrace(&["init"], &w.repo);
        assert!(out.status.success(), "{out:?}");
        let after = std::fs::read_to_string(w.home.join(".bashrc")).unwrap();
        assert_eq!(before, after, "init added a second hook line");
        for f in [".zshrc", ".config/fish/config.fish"] {
            let t = std::fs::read_to_string(w.home.join(f)).unwrap();
            assert!(!t.contains("added by devtrace init"), "{f}: {t}");
        }
    }
    // A recorded shell whose hook came from no rc file (eval'd by hand):
    // doctor sees the hook loaded and is content.
    w.write_rc("", "", "");
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    sh.run(r#"eval "$(devtrace hook bash)""#);
    sh.run("devtrace doctor; echo doctor=$?");
    let out = sh.output();
    sh.exit();
    assert!(out.contains("the hook is loaded in this shell"), "{out}");
    assert!(out.contains("doctor=0"), "{out}");
}

#[test]
fn doctor_says_when_a_repository_records_into_the_global_store() {
    let w = World::initialised();
    let out = w.devtrace(&["doctor", "--json"], &w.repo);
    let report = &parse_lines(&out.stdout)[0];
    assert!(!report.to_string().contains("global store"), "{report:#}");
    // The repository's store removed: commands here go to ~/.devtrace.
    std::fs::remove_dir_all(w.repo.join(".devtrace")).unwrap();
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    sh.run("echo lands-in-the-global-store");
    sh.exit();
    // `echo` and `exit`.
    w.wait_events(&w.home, &["--type", "run_command"], 2);
    let out = w.devtrace(&["doctor", "--json"], &w.repo);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = &parse_lines(&out.stdout)[0];
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["what"].as_str().unwrap().contains("global store"))
        .unwrap_or_else(|| panic!("doctor does not say so: {report:#}"));
    assert_eq!(check["ok"], false, "{check:#}");
    let what = check["what"].as_str().unwrap();
    assert!(what.contains(".devtrace/ is gone"), "{what}");
    assert!(what.contains("2 commands run here"), "{what}");
    assert!(check["fix"].as_str().unwrap().starts_with("devtrace init"));

    // A repository never set up: said too, as a note.
    let other = w.home.join("other");
    std::fs::create_dir(&other).unwrap();
    assert!(w
        .cmd_in("git", &other)
        .args(["init", "-q"])
        .status()
        .unwrap()
        .success());
    let out = w.devtrace(&["doctor"], &other);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("note  ~/other has no .devtrace/, so commands here go to the global store"),
        "{text}"
    );
}

/// A repository of `n` small untracked files.
fn many_files(w: &World, n: usize) -> std::path::PathBuf {
    let big = w.home.join("big");
    for d in 0..n / 1000 {
        let dir = big.join(format!("d{d}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..1000 {
            std::fs::write(dir.join(format!("f{f}.txt")), format!("{d} {f}\n")).unwrap();
        }
    }
    assert!(w
        .cmd_in("git", &big)
        .args(["init", "-q"])
        .status()
        .unwrap()
        .success());
    big
}

#[test]
fn a_slow_first_scan_says_so_on_a_terminal_only() {
    let w = World::new();
    w.write_rc("", "", "");
    let big = many_files(&w, 2_000);
    let mut sh = Pty::spawn(&w, "bash", &big);
    // Any scan is "slow" with no time allowed: the notice is certain.
    sh.send("DEVTRACE_FIRST_LOOK_AFTER_MS=0 devtrace init --no-rc; echo init=$?\r");
    sh.wait_prompt(Duration::from_secs(120));
    let out = sh.output();
    sh.exit();
    assert!(out.contains("init=0"), "{out}");
    assert!(
        out.contains("devtrace: taking the first look at the files here…"),
        "{out}"
    );
    assert!(
        out.contains("devtrace: took the first look at 2,000 files in "),
        "{out}"
    );

    // Not a terminal: nothing but the result lines.
    let w2 = World::new();
    let quiet = many_files(&w2, 2_000);
    let out = w2
        .cmd_in(BIN, &quiet)
        .args(["init", "--no-rc"])
        .env("DEVTRACE_FIRST_LOOK_AFTER_MS", "0")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("first look"), "{text}");
}
