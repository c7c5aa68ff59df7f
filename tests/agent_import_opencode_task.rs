//! `devtrace agent import opencode`: the subagents opencode's `task` tool
//! starts, each in a child session (`parent_id` the caller's), read under
//! the call that started them, from the database and from the older JSON
//! storage alike.

use crate::agent_import::{fixture, imported, of_type, search_finds, types};
use crate::agent_import_opencode::{create_db, import, insert, store_files};
use crate::support::*;
use serde_json::Value;
use std::path::PathBuf;

const PARENT: &str = "ses_6e0a1b2c3d4eTaskRun1";
const CHILD: &str = "ses_6e0a1b2c3d4fChild001";

/// The calling session and the subagent's, as `opencode export` prints
/// each, in this repository.
fn sessions(w: &World) -> (Value, Value) {
    let text = fixture("opencode.task.export.json").replace("$REPO", &w.repo.to_string_lossy());
    let v: Vec<Value> = serde_json::from_str(&text).unwrap();
    (v[0].clone(), v[1].clone())
}

/// `$XDG_DATA_HOME` with both sessions in opencode's database.
fn in_database(w: &World) -> PathBuf {
    let xdg = w.home.join("xdg-data");
    let data = xdg.join("opencode");
    std::fs::create_dir_all(&data).unwrap();
    let db = create_db(&data);
    let (parent, child) = sessions(w);
    insert(&db, &parent, None);
    insert(&db, &child, Some(PARENT));
    xdg
}

/// `$XDG_DATA_HOME` with both sessions in opencode's older JSON storage.
fn in_files(w: &World) -> PathBuf {
    let xdg = w.home.join("xdg-data");
    let storage = xdg.join("opencode/storage");
    let (parent, child) = sessions(w);
    store_files(&storage, &parent);
    store_files(&storage, &child);
    xdg
}

/// One session: the subagent's calls and answer follow the call that
/// started them, each run of a resumed child under its own call.
fn nested(s: &[Value]) {
    let want = [
        "session_start",
        "prompt",
        "tool_call",
        "tool_call",
        "tool_call",
        "turn_end",
        "tool_call",
        "tool_call",
        "tool_call",
        "turn_end",
        "turn_end",
    ];
    assert_eq!(types(s), want, "{s:#?}");
    assert_eq!(s[0]["data"]["agent_session"], PARENT);
    // The session's model is the caller's, not the subagent's.
    assert_eq!(s[0]["data"]["model"], "claude-sonnet-4-5");
    assert_eq!(of_type(s, "prompt").len(), 1, "{s:#?}");
    let calls = of_type(s, "tool_call");
    let ids: Vec<&str> = calls
        .iter()
        .map(|c| c["data"]["call_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "toolu_task1",
            "toolu_s1",
            "toolu_s2",
            "toolu_t2",
            "toolu_task2",
            "toolu_s3"
        ]
    );
    let sub = serde_json::json!({"id": CHILD, "type": "explore"});
    for task in [calls[0], calls[4]] {
        assert_eq!(task["data"]["started_subagent"], sub, "{task}");
        assert!(task["data"].get("subagent").is_none(), "{task}");
    }
    for c in [calls[1], calls[2], calls[5]] {
        assert_eq!(c["data"]["subagent"], sub, "{c}");
        assert_eq!(c["data"]["agent_session"], PARENT, "{c}");
        assert!(c["data"].get("started_subagent").is_none(), "{c}");
    }
    assert!(calls[3]["data"].get("subagent").is_none(), "{}", calls[3]);
    // The subagent's own reasons, output and failures.
    assert_eq!(calls[1]["data"]["reasoning"], "grep finds the calls.");
    assert_eq!(calls[1]["data"]["exit_code"], 0);
    assert_eq!(calls[2]["data"]["reasoning"], "Let me read it.");
    assert_eq!(calls[2]["data"]["is_error"], true);
    assert_eq!(calls[5]["data"]["exit_code"], 1);
    // The caller's reasons are its own, not the subagent's last words.
    assert_eq!(calls[3]["data"]["reasoning"], "Fixing report.rs.");
    let turns = of_type(s, "turn_end");
    for (t, said) in [
        (turns[0], "report.rs:3 calls total()."),
        (turns[1], "No callers in tests."),
    ] {
        assert_eq!(t["data"]["subagent"], sub, "{t}");
        assert_eq!(t["data"]["message"], said, "{t}");
        assert_eq!(t["data"]["model"], "claude-haiku-4-5", "{t}");
    }
    assert_eq!(turns[0]["data"]["usage"]["input_tokens"], 5000);
    let last = &turns[2]["data"];
    assert!(last.get("subagent").is_none(), "{last}");
    assert_eq!(
        last["message"],
        "report.rs now calls sum(); the tests have no other callers."
    );
    assert_eq!(last["usage"]["input_tokens"], 20000);
}

#[test]
fn opencode_subagents_are_nested_under_the_task_call_that_started_them() {
    let w = World::initialised();
    let xdg = in_database(&w);
    import(&w, &xdg, &[]);
    let s = imported(&w);
    assert_eq!(s.len(), 1, "{s:#?}");
    nested(&s[0]);
    // The subagent's output is searchable, and importing again adds nothing.
    search_finds(&w, "kingfisher", "toolu_s1");
    let out = import(&w, &xdg, &[]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(", 0 new"),
        "{out:?}"
    );
}

#[test]
fn opencode_subagents_of_the_older_storage_are_nested_too() {
    let w = World::initialised();
    let xdg = in_files(&w);
    let out = import(&w, &xdg, &[]);
    // The child's own file is no session of its own.
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("11 events from 1 session, 11 new"),
        "{out:?}"
    );
    let s = imported(&w);
    assert_eq!(s.len(), 1, "{s:#?}");
    nested(&s[0]);
}
