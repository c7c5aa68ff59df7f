//! The command line as a user meets it: init, errors, permissions, doctor.

use crate::support::*;
use std::os::unix::fs::PermissionsExt;

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn init_creates_a_private_store_excluded_from_git() {
    let w = World::new();
    w.write_rc("", "", "");
    let out = w.devtrace(&["init"], &w.repo);
    assert!(out.status.success());
    let dir = w.repo.join(".devtrace");
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("events.jsonl")), 0o600);
    assert_eq!(mode(&dir.join("devtrace.db")), 0o600);
    let exclude = std::fs::read_to_string(w.repo.join(".git/info/exclude")).unwrap();
    assert!(exclude.lines().any(|l| l == ".devtrace/"));
    let status = w
        .cmd_in("git", &w.repo)
        .args(["status", "--porcelain", "--ignored"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&status.stdout).contains(".devtrace/"));
    let untracked = w
        .cmd_in("git", &w.repo)
        .args(["status", "--porcelain"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&untracked.stdout).contains(".devtrace"));
    // From a subdirectory, init finds the repository root.
    std::fs::create_dir(w.repo.join("src")).unwrap();
    let again = w.devtrace(&["init", "--no-rc"], &w.repo.join("src"));
    assert!(again.status.success());
    assert!(!w.repo.join("src/.devtrace").exists());
    let exclude = std::fs::read_to_string(w.repo.join(".git/info/exclude")).unwrap();
    assert_eq!(exclude.matches(".devtrace/").count(), 1);
}

#[test]
fn init_adds_one_rc_line_per_shell_and_uninstall_removes_exactly_it() {
    let w = World::new();
    w.write_rc("alias ll='ls -l'", "alias ll='ls -l'", "alias ll 'ls -l'");
    let rcs = [
        w.home.join(".bashrc"),
        w.home.join(".zshrc"),
        w.home.join(".config/fish/config.fish"),
    ];
    let before: Vec<String> = rcs
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(w.devtrace(&["init"], &w.repo).status.success());
    assert!(w.devtrace(&["init"], &w.repo).status.success());
    for (p, b) in rcs.iter().zip(&before) {
        let now = std::fs::read_to_string(p).unwrap();
        assert_eq!(now.matches("devtrace hook").count(), 1, "{}", p.display());
        assert!(now.starts_with(b.as_str()));
    }
    let out = w.devtrace(&["init", "--uninstall"], &w.repo);
    assert!(out.status.success());
    for (p, b) in rcs.iter().zip(&before) {
        assert_eq!(&std::fs::read_to_string(p).unwrap(), b, "{}", p.display());
    }
    // --no-rc leaves rc files alone.
    assert!(w.devtrace(&["init", "--no-rc"], &w.repo).status.success());
    for (p, b) in rcs.iter().zip(&before) {
        assert_eq!(&std::fs::read_to_string(p).unwrap(), b);
    }
}

#[test]
fn bad_input_gets_one_clear_line_and_the_right_status() {
    let w = World::initialised();
    let out = w.devtrace(&["show", "--session", "nope"], &w.repo);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("devtrace: no session matches 'nope'"),
        "{err}"
    );

    let out = w.devtrace(&["hook", "tcsh"], &w.repo);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bash") && err.contains("zsh") && err.contains("fish"),
        "{err}"
    );

    let elsewhere = w.tmp.path().join("plain");
    std::fs::create_dir(&elsewhere).unwrap();
    let out = w.devtrace(&["sessions"], &elsewhere);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("devtrace init"), "{err}");
    assert!(err.lines().count() <= 2, "{err}");

    // Arguments that make no sense are usage errors.
    let out = w.devtrace(&["log", "--since", "soon"], &w.repo);
    assert_eq!(out.status.code(), Some(2));
    let out = w.devtrace(&["log", "--type", "nonsense"], &w.repo);
    assert_eq!(out.status.code(), Some(2));
    let out = w.devtrace(&["frobnicate"], &w.repo);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn review_commands_read_back_a_session() {
    let w = World::initialised();
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    sh.run("false");
    sh.run("echo first");
    sh.exit();
    let events = w.ended_session(&w.repo);
    let session = events[0]["session"].as_str().unwrap();

    let out = w.devtrace(&["sessions", "--json"], &w.repo);
    let rows = parse_lines(&out.stdout);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["session"], session);
    assert_eq!(rows[0]["commands"], 3);
    assert_eq!(rows[0]["failures"], 1);
    assert_eq!(rows[0]["shell"], "bash");

    let human = w.devtrace(&["sessions"], &w.repo);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains(&session[..12]) && text.contains("bash"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "colour on a pipe: {text}");

    // A prefix, in any case, finds the session.
    let by_prefix = w.events(&w.repo, &session[..8].to_lowercase());
    assert_eq!(by_prefix.len(), events.len());

    let show = w.devtrace(&["show"], &w.repo);
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(
        text.contains("echo first") && text.contains("false"),
        "{text}"
    );

    let log = w.devtrace(
        &["log", "--json", "--type", "run_command", "--limit", "2"],
        &w.repo,
    );
    let evs = parse_lines(&log.stdout);
    assert_eq!(texts(&evs), vec!["echo first", "exit"]);
    let since = w.devtrace(&["log", "--json", "--since", "1h"], &w.repo);
    assert_eq!(parse_lines(&since.stdout).len(), events.len());
    let until = w.devtrace(&["log", "--json", "--until", "2000-01-01"], &w.repo);
    assert!(parse_lines(&until.stdout).is_empty());

    // `devtrace log | head -c 1` exits quietly, and with 0, when the log
    // is far longer than a pipe holds (3,000 events: some 150 KB).
    crate::forget::add_old(&w, "MANY", 3000, 0);
    let piped = w
        .cmd_in("bash", &w.repo)
        .args([
            "-c",
            "devtrace log -n 100000 | head -c 1 >/dev/null; echo \"status=${PIPESTATUS[0]}\"",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&piped.stderr);
    assert!(err.is_empty(), "{err}");
    assert_eq!(String::from_utf8_lossy(&piped.stdout), "status=0\n");
    let full = w.devtrace(&["log", "-n", "100000"], &w.repo);
    assert!(
        full.stdout.len() > 128 * 1024,
        "{} bytes",
        full.stdout.len()
    );
}

#[test]
fn a_loose_runtime_dir_is_refused_and_doctor_says_why() {
    let w = World::initialised();
    let rt = w.run.join("devtrace");
    std::fs::create_dir(&rt).unwrap();
    std::fs::set_permissions(&rt, std::fs::Permissions::from_mode(0o777)).unwrap();
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    sh.run("echo not recorded");
    sh.run("devtrace doctor; echo doctor=$?");
    let out = sh.output();
    sh.exit();
    assert!(out.contains("doctor=1"), "{out}");
    assert!(out.contains("mode 777"), "{out}");
    assert!(!rt.join("ingest.pid").exists());
    let found = std::fs::read_dir(&rt).unwrap().count();
    assert_eq!(found, 0, "something was created in a loose runtime dir");
}

#[test]
fn a_runtime_dir_owned_by_someone_else_is_refused() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test needs root (it gives a directory away); CI runs as root"
    );
    let w = World::initialised();
    let rt = w.run.join("devtrace");
    std::fs::create_dir(&rt).unwrap();
    std::fs::set_permissions(&rt, std::fs::Permissions::from_mode(0o700)).unwrap();
    nix::unistd::chown(&rt, Some(nix::unistd::Uid::from_raw(65534)), None).unwrap();
    let mut sh = Pty::spawn(&w, "fish", &w.repo);
    sh.run("echo not recorded");
    sh.run("devtrace doctor; echo doctor=$status");
    let out = sh.output();
    sh.exit();
    assert!(
        out.contains("doctor=1") && out.contains("owned by uid 65534"),
        "{out}"
    );
    assert_eq!(std::fs::read_dir(&rt).unwrap().count(), 0);
}

#[test]
fn a_symlinked_runtime_dir_is_never_followed() {
    let w = World::initialised();
    let elsewhere = w.tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::symlink(&elsewhere, w.run.join("devtrace")).unwrap();
    let mut sh = Pty::spawn(&w, "zsh", &w.repo);
    sh.run("echo hi");
    sh.exit();
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn doctor_reports_a_working_shell() {
    let w = World::initialised();
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    sh.run("devtrace doctor; echo doctor=$?");
    let out = sh.output();
    sh.exit();
    assert!(out.contains("doctor=0"), "{out}");
    assert!(out.contains("this shell is recorded as session"), "{out}");
    assert!(out.contains("ingest is running"), "{out}");
}

#[test]
fn the_front_hands_on_to_its_core_and_says_when_it_is_missing() {
    let w = World::initialised();
    // Through the front: devtrace-core's parser, its name and its statuses.
    let out = w.devtrace(&["--version"], &w.repo);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("devtrace "));
    let out = w.devtrace(&["session-start", "--shell", "bash"], &w.repo);
    assert_eq!(out.status.code(), Some(2), "a malformed form goes to clap");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: devtrace session-start"));

    // A front copied alone: hook scripts still print, the rest says what is
    // missing in one line and a hint, with status 1.
    let lone = w.tmp.path().join("lone");
    std::fs::create_dir(&lone).unwrap();
    std::fs::copy(BIN, lone.join("devtrace")).unwrap();
    let bin = lone.join("devtrace");
    let out = w
        .cmd_in(bin.to_str().unwrap(), &w.repo)
        .arg("sessions")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("devtrace: cannot run "), "{err}");
    assert!(err.contains("devtrace-core"), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
    let out = w
        .cmd_in(bin.to_str().unwrap(), &w.repo)
        .args(["hook", "zsh"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("__devtrace_init"));
}

#[test]
fn a_core_from_another_build_refuses_to_run_for_the_front() {
    let w = World::initialised();
    let core = std::path::Path::new(BIN).with_file_name("devtrace-core");
    let out = w
        .cmd_in(core.to_str().unwrap(), &w.repo)
        .args(["note", "must not be stored"])
        .env("DEVTRACE_FRONT_BUILD", "0.0.0-0000000000000000")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("devtrace: "), "{err}");
    assert!(err.contains("another build"), "{err}");
    assert!(err.contains("0.0.0-0000000000000000"), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
    // Nothing ran: the note is not in the store.
    let notes = w.devtrace(&["log", "--json", "--type", "note"], &w.repo);
    assert!(parse_lines(&notes.stdout).is_empty(), "{notes:?}");
    // The same build through the front runs, and hands nothing on to the
    // processes it starts.
    let out = w
        .cmd_in(BIN, &w.repo)
        .args([
            "exec",
            "--agent",
            "t",
            "--",
            "sh",
            "-c",
            "echo ${DEVTRACE_FRONT_BUILD-unset}",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "unset\n");
}

/// Ingest runs from devtrace-ingest, the pipeline alone, when it is next to
/// the front (as install.sh puts it); without it, from devtrace-core, and
/// the shell is recorded all the same.
#[test]
fn ingest_runs_from_its_own_binary_or_else_from_the_core() {
    let here = std::path::Path::new(BIN);
    for with_ingest in [true, false] {
        let w = World::new();
        let bin = w.tmp.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let mut names = vec!["devtrace", "devtrace-core"];
        if with_ingest {
            names.push("devtrace-ingest");
        }
        for name in &names {
            std::fs::copy(here.with_file_name(name), bin.join(name)).unwrap();
        }
        w.write_rc(
            &format!("eval \"$({}/devtrace hook bash)\"", bin.display()),
            "",
            "",
        );
        std::fs::create_dir(w.repo.join(".devtrace")).unwrap();
        let mut sh = Pty::spawn(&w, "bash", &w.repo);
        sh.run("echo recorded");
        let evs = w.wait_events(&w.repo, &["--type", "run_command"], 1);
        assert_eq!(evs[0]["data"]["command"], "echo recorded");
        let pid = w.ingest_pid().expect("ingest runs");
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap();
        let want = if with_ingest {
            "devtrace-ingest"
        } else {
            "devtrace-core"
        };
        assert_eq!(exe, bin.join(want), "with devtrace-ingest: {with_ingest}");
        sh.exit();
    }
}

/// A devtrace-ingest started by a devtrace of another build (a half-done
/// install) hands over to the devtrace-core next to it; it takes no
/// arguments.
#[test]
fn a_devtrace_ingest_of_another_build_hands_over_to_the_core() {
    let w = World::new();
    let bin = w.tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let ingest = bin.join("devtrace-ingest");
    std::fs::copy(
        std::path::Path::new(BIN).with_file_name("devtrace-ingest"),
        &ingest,
    )
    .unwrap();
    // A stand-in core that notes how it was started.
    let core = bin.join("devtrace-core");
    std::fs::write(
        &core,
        "#!/bin/sh\nprintf '%s|%s\\n' \"$*\" \"$DEVTRACE_FRONT_BUILD\" > \"$0.ran\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&core, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = w
        .cmd_in(ingest.to_str().unwrap(), &w.repo)
        .env("DEVTRACE_FRONT_BUILD", "0.0.0-0000000000000000")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let ran = std::fs::read_to_string(bin.join("devtrace-core.ran")).unwrap();
    assert_eq!(ran, "ingest|0.0.0-0000000000000000\n");

    let out = w
        .cmd_in(ingest.to_str().unwrap(), &w.repo)
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("devtrace-ingest: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
