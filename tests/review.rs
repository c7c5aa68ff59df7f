//! Reading the record: search, stats, the pager, colour, pipes, the man page.

use crate::support::*;
use serde_json::Value;
use std::process::Stdio;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn searched(w: &World, args: &[&str]) -> Vec<String> {
    let mut a = vec!["search", "--json"];
    a.extend_from_slice(args);
    let out = w.devtrace(&a, &w.repo);
    texts(&parse_lines(&out.stdout))
}

/// A finished bash session of cargo-ish echoes (one in `sub`, one failing),
/// and one command of the agent `bot`.
fn record_search_fixtures(w: &World) {
    std::fs::create_dir(w.repo.join("sub")).unwrap();
    let mut sh = Pty::spawn(w, "bash", &w.repo);
    sh.run("echo cargo test --workspace");
    sh.run("echo cargo build --release");
    sh.run("(exit 3) || false # cargo test failing");
    sh.run("cd sub");
    sh.run("echo cargo testing in sub");
    sh.run("cd ..");
    sh.run("echo 'naïve café' && echo done");
    sh.run("echo unrelated");
    sh.exit();
    w.ended_session(&w.repo);
    let out = w.devtrace(
        &[
            "exec", "--agent", "bot", "--", "echo", "cargo", "test", "by", "bot",
        ],
        &w.repo,
    );
    assert!(out.status.success());
    w.wait_events(&w.repo, &["--agent", "bot", "--type", "run_command"], 1);
}

/// Word prefixes, every word required, best match first; punctuation and accents.
fn check_search_words(w: &World) {
    let hits = searched(w, &["cargo", "te"]);
    assert_eq!(hits.len(), 4, "{hits:?}");
    assert!(
        hits.iter()
            .all(|h| h.contains("cargo") && h.contains("test")),
        "{hits:?}"
    );
    assert!(!hits.iter().any(|h| h.contains("build")));
    assert_eq!(searched(w, &["release"]), ["echo cargo build --release"]);
    // Punctuation splits words the way the index does; accents fold.
    assert_eq!(
        searched(w, &["--", "--release"]),
        ["echo cargo build --release"]
    );
    assert_eq!(searched(w, &["cafe"]), ["echo 'naïve café' && echo done"]);
    // Only punctuation: a plain substring.
    assert_eq!(searched(w, &["&&"]), ["echo 'naïve café' && echo done"]);
    assert_eq!(
        searched(w, &["\"quoted", "OR", "NEAR("]),
        Vec::<String>::new()
    );
}

/// Search's filters: failed, cwd, agent, human, time, count, session.
fn check_search_filters(w: &World) {
    assert_eq!(
        searched(w, &["cargo", "--failed"]),
        ["(exit 3) || false # cargo test failing"]
    );
    assert_eq!(
        searched(w, &["cargo", "--cwd", "sub"]),
        ["echo cargo testing in sub"]
    );
    assert_eq!(
        searched(w, &["cargo", "--agent", "bot"]),
        ["echo cargo test by bot"]
    );
    assert_eq!(searched(w, &["cargo", "--human"]).len(), 4);
    assert_eq!(searched(w, &["cargo", "--since", "1h"]).len(), 5);
    assert!(searched(w, &["cargo", "--until", "1h"]).is_empty());
    assert_eq!(searched(w, &["cargo", "-n", "2"]).len(), 2);
    let latest = w.devtrace(&["sessions", "--json", "--human"], &w.repo);
    let sid = parse_lines(&latest.stdout)[0]["session"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(searched(w, &["cargo", "--session", &sid]).len(), 4);
}

/// Human output: aligned columns, relative times; no match is status 1.
fn check_search_text_and_errors(w: &World) {
    let out = w.devtrace(&["search", "cargo", "build"], &w.repo);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.starts_with("WHEN "), "{text}");
    assert!(
        text.contains(" ago ") || text.contains("just now"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "colour without a terminal: {text}");
    let out = w.devtrace(&["search", "nothing-like-this"], &w.repo);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no command matches"),
        "{}",
        stderr(&out)
    );
    let out = w.devtrace(&["search", "x", "--since", "someday"], &w.repo);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read 'someday'"));
    let out = w.devtrace(&["search"], &w.repo);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn search_ranks_and_filters_commands() {
    require("bash");
    let w = World::initialised();
    record_search_fixtures(&w);

    check_search_words(&w);
    check_search_filters(&w);
    check_search_text_and_errors(&w);
}

/// A bash session with one failure, two failing `bot` commands, and one
/// command in a second store; returns that store's directory.
fn record_stats_fixtures(w: &World) -> std::path::PathBuf {
    let mut sh = Pty::spawn(w, "bash", &w.repo);
    sh.run("git status --short");
    sh.run("git status");
    sh.run("git frobnicate 2>/dev/null");
    sh.run("sleep 0.3");
    sh.exit();
    w.ended_session(&w.repo);
    for _ in 0..2 {
        let out = w.devtrace(&["exec", "--agent", "bot", "--", "false"], &w.repo);
        assert_eq!(out.status.code(), Some(1));
    }
    // A second repository, for --global.
    let other = w.home.join("other");
    std::fs::create_dir(&other).unwrap();
    assert!(w
        .cmd_in("git", &other)
        .args(["init", "-q"])
        .status()
        .unwrap()
        .success());
    assert!(w.devtrace(&["init", "--no-rc"], &other).status.success());
    assert!(w.devtrace(&["exec", "--", "true"], &other).status.success());
    w.wait_events(&w.repo, &["--agent", "bot", "--type", "run_command"], 2);
    w.wait_events(&other, &["--type", "run_command"], 1);
    other
}

/// `devtrace stats --json` of this store: counts, who, most used and failing, hours.
fn check_stats_json(w: &World) {
    let out = w.devtrace(&["stats", "--json"], &w.repo);
    assert!(out.status.success(), "{}", stderr(&out));
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    // bash: git status --short, git status, git frobnicate, sleep, exit.
    assert_eq!(s["commands"], 7, "{s:#}");
    assert_eq!(s["failures"], 3, "{s:#}");
    assert_eq!(s["sessions"], 2, "{s:#}");
    assert!(s["time_ms"].as_i64().unwrap() >= 300);
    let who: Vec<(&str, i64, i64)> = s["by_who"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["who"].as_str().unwrap(),
                w["commands"].as_i64().unwrap(),
                w["failures"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(who, [("person", 5, 1), ("bot", 2, 2)]);
    // Two each; equal counts sort by name.
    let most: Vec<(&str, i64)> = s["most_used"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["command"].as_str().unwrap(),
                c["commands"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(most[..2], [("false", 2), ("git status", 2)], "{most:?}");
    assert_eq!(s["most_failing"][0]["command"], "false");
    assert_eq!(
        s["hours"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_i64().unwrap())
            .sum::<i64>(),
        7
    );
}

/// `stats --global` counts every store, `other`'s included.
fn check_stats_global(w: &World, other: &std::path::Path) {
    let out = w.devtrace(
        &[
            "stats",
            "--json",
            "--since",
            "2026-01-01T00:00:00Z",
            "--global",
        ],
        &w.repo,
    );
    let g: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(g["commands"], 8, "{g:#}");
    assert!(g["stores"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["store"] == other.join(".devtrace").to_str().unwrap()));
}

/// `stats --since` works, and the human report has its sections.
fn check_stats_text(w: &World) {
    let out = w.devtrace(&["stats", "--since", "1s"], &w.repo);
    assert!(out.status.success());
    let out = w.devtrace(&["stats"], &w.repo);
    let text = stdout(&out);
    for part in [
        "7 commands in 2 sessions, 3 failed",
        "MOST USED",
        "MOST FAILING",
        "BUSIEST HOURS",
        "git status",
    ] {
        assert!(text.contains(part), "{part:?} missing:\n{text}");
    }
}

#[test]
fn stats_count_people_agents_failures_and_stores() {
    require("bash");
    let w = World::initialised();
    let other = record_stats_fixtures(&w);

    check_stats_json(&w);
    check_stats_global(&w, &other);
    check_stats_text(&w);
}

/// A pager that marks every line it shows, and records that it ran.
fn fake_pager(w: &World) -> String {
    let p = w.home.join("pager.sh");
    std::fs::write(
        &p,
        "#!/bin/sh\ntouch \"$HOME/pager-ran\"\nsed 's/^/PAGED|/'\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn terminal_output_pages_and_colours_pipes_stay_plain() {
    require("bash");
    let w = World::initialised();
    let pager = fake_pager(&w);
    let mut sh = Pty::spawn_with(&w, "bash", &w.repo, &[("PAGER", &pager)]);
    sh.run("echo first; (exit 4)");
    w.wait_events(&w.repo, &["--type", "run_command"], 1);
    sh.run("devtrace log --type run_command");
    let shown = sh.output();
    assert!(shown.contains("PAGED|"), "{shown}");
    assert!(
        shown.contains("\x1b[31m"),
        "no colour on a terminal: {shown}"
    );
    assert!(w.home.join("pager-ran").exists());
    std::fs::remove_file(w.home.join("pager-ran")).unwrap();
    // NO_COLOR, and display.color / display.pager from the config.
    let plain = |sh: &mut Pty, line: &str, why: &str| {
        let before = sh.output().len();
        sh.run(line);
        let shown = sh.output()[before..].to_owned();
        assert!(shown.contains("echo first; (exit 4)"), "{why}: {shown}");
        assert!(!shown.contains("\x1b[31m"), "{why}: colour: {shown}");
    };
    plain(
        &mut sh,
        "NO_COLOR=1 devtrace log --type run_command",
        "NO_COLOR",
    );
    assert!(w.home.join("pager-ran").exists());
    std::fs::write(
        w.repo.join(".devtrace/config.toml"),
        "[display]\npager = ''\ncolor = 'never'\n",
    )
    .unwrap();
    std::fs::remove_file(w.home.join("pager-ran")).unwrap();
    plain(
        &mut sh,
        "devtrace log --type run_command",
        "color = 'never'",
    );
    sh.run("devtrace sessions");
    assert!(
        !w.home.join("pager-ran").exists(),
        "display.pager = '' still paged"
    );
    // log --follow never pages; `log | head` ends quietly.
    sh.run("devtrace log | head -n 1; echo \"status ${PIPESTATUS[0]}\"");
    let tail = sh.tail(400);
    assert!(tail.contains("status 0"), "{tail}");
    assert!(
        !tail.contains("Broken pipe") && !tail.contains("panicked"),
        "{tail}"
    );
    sh.exit();

    // Many lines (far more than a pipe holds) into a reader that goes
    // away at once.
    crate::forget::add_old(&w, "MANY", 3000, 0);
    let mut many = w.cmd_in(BIN, &w.repo);
    many.args(["log", "-n", "100000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = many.spawn().unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn man_page_and_completions_are_generated_from_the_cli() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let w = World::new();
    let out = w.devtrace(&["man"], &w.repo);
    assert!(out.status.success());
    let committed =
        std::fs::read(root.join("man/devtrace.1")).expect("man/devtrace.1 is committed");
    assert!(
        committed == out.stdout,
        "man/devtrace.1 is out of date: run scripts/completions.sh"
    );
    // One page per subcommand, each as the CLI makes it.
    let fresh = tempfile::tempdir().unwrap();
    let dir = fresh.path().to_str().unwrap();
    assert!(w
        .devtrace(&["man", "--out-dir", dir], &w.repo)
        .status
        .success());
    let mut pages: Vec<_> = std::fs::read_dir(fresh.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    pages.sort();
    let mut committed: Vec<_> = std::fs::read_dir(root.join("man"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    committed.sort();
    assert_eq!(
        pages, committed,
        "man/ is out of date: run scripts/completions.sh"
    );
    for p in &pages {
        assert!(
            std::fs::read(fresh.path().join(p)).unwrap()
                == std::fs::read(root.join("man").join(p)).unwrap(),
            "man/{} is out of date: run scripts/completions.sh",
            p.to_string_lossy()
        );
    }
    assert!(pages.iter().any(|p| p == "devtrace-search.1"));
    let text = stdout(&out);
    for cmd in ["search", "stats", "forget", "pause", "config"] {
        assert!(text.contains(cmd), "{cmd} not in the man page");
    }
    assert!(
        text.starts_with(".ie") || text.contains(".TH devtrace 1"),
        "{text}"
    );
}
