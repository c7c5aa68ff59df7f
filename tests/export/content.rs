//! What leaves the machine in the spans besides names and ids: file
//! changes' diffs only when asked (`--diffs`, `[export] diffs`), tool
//! calls' output unless `[export] tool_output = false`; both redacted.

use super::*;

/// Every `devtrace.file_change` span event of the acknowledged spans, by
/// path and change kind.
fn file_changes(rx: &Receiver) -> Vec<(String, String, Value)> {
    rx.acknowledged()
        .iter()
        .flat_map(|s| s["events"].as_array().unwrap().clone())
        .filter(|e| e["name"] == "devtrace.file_change")
        .map(|e| {
            let a = &e["attrs"];
            (
                a["file.path"][1].as_str().unwrap().to_owned(),
                a["devtrace.change"][1].as_str().unwrap().to_owned(),
                a.clone(),
            )
        })
        .collect()
}

fn diff_of<'a>(changes: &'a [(String, String, Value)], path: &str, kind: &str) -> &'a str {
    let found = changes
        .iter()
        .find(|(p, k, _)| p == path && k == kind)
        .unwrap_or_else(|| panic!("no {kind} {path} in {changes:#?}"));
    let d = &found.2["devtrace.change.diff"];
    assert_eq!(d[0], "string_value", "{path} {kind}: {d}");
    d[1].as_str().unwrap()
}

const SECRET: &str = "hunter2-in-the-file";

/// A bash session whose commands add, change (writing a secret), delete
/// a file, add a binary one and a large one.
fn files_changed() -> World {
    let w = World::initialised();
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    // Each command's change stored before the next runs, so each is a
    // change of its own.
    for (i, line) in [
        "printf 'one\\ntwo\\n' > kept.txt; printf 'bye\\n' > gone.txt".to_owned(),
        format!("printf 'one\\n{SECRET}\\n' > kept.txt"),
        "rm gone.txt".to_owned(),
        "printf '\\000\\001\\002bin' > blob.bin".to_owned(),
        "seq 1 5000 > big.txt".to_owned(),
    ]
    .iter()
    .enumerate()
    {
        sh.run(line);
        w.wait_events(&w.repo, &["--type", "edit_files"], i + 1);
    }
    sh.exit();
    w.ended_session(&w.repo);
    w
}

#[test]
fn diffs_leave_only_when_asked_redacted_and_bounded() {
    let w = files_changed();
    std::fs::write(
        w.repo.join(".devtrace/config.toml"),
        format!("[redact]\npatterns = ['{SECRET}']\n"),
    )
    .unwrap();

    // Without --diffs: paths and change kinds, no diff text.
    let plain = Receiver::start(w.tmp.path(), &[]);
    let out = export(&w, &["otlp", "--endpoint", &plain.url()]);
    assert!(out.status.success(), "{out:?}");
    let changes = file_changes(&plain);
    assert!(changes.len() >= 6, "{changes:#?}");
    for (path, kind, a) in &changes {
        assert!(
            a.get("devtrace.change.diff").is_none(),
            "{path} {kind}: {a}"
        );
    }
    let sent = serde_json::to_string(&plain.requests()).unwrap();
    assert!(!sent.contains("@@ ") && !sent.contains("+one"), "{sent}");

    // With --diffs: each change's unified diff, git's headers.
    let rx = Receiver::start(w.tmp.path(), &[]);
    let out = export(&w, &["otlp", "--endpoint", &rx.url(), "--diffs"]);
    assert!(out.status.success(), "{out:?}");
    let changes = file_changes(&rx);
    let added = diff_of(&changes, "kept.txt", "added");
    for line in [
        "diff --git a/kept.txt b/kept.txt",
        "new file mode 100644",
        "--- /dev/null",
        "+++ b/kept.txt",
        "+one",
        "+two",
    ] {
        assert!(added.lines().any(|l| l == line), "{line:?} in {added}");
    }
    let modified = diff_of(&changes, "kept.txt", "modified");
    assert!(
        modified.contains("--- a/kept.txt\n+++ b/kept.txt\n"),
        "{modified}"
    );
    assert!(modified.contains("\n-two\n"), "{modified}");
    assert!(!modified.contains(SECRET), "{modified}");
    assert!(modified.contains("\n+[REDACTED"), "{modified}");
    let deleted = diff_of(&changes, "gone.txt", "deleted");
    for line in [
        "deleted file mode 100644",
        "--- a/gone.txt",
        "+++ /dev/null",
        "-bye",
    ] {
        assert!(deleted.lines().any(|l| l == line), "{line:?} in {deleted}");
    }
    let binary = diff_of(&changes, "blob.bin", "added");
    assert!(
        binary.ends_with("Binary files /dev/null and b/blob.bin differ\n"),
        "{binary}"
    );
    let big = diff_of(&changes, "big.txt", "added");
    assert!(big.len() <= 8 * 1024 + 200, "{} bytes", big.len());
    assert!(big.contains("\n+1\n+2\n"), "{big}");
    assert!(
        big.ends_with("more bytes: see it whole with `devtrace diff`]\n"),
        "{}",
        &big[big.len() - 200..]
    );
    assert!(!serde_json::to_string(&rx.requests())
        .unwrap()
        .contains(SECRET));

    // `[export] diffs = true` asks for them too.
    std::fs::write(
        w.repo.join(".devtrace/config.toml"),
        format!("[redact]\npatterns = ['{SECRET}']\n[export]\ndiffs = true\n"),
    )
    .unwrap();
    let shown = parse_lines(&w.devtrace(&["config", "--json"], &w.repo).stdout);
    assert_eq!(shown[0]["export.diffs"]["value"], true);
    let cfg = Receiver::start(w.tmp.path(), &[]);
    let out = export(&w, &["otlp", "--endpoint", &cfg.url()]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(diff_of(&file_changes(&cfg), "gone.txt", "deleted"), deleted);
}

/// The agent session's tool spans, by call id.
fn tools(rx: &Receiver) -> std::collections::HashMap<String, Value> {
    rx.acknowledged()
        .into_iter()
        .filter(|s| s["name"] == "execute_tool Bash")
        .map(|s| (sattr(&s, "gen_ai.tool.call.id").to_owned(), s))
        .collect()
}

/// A Claude Code session of three Bash calls: one that succeeds, one whose
/// output holds a secret, one that fails with exit status 1.
fn calls_with_output() -> World {
    let w = World::initialised();
    let sid = "5a6b7c8d-tool-output";
    claude_hook(&w, sid, "SessionStart", json!({"source": "startup"}));
    claude_hook(&w, sid, "UserPromptSubmit", json!({"prompt": "show me"}));
    tool_call(&w, sid, "toolu_ok", "ls", true);
    let input = json!({"command": "cat .env"});
    claude_hook(
        &w,
        sid,
        "PreToolUse",
        json!({"tool_name": "Bash", "tool_use_id": "toolu_secret", "tool_input": input}),
    );
    claude_hook(
        &w,
        sid,
        "PostToolUse",
        json!({"tool_name": "Bash", "tool_use_id": "toolu_secret", "tool_input": input,
               "tool_response": {"stdout": format!("KEY={SECRET}"), "stderr": "", "interrupted": false}}),
    );
    tool_call(&w, sid, "toolu_fail", "false", false);
    claude_hook(&w, sid, "SessionEnd", json!({"reason": "other"}));
    w.ended_session(&w.repo);
    w
}

#[test]
fn tool_output_is_sent_redacted_unless_kept_home() {
    let w = calls_with_output();
    let recorded = w.wait_events(&w.repo, &["--type", "tool_call"], 3);
    let output = |id: &str| {
        recorded
            .iter()
            .find(|e| e["data"]["call_id"] == id)
            .unwrap()["data"]["output"]
            .as_str()
            .unwrap_or_else(|| panic!("{id} recorded no output: {recorded:#?}"))
            .to_owned()
    };
    std::fs::write(
        w.repo.join(".devtrace/config.toml"),
        format!("[redact]\npatterns = ['{SECRET}']\n"),
    )
    .unwrap();

    let rx = Receiver::start(w.tmp.path(), &[]);
    let out = export(&w, &["otlp", "--endpoint", &rx.url()]);
    assert!(out.status.success(), "{out:?}");
    let spans = tools(&rx);
    for id in ["toolu_ok", "toolu_fail"] {
        let t = &spans[id];
        let recorded = output(id);
        assert_eq!(sattr(t, "gen_ai.tool.call.result"), recorded, "{id}");
        assert_eq!(sattr(t, "output.value"), recorded, "{id}");
        assert_eq!(sattr(t, "langfuse.observation.output"), recorded, "{id}");
    }
    assert!(sattr(&spans["toolu_ok"], "output.value").contains("done"));
    // The failed call's exit status (from "Exit code 1") is its error type.
    let failed = &spans["toolu_fail"];
    assert_eq!(attr(failed, "process.exit.code"), &json!(["int_value", 1]));
    assert_eq!(sattr(failed, "error.type"), "1");
    assert_eq!(failed["status"]["code"], 2);
    assert!(attr(&spans["toolu_ok"], "error.type").is_null());
    let secret = sattr(&spans["toolu_secret"], "gen_ai.tool.call.result");
    assert!(secret.starts_with("KEY=[REDACTED"), "{secret}");
    assert!(!serde_json::to_string(&rx.requests())
        .unwrap()
        .contains(SECRET));

    // `[export] tool_output = false`: no output leaves, the calls do.
    std::fs::write(
        w.repo.join(".devtrace/config.toml"),
        "[export]\ntool_output = false\n",
    )
    .unwrap();
    let home = Receiver::start(w.tmp.path(), &[]);
    let out = export(&w, &["otlp", "--endpoint", &home.url()]);
    assert!(out.status.success(), "{out:?}");
    let spans = tools(&home);
    assert_eq!(spans.len(), 3);
    for (id, t) in &spans {
        for key in [
            "gen_ai.tool.call.result",
            "output.value",
            "langfuse.observation.output",
        ] {
            assert!(attr(t, key).is_null(), "{id} sent {key}: {t}");
        }
        assert!(!attr(t, "gen_ai.tool.call.arguments").is_null());
    }
    let sent = serde_json::to_string(&home.requests()).unwrap();
    assert!(!sent.contains("done") && !sent.contains("KEY="), "{sent}");
}
