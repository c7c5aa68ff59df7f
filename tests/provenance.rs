//! The "what changed" half: the files each command changed, edits between
//! commands, snapshots that never touch the user's repository, notes, and
//! `devtrace diff`. Real shells on a pty, real git repositories.

use crate::support::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn git(w: &World, dir: &Path, args: &[&str]) -> String {
    let out = w.cmd_in("git", dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A repository with one commit and a user for git.
fn repo_with_commit(w: &World) {
    git(w, &w.repo, &["config", "user.email", "t@example.com"]);
    git(w, &w.repo, &["config", "user.name", "T"]);
    std::fs::write(w.repo.join("keep.txt"), "one\ntwo\nthree\n").unwrap();
    std::fs::write(w.repo.join("gone.txt"), "to be deleted\n").unwrap();
    std::fs::write(w.repo.join("old name.txt"), "renamed content\n").unwrap();
    std::fs::create_dir_all(w.repo.join("src/deep")).unwrap();
    std::fs::write(w.repo.join("src/deep/lib.rs"), "pub fn f() {}\n").unwrap();
    std::fs::write(w.repo.join("flip.txt"), "same\n").unwrap();
    git(w, &w.repo, &["add", "-A"]);
    git(w, &w.repo, &["commit", "-qm", "first"]);
}

/// Waits until ingest has taken in the new shell (its session_start is
/// stored, after ingest's first look at the tree), as a person would wait
/// for the prompt. (A command typed within milliseconds of a shell's start,
/// while ingest is still starting, can lose its file changes to the
/// start-up race; see the README's limits.)
fn settle(w: &World, dir: &Path) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let out = w.devtrace(&["sessions", "--json"], dir);
        if !parse_lines(&out.stdout).is_empty() {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "no session started");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `(change, path)` of every file of an edit_files event.
fn files(ev: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = ev["data"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["change"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
}

/// The files the command typed as `line` changed (all its edit_files).
fn changed_by(events: &[Value], line: &str) -> Vec<(String, String)> {
    let cmd = events
        .iter()
        .find(|e| e["type"] == "run_command" && e["data"]["command"] == line)
        .unwrap_or_else(|| panic!("no command {line:?} in {events:#?}"));
    let mut out: Vec<(String, String)> = events
        .iter()
        // Its own, or (when ingest could not look before it began) "this
        // command, or just before it": never another command's.
        .filter(|e| {
            e["type"] == "edit_files"
                && (e["data"]["cause"] == cmd["id"]
                    || e["data"]["causes"] == Value::Array(vec![cmd["id"].clone()]))
        })
        .flat_map(files)
        .collect();
    out.sort();
    out
}

/// The lines `per_shell` types, each a different kind of file change.
const LINES: [&str; 8] = [
    "echo new > added.txt",
    "printf 'one\\nTWO\\nthree\\n' > keep.txt",
    "rm gone.txt",
    "mv 'old name.txt' 'new näme ✓.txt'",
    "printf 'a\\000b\\377' > blob.bin",
    "mkdir -p src/deep/er && echo x > src/deep/er/x.rs",
    "echo changed > flip.txt && echo same > flip.txt",
    "true",
];

/// A finished `shell` session that types `LINES`, then `ls` after an edit
/// made between commands; returns its events.
fn type_the_changes(w: &World, shell: &str) -> Vec<Value> {
    let mut sh = Pty::spawn(w, shell, &w.repo);
    settle(w, &w.repo);
    // At a person's pace: each command is looked at before the next (see
    // tests/attribution.rs for lines pasted at once).
    let before = w.wait_events(&w.repo, &["--type", "run_command"], 0).len();
    for (i, l) in LINES.iter().enumerate() {
        sh.run(l);
        w.wait_events(&w.repo, &["--type", "run_command"], before + i + 1);
    }
    // An edit between commands, well away from either.
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(w.repo.join("keep.txt"), "edited in an editor\n").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    sh.run("ls > /dev/null");
    sh.exit();
    w.ended_session(&w.repo)
}

/// Each typed line changed exactly its own files.
fn check_changes_per_command(evs: &[Value], ctx: &str) {
    let cases: [(&str, &[(&str, &str)]); 6] = [
        (LINES[0], &[("added", "added.txt")]),
        (LINES[1], &[("modified", "keep.txt")]),
        (LINES[2], &[("deleted", "gone.txt")]),
        (LINES[3], &[("renamed", "new näme ✓.txt")]),
        (LINES[4], &[("added", "blob.bin")]),
        (LINES[5], &[("added", "src/deep/er/x.rs")]),
    ];
    for (line, want) in cases {
        assert_eq!(changed_by(evs, line), pairs(want), "{ctx}");
    }
    // Changed and changed back within one command: no change.
    assert_eq!(changed_by(evs, LINES[6]), pairs(&[]), "{ctx}");
    assert_eq!(changed_by(evs, LINES[7]), pairs(&[]), "{ctx}");
    assert_eq!(changed_by(evs, "ls > /dev/null"), pairs(&[]), "{ctx}");
}

/// The changes no command made: the repository filled before the session,
/// and the editor's save before `ls`; and the rename's old name.
fn check_changes_between_commands(evs: &[Value], ctx: &str) {
    // The repository was filled after `devtrace init`, while no shell
    // recorded: the session finds that before its first command. The
    // editor's save belongs to no command either, and sits before `ls`.
    let between: Vec<&Value> = evs
        .iter()
        .filter(|e| {
            e["type"] == "edit_files"
                && e["data"]["cause"].is_null()
                && e["data"].get("causes").is_none()
        })
        .collect();
    assert_eq!(between.len(), 2, "{ctx}");
    assert!(
        files(between[0]).contains(&("added".into(), "gone.txt".into())),
        "{ctx}"
    );
    assert!(between[0]["seq"].as_u64() < commands(evs)[0]["seq"].as_u64());
    assert_eq!(
        files(between[1]),
        pairs(&[("modified", "keep.txt")]),
        "{ctx}"
    );
    let seq_of = |pred: &dyn Fn(&Value) -> bool| {
        evs.iter().find(|e| pred(e)).unwrap()["seq"]
            .as_u64()
            .unwrap()
    };
    assert!(
        between[1]["seq"].as_u64().unwrap() < seq_of(&|e| e["data"]["command"] == "ls > /dev/null"),
        "{ctx}"
    );
    let rename = evs
        .iter()
        .find(|e| e["type"] == "edit_files" && files(e)[0].0 == "renamed")
        .unwrap();
    assert_eq!(rename["data"]["files"][0]["from"], "old name.txt");
}

/// Snapshots at the first command and at the end.
fn check_session_snapshots(w: &World, evs: &[Value], ctx: &str) {
    let snaps: Vec<&Value> = evs.iter().filter(|e| e["type"] == "git_snapshot").collect();
    assert_eq!(snaps.len(), 2, "{ctx}");
    assert_eq!(snaps[0]["data"]["label"], "session start");
    assert_eq!(snaps[0]["data"]["files_changed"], 0, "{ctx}");
    assert_eq!(snaps[1]["data"]["label"], "session end");
    assert_eq!(
        snaps[0]["data"]["head"],
        git(w, &w.repo, &["rev-parse", "HEAD"]).trim()
    );
    assert!(snaps[0]["seq"].as_u64() < commands(evs)[0]["seq"].as_u64());
}

/// `devtrace diff` of the session (names) and of one command (unified diff).
fn check_diffs(w: &World, evs: &[Value], shell: &str) {
    // The session's net change, as git would list it.
    let out = w.devtrace(&["diff", "--session", "latest", "--name-only"], &w.repo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "added.txt",
            "blob.bin",
            "gone.txt",
            "keep.txt",
            "new näme ✓.txt",
            "src/deep/er/x.rs"
        ],
        "{shell}"
    );
    // One command's diff is a unified diff of its change.
    let keep_cmd = evs
        .iter()
        .find(|e| e["data"]["command"] == LINES[1])
        .unwrap();
    let out = w.devtrace(&["diff", keep_cmd["id"].as_str().unwrap()], &w.repo);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "--- a/keep.txt\n+++ b/keep.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n"
        ),
        "{shell}: {text}\n{out:?}\n{evs:#?}"
    );
}

fn per_shell(shell: &str) {
    require(shell);
    require("git");
    let w = World::initialised();
    repo_with_commit(&w);
    let evs = type_the_changes(&w, shell);

    let ctx = format!("{shell}: {evs:#?}");
    check_changes_per_command(&evs, &ctx);
    check_changes_between_commands(&evs, &ctx);
    check_session_snapshots(&w, &evs, &ctx);
    check_diffs(&w, &evs, shell);
}

#[test]
fn bash_records_the_files_each_command_changed() {
    per_shell("bash");
}

#[test]
fn zsh_records_the_files_each_command_changed() {
    per_shell("zsh");
}

#[test]
fn fish_records_the_files_each_command_changed() {
    per_shell("fish");
}

/// Everything of the user's repository a snapshot could disturb, as bytes.
fn repo_state(w: &World) -> String {
    let mut s = String::new();
    for args in [
        &[
            "status",
            "--porcelain=v2",
            "--branch",
            "--untracked-files=all",
        ][..],
        &["log", "--all", "--format=%H %D %s"],
        &["stash", "list"],
        &["for-each-ref"],
        &["rev-parse", "HEAD"],
        &["ls-files", "--stage"],
        &["count-objects", "-v"],
    ] {
        s.push_str(&git(w, &w.repo, args));
    }
    // Every file under .git (objects, refs, index, logs) by content.
    let out = Command::new("sh")
        .current_dir(w.repo.join(".git"))
        .args(["-c", "find . -type f | LC_ALL=C sort | xargs sha1sum"])
        .output()
        .unwrap();
    s.push_str(&String::from_utf8_lossy(&out.stdout));
    s
}

/// A tag, a branch and a stash, then unstaged, staged, untracked and
/// ignored work on top of `repo_with_commit`.
fn repo_with_work_in_progress(w: &World) {
    repo_with_commit(w);
    git(w, &w.repo, &["tag", "v1"]);
    git(w, &w.repo, &["branch", "side"]);
    std::fs::write(w.repo.join("keep.txt"), "stashed\n").unwrap();
    git(w, &w.repo, &["stash", "-q"]);
    // Unstaged, staged and untracked work.
    std::fs::write(w.repo.join("keep.txt"), "work in progress\n").unwrap();
    std::fs::write(w.repo.join("staged.txt"), "staged only\n").unwrap();
    git(w, &w.repo, &["add", "staged.txt"]);
    std::fs::write(w.repo.join("untracked.txt"), "never added\n").unwrap();
    std::fs::write(w.repo.join("ignored.log"), "noise\n").unwrap();
    std::fs::write(w.repo.join(".gitignore"), "*.log\n").unwrap();
}

/// The sorted lines `devtrace ARGS` prints, which must succeed.
fn sorted_lines(w: &World, args: &[&str]) -> Vec<String> {
    let out = w.devtrace(args, &w.repo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    v.sort();
    v
}

/// `devtrace snapshot --label wip` leaves the repository as it was and
/// holds the four changed files; returns its id.
fn check_snapshot_of_work(w: &World) -> String {
    let before = repo_state(w);
    let out = w.devtrace(&["snapshot", "--label", "wip", "--json"], &w.repo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snap: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(before, repo_state(w), "a snapshot changed the repository");
    assert_eq!(snap["type"], "git_snapshot");
    assert_eq!(snap["data"]["label"], "wip");
    assert_eq!(snap["data"]["branch"], "master");
    assert_eq!(snap["data"]["files_changed"], 4, "{snap}");
    let id = snap["id"].as_str().unwrap().to_owned();

    let want = [".gitignore", "keep.txt", "staged.txt", "untracked.txt"];
    assert_eq!(sorted_lines(w, &["diff", "--name-only", &id]), want);
    id
}

/// Throws all of the work away, then prunes everything unreachable.
fn discard_work_and_gc(w: &World) {
    git(w, &w.repo, &["reset", "-q", "--hard"]);
    git(w, &w.repo, &["clean", "-qfdx", "-e", ".devtrace"]);
    git(w, &w.repo, &["stash", "drop", "-q"]);
    // (Once, this machine's git failed a repack with a message from an
    // unrelated tool on its stdin; a second run is git's, not ours.)
    let gc = w
        .cmd_in("git", &w.repo)
        .args(["gc", "-q", "--prune=now"])
        .output()
        .unwrap();
    if !gc.status.success() {
        eprintln!(
            "git gc failed once: {}",
            String::from_utf8_lossy(&gc.stderr)
        );
        git(w, &w.repo, &["gc", "-q", "--prune=now"]);
    }
}

/// The diff of snapshot `id` still shows all of its work, and no ignored file.
fn check_snapshot_survived(w: &World, id: &str) {
    let out = w.devtrace(&["diff", id], &w.repo);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "+staged only",
        "+never added",
        "+work in progress",
        "+*.log",
    ] {
        assert!(text.contains(line), "{line} missing after gc:\n{text}");
    }
    assert!(
        !text.contains("noise"),
        "an ignored file was snapshotted:\n{text}"
    );
}

/// Snapshots before and after a commit and a checkout differ as git says.
fn check_snapshots_around_commit_and_checkout(w: &World) {
    std::fs::write(w.repo.join("keep.txt"), "committed change\n").unwrap();
    let a = snapshot_id(w, "before commit");
    git(w, &w.repo, &["commit", "-qam", "second"]);
    let b = snapshot_id(w, "after commit");
    assert_eq!(
        sorted_lines(w, &["diff", "--name-only", &a, &b]),
        Vec::<String>::new()
    );
    assert_eq!(
        sorted_lines(w, &["diff", "--name-only", &b]),
        Vec::<String>::new()
    );
    git(w, &w.repo, &["checkout", "-q", "side"]);
    let c = snapshot_id(w, "on side");
    assert_eq!(
        sorted_lines(w, &["diff", "--name-only", &b, &c]),
        ["keep.txt"]
    );
}

#[test]
fn snapshots_never_touch_the_repository_and_survive_gc() {
    require("git");
    let w = World::initialised();
    repo_with_work_in_progress(&w);
    let id = check_snapshot_of_work(&w);

    // Throw all of that work away, then prune everything unreachable.
    discard_work_and_gc(&w);
    check_snapshot_survived(&w, &id);

    // Before and after a commit and a checkout.
    check_snapshots_around_commit_and_checkout(&w);
    let before = repo_state(&w);
    snapshot_id(&w, "again");
    assert_eq!(before, repo_state(&w));
}

fn snapshot_id(w: &World, label: &str) -> String {
    let out = w.devtrace(&["snapshot", "-l", label, "--json"], &w.repo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["id"].as_str().unwrap().to_owned()
}

#[test]
fn notes_go_into_the_shell_session_or_one_of_their_own() {
    require("bash");
    let w = World::initialised();
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    sh.run("echo before");
    sh.run("devtrace note 'switching to the retry approach' because tests flake");
    sh.exit();
    let evs = w.ended_session(&w.repo);
    let note = evs.iter().find(|e| e["type"] == "note").expect("a note");
    assert_eq!(
        note["data"]["text"],
        "switching to the retry approach because tests flake"
    );
    let before = evs
        .iter()
        .find(|e| e["data"]["command"] == "echo before")
        .unwrap();
    assert!(note["seq"].as_u64() > before["seq"].as_u64());
    let out = w.devtrace(&["show"], &w.repo);
    assert!(String::from_utf8_lossy(&out.stdout).contains("note: switching to the retry approach"));

    // Outside a recorded shell: a session of its own.
    let out = w.devtrace(&["note", "--json", "from a script"], &w.repo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let evs = w.events(&w.repo, "latest");
    let types: Vec<&str> = evs.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["session_start", "note", "session_end"]);
    assert_eq!(evs[1]["data"]["text"], "from a script");

    // An empty note is a usage error.
    let out = w.devtrace(&["note", "  "], &w.repo);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the note is empty"));
}

#[test]
fn diff_formats_and_errors() {
    require("git");
    let w = World::initialised();
    repo_with_commit(&w);
    std::fs::write(w.repo.join("keep.txt"), "one\n2\nthree\nfour\n").unwrap();
    std::fs::remove_file(w.repo.join("gone.txt")).unwrap();
    std::fs::write(w.repo.join("run.sh"), "#!/bin/sh\n").unwrap();
    let id = snapshot_id(&w, "formats");

    let out = w.devtrace(&["diff", "--stat", &id], &w.repo);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(" keep.txt |     3 ++-"), "{text}");
    assert!(
        text.contains(" 3 files changed, 3 insertions(+), 2 deletions(-)"),
        "{text}"
    );

    let out = w.devtrace(&["diff", "--json", &id], &w.repo);
    let rows = parse_lines(&out.stdout);
    let keep = rows.iter().find(|r| r["path"] == "keep.txt").unwrap();
    assert_eq!(keep["change"], "modified");
    assert_eq!(keep["insertions"], 2);
    assert_eq!(keep["deletions"], 1);
    let gone = rows.iter().find(|r| r["path"] == "gone.txt").unwrap();
    assert_eq!(gone["change"], "deleted");
    assert_eq!(gone["new"], Value::Null);

    // Errors: one line and a hint, exit status 1 (2 for usage).
    let out = w.devtrace(&["diff", "ZZZZZZ"], &w.repo);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no event matches 'ZZZZZZ'"));
    let out = w.devtrace(&["diff", "--stat", "--json", &id], &w.repo);
    assert_eq!(out.status.code(), Some(2));
    let note = w.devtrace(&["note", "--json", "hi"], &w.repo);
    let note: Value = serde_json::from_slice(&note.stdout).unwrap();
    let out = w.devtrace(&["diff", note["id"].as_str().unwrap()], &w.repo);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a note; it changed no files"));
    let out = w.devtrace(&["diff", &id, note["id"].as_str().unwrap()], &w.repo);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a snapshot"));
}

#[test]
fn plain_directories_limits_and_large_files() {
    require("bash");
    let w = World::initialised();
    // A store in a directory that is not a git repository.
    let plain = w.home.join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::write(plain.join("a.txt"), "a\n").unwrap();
    let out = w.devtrace(&["init", "--no-rc"], &plain);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut sh = Pty::spawn_with(&w, "bash", &plain, &[("DEVTRACE_MAX_FILE_BYTES", "1000")]);
    settle(&w, &plain);
    sh.run("echo b >> a.txt");
    sh.run("head -c 5000 /dev/zero | tr '\\0' x > big.txt");
    sh.exit();
    let evs = w.ended_session(&plain);
    assert_eq!(
        changed_by(&evs, "echo b >> a.txt"),
        pairs(&[("modified", "a.txt")])
    );
    let big_cmd = "head -c 5000 /dev/zero | tr '\\0' x > big.txt";
    assert_eq!(changed_by(&evs, big_cmd), pairs(&[("added", "big.txt")]));
    let snap = evs.iter().find(|e| e["type"] == "git_snapshot").unwrap();
    assert_eq!(snap["repo"], Value::Null);
    assert_eq!(snap["data"]["head"], Value::Null);
    // The change itself (given to the command, or to "it or just before").
    let big = evs
        .iter()
        .find(|e| e["type"] == "edit_files" && e["data"]["files"][0]["path"] == "big.txt")
        .unwrap();
    let out = w.devtrace(&["diff", big["id"].as_str().unwrap()], &plain);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("contents not kept"), "{text}");
    let out = w.devtrace(&["diff", "--session", "latest"], &plain);
    assert!(String::from_utf8_lossy(&out.stdout).contains("+b"));

    // A tree over the limit is not scanned; the command says so, once.
    w.wait_ingest_gone();
    let mut sh = Pty::spawn_with(&w, "bash", &w.repo, &[("DEVTRACE_MAX_FILES", "3")]);
    for i in 0..5 {
        sh.run(&format!("echo {i} > f{i}.txt"));
    }
    sh.exit();
    let evs = w.ended_session(&w.repo);
    let unchecked: Vec<&Value> = evs
        .iter()
        .filter(|e| e["data"]["unchecked"].is_string())
        .collect();
    assert_eq!(unchecked.len(), 1, "{evs:#?}");
    assert!(unchecked[0]["data"]["unchecked"]
        .as_str()
        .unwrap()
        .contains("more than 3 files"));
}

#[test]
fn directories_moved_removed_and_ignored() {
    require("bash");
    require("git");
    let w = World::initialised();
    repo_with_commit(&w);
    std::fs::write(w.repo.join(".gitignore"), "target/\n").unwrap();
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    settle(&w, &w.repo);
    let lines = [
        "mkdir -p a/b && echo 1 > a/b/c && echo 2 > a/d",
        "mv a z",
        "mkdir -p target/debug && echo bin > target/debug/app && echo 3 >> z/d",
        "echo '*.tmp' >> .gitignore",
        "echo t > scratch.tmp && echo k > src/deep/kept.rs",
        "rm -r z",
        "mv src moved-src",
    ];
    // At a person's pace: each command is looked at before the next (a
    // moved directory holds what an earlier command wrote; looked at only
    // after both, the change is of both, and is recorded so).
    for (i, l) in lines.iter().enumerate() {
        sh.run(l);
        w.wait_events(&w.repo, &["--type", "run_command"], i + 1);
    }
    sh.exit();
    let evs = w.ended_session(&w.repo);
    let ctx = format!("{evs:#?}");
    assert_eq!(
        changed_by(&evs, lines[0]),
        pairs(&[("added", "a/b/c"), ("added", "a/d")]),
        "{ctx}"
    );
    assert_eq!(
        changed_by(&evs, lines[1]),
        pairs(&[("renamed", "z/b/c"), ("renamed", "z/d")]),
        "{ctx}"
    );
    // Ignored build output is not a change; the edit next to it is.
    assert_eq!(
        changed_by(&evs, lines[2]),
        pairs(&[("modified", "z/d")]),
        "{ctx}"
    );
    assert_eq!(
        changed_by(&evs, lines[3]),
        pairs(&[("modified", ".gitignore")]),
        "{ctx}"
    );
    assert_eq!(
        changed_by(&evs, lines[4]),
        pairs(&[("added", "src/deep/kept.rs")]),
        "{ctx}"
    );
    assert_eq!(
        changed_by(&evs, lines[5]),
        pairs(&[("deleted", "z/b/c"), ("deleted", "z/d")]),
        "{ctx}"
    );
    assert_eq!(
        changed_by(&evs, lines[6]),
        pairs(&[
            ("renamed", "moved-src/deep/kept.rs"),
            ("renamed", "moved-src/deep/lib.rs")
        ]),
        "{ctx}"
    );
}

#[test]
fn diff_is_coloured_on_a_terminal_only_and_snapshot_needs_a_store() {
    require("bash");
    let w = World::initialised();
    std::fs::write(w.repo.join("a.txt"), "one\n").unwrap();
    let id = snapshot_id(&w, "colour");
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    sh.run(&format!("devtrace diff {id}"));
    sh.run(&format!("NO_COLOR=1 devtrace diff {id} | cat -v"));
    let out = sh.output();
    sh.exit();
    assert!(out.contains("\x1b[32m+one\x1b[0m"), "{out:?}");
    assert!(!out.contains("^[["), "colour through a pipe: {out:?}");
    // Piped: plain text.
    let out = w.devtrace(&["diff", &id], &w.repo);
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\x1b'));

    let elsewhere = w.home.join("no-store");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let out = w.devtrace(&["snapshot"], &elsewhere);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no DevTrace store") && err.contains("hint:"),
        "{err}"
    );
}

#[test]
fn one_scan_keeps_a_bounded_amount_of_new_contents() {
    let w = World::initialised();
    for i in 0..3 {
        std::fs::write(w.repo.join(format!("data{i}.bin")), vec![b'a' + i; 600]).unwrap();
    }
    let out = w
        .cmd_in(BIN, &w.repo)
        .args(["snapshot", "--json"])
        .env("DEVTRACE_MAX_SCAN_BYTES", "1000")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snap: Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = w.devtrace(&["diff", "--json", snap["id"].as_str().unwrap()], &w.repo);
    let rows = parse_lines(&out.stdout);
    assert_eq!(rows.len(), 3, "{rows:#?}");
    let kept = rows.iter().filter(|r| r["kept"] == true).count();
    assert_eq!(kept, 1, "{rows:#?}");
    // The change itself is never lost: every file is listed, with its id.
    assert!(rows
        .iter()
        .all(|r| r["new"].is_string() && r["change"] == "added"));
}
