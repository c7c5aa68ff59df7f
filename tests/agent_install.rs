//! `devtrace agent install NAME` for every agent: merged beside what is
//! there, once; `--uninstall` gives back exactly what was there (and takes
//! away the files and folders it created); `--user` writes the agent's
//! settings in the home directory.

use crate::support::*;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// The JSON agents: where the project's hooks go, someone else's hooks
/// already there, and DevTrace's entry for one event, found in the file.
struct JsonAgent {
    name: &'static str,
    file: &'static str,
    mine: &'static str,
    event: &'static str,
    ours: fn(&Value) -> Value,
}

const JSON_AGENTS: &[JsonAgent] = &[
    JsonAgent {
        name: "codex",
        file: ".codex/hooks.json",
        mine: r#"{"hooks":{"PreToolUse":[{"matcher":"Bash","hooks":[{"type":"command","command":"./policy.sh","timeout":30}]}]}}"#,
        event: "PreToolUse",
        ours: |list| list[1]["hooks"][0]["command"].clone(),
    },
    JsonAgent {
        name: "cursor",
        file: ".cursor/hooks.json",
        mine: r#"{"version":1,"hooks":{"afterFileEdit":[{"command":"./format.sh"}],"preToolUse":[{"command":"./audit.sh"}]}}"#,
        event: "preToolUse",
        ours: |list| list[1]["command"].clone(),
    },
    JsonAgent {
        name: "gemini-cli",
        file: ".gemini/settings.json",
        mine: r#"{"theme":"GitHub","hooks":{"BeforeTool":[{"matcher":"write_file","hooks":[{"type":"command","command":"./lint.sh"}]}]}}"#,
        event: "BeforeTool",
        ours: |list| list[1]["hooks"][0]["command"].clone(),
    },
];

fn check_json_agent(w: &World, a: &JsonAgent) {
    let path = w.repo.join(a.file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, a.mine).unwrap();
    ok(&w.devtrace(&["agent", "install", a.name], &w.repo));
    let v = json(&path);
    let list = &v["hooks"][a.event];
    assert_eq!(list.as_array().unwrap().len(), 2, "{}: {v}", a.name);
    assert_eq!(
        (a.ours)(list),
        format!("devtrace agent hook {}", a.name),
        "{}",
        a.name
    );
    // Twice is once.
    let first = std::fs::read(&path).unwrap();
    let out = ok(&w.devtrace(&["agent", "install", a.name], &w.repo));
    assert!(out.contains("already there"), "{out}");
    assert_eq!(first, std::fs::read(&path).unwrap(), "{}", a.name);
    // Uninstall gives back what was there.
    ok(&w.devtrace(&["agent", "install", a.name, "--uninstall"], &w.repo));
    assert_eq!(
        json(&path),
        serde_json::from_str::<Value>(a.mine).unwrap(),
        "{}",
        a.name
    );
}

#[test]
fn json_agents_merge_once_and_uninstall_restores() {
    let w = World::initialised();
    for a in JSON_AGENTS {
        check_json_agent(&w, a);
    }
}

/// In a project without the agent's folder: install creates the file and
/// folders, uninstall removes them all, nothing else.
#[test]
fn install_creates_and_uninstall_removes_what_it_created() {
    let w = World::initialised();
    let cases: &[(&str, &str, &str)] = &[
        ("codex", ".codex/hooks.json", ".codex"),
        ("cursor", ".cursor/hooks.json", ".cursor"),
        ("copilot", ".github/hooks/devtrace.json", ".github"),
        ("opencode", ".opencode/plugins/devtrace.js", ".opencode"),
        ("cline", ".clinerules/hooks/PreToolUse", ".clinerules"),
    ];
    for (name, file, top) in cases {
        ok(&w.devtrace(&["agent", "install", name], &w.repo));
        assert!(w.repo.join(file).is_file(), "{name}");
        ok(&w.devtrace(&["agent", "install", name, "--uninstall"], &w.repo));
        assert!(!w.repo.join(top).exists(), "{name}: {top} left behind");
    }
    // Copilot's file is DevTrace's own, one entry per event, each naming it.
    ok(&w.devtrace(&["agent", "install", "copilot"], &w.repo));
    let v = json(&w.repo.join(".github/hooks/devtrace.json"));
    assert_eq!(v["version"], 1);
    assert_eq!(
        v["hooks"]["postToolUse"][0]["bash"],
        "devtrace agent hook copilot --event postToolUse"
    );
    assert_eq!(v["hooks"]["preToolUse"][0]["type"], "command");
    // Another file of .github/ stays, and so does the folder.
    std::fs::write(w.repo.join(".github/CODEOWNERS"), "* @me\n").unwrap();
    ok(&w.devtrace(&["agent", "install", "copilot", "--uninstall"], &w.repo));
    assert!(!w.repo.join(".github/hooks").exists());
    assert!(w.repo.join(".github/CODEOWNERS").is_file());
}

/// Cline runs one file per hook: DevTrace's are executables of its own; a
/// hook file that is someone else's is left alone.
#[test]
fn cline_hook_files_are_added_beside_others_and_removed() {
    let w = World::initialised();
    let dir = w.repo.join(".clinerules/hooks");
    std::fs::create_dir_all(&dir).unwrap();
    let theirs = "#!/bin/sh\necho '{\"cancel\":false}'\n";
    std::fs::write(dir.join("PreToolUse"), theirs).unwrap();
    let out = w.devtrace(&["agent", "install", "cline"], &w.repo);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("PreToolUse is another hook"));
    assert_eq!(
        std::fs::read_to_string(dir.join("PreToolUse")).unwrap(),
        theirs
    );
    let post = dir.join("PostToolUse");
    let text = std::fs::read_to_string(&post).unwrap();
    assert!(text.contains("exec devtrace agent hook cline"), "{text}");
    let mode = std::fs::metadata(&post).unwrap().permissions().mode();
    assert_eq!(mode & 0o111, 0o111, "{mode:o}");
    ok(&w.devtrace(&["agent", "install", "cline", "--uninstall"], &w.repo));
    let left: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(left, [dir.join("PreToolUse")]);
}

#[test]
fn user_scope_writes_the_agents_home_settings() {
    let w = World::initialised();
    ok(&w.devtrace(&["agent", "install", "cursor", "--user"], &w.repo));
    let v = json(&w.home.join(".cursor/hooks.json"));
    assert_eq!(
        v["hooks"]["postToolUse"][0]["command"],
        "devtrace agent hook cursor"
    );
    assert!(!w.repo.join(".cursor").exists());
    ok(&w.devtrace(&["agent", "install", "opencode", "--user"], &w.repo));
    assert!(w
        .home
        .join(".config/opencode/plugins/devtrace.js")
        .is_file());
    ok(&w.devtrace(
        &["agent", "install", "cursor", "--user", "--uninstall"],
        &w.repo,
    ));
    assert!(!w.home.join(".cursor").exists());
    // Copilot CLI reads hooks from the repository only.
    let out = w.devtrace(&["agent", "install", "copilot", "--user"], &w.repo);
    assert_eq!(out.status.code(), Some(2));
    // A plugin file of the same name that is not DevTrace's is not replaced.
    let theirs = w.repo.join(".opencode/plugins/devtrace.js");
    std::fs::create_dir_all(theirs.parent().unwrap()).unwrap();
    std::fs::write(&theirs, "export const X = async () => ({})\n").unwrap();
    let out = w.devtrace(&["agent", "install", "opencode"], &w.repo);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not DevTrace's plugin"));
}

/// `doctor` lists the agents whose hooks are installed here, and whether
/// they fired recently.
#[test]
fn doctor_lists_installed_agents_and_whether_their_hooks_fired() {
    let w = World::initialised();
    ok(&w.devtrace(&["agent", "install", "claude-code"], &w.repo));
    ok(&w.devtrace(&["agent", "install", "cursor", "--user"], &w.repo));
    let checks = |w: &World| -> Vec<Value> {
        let out = w.devtrace(&["doctor", "--json"], &w.repo);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["what"].as_str().unwrap().contains(": hooks in "))
            .cloned()
            .collect()
    };
    let c = checks(&w);
    assert_eq!(c.len(), 2, "{c:#?}");
    assert_eq!(
        c[0]["what"],
        "claude-code: hooks in .claude/settings.json; never fired here"
    );
    assert!(c[0]["fix"]
        .as_str()
        .unwrap()
        .contains("start a claude-code session"));
    assert_eq!(
        c[1]["what"],
        "cursor: hooks in ~/.cursor/hooks.json; never fired here"
    );
    // A hook fires: doctor says when.
    let transcript = w.home.join("t.jsonl");
    crate::agent_sessions::play(&w, "claude-code", &transcript);
    crate::agent_sessions::session(&w, "claude-code");
    let c = checks(&w);
    let what = c[0]["what"].as_str().unwrap();
    assert!(what.contains("; last fired "), "{c:#?}");
    assert!(c[0]["fix"].is_null(), "{c:#?}");
    // Uninstalled: no longer listed.
    ok(&w.devtrace(&["agent", "install", "claude-code", "--uninstall"], &w.repo));
    assert_eq!(checks(&w).len(), 1);
}
