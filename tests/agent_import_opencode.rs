//! `devtrace agent import opencode`: opencode's sessions, from its SQLite
//! database (`opencode.db`: `session`, `message`, `part`) and from the
//! JSON files it kept before (`storage/session|message|part/`).

use crate::agent_import::{
    fixture, imported, of_type, said, search_finds, types, wait_hooked_prompt,
};
use crate::support::*;
use rusqlite::{params, Connection};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const SESSION: &str = "ses_6b1f2a3c4d5eAbCdEf";
const OLDER: &str = "ses_5a0e1f2b3c4dOlder1";

/// A session as `opencode export` prints it (`{info, messages: [{info,
/// parts}]}`), of directory `dir`, renamed `id`, its messages' and parts'
/// ids marked `tag`.
fn exported(dir: &str, id: &str, tag: &str) -> Value {
    let text = fixture("opencode.export.json")
        .replace("$REPO", dir)
        .replace(SESSION, id)
        .replace("msg_a", &format!("msg_{tag}"))
        .replace("prt_a", &format!("prt_{tag}"));
    serde_json::from_str(&text).unwrap()
}

/// Strips the ids a row keeps in its columns, as opencode does.
fn data(v: &Value, ids: &[&str]) -> String {
    let mut v = v.clone();
    for k in ids {
        v.as_object_mut().unwrap().remove(*k);
    }
    v.to_string()
}

pub fn insert(db: &Connection, s: &Value, parent: Option<&str>) {
    let info = &s["info"];
    db.execute(
        "INSERT INTO session (id, project_id, parent_id, slug, directory, title, version,
         time_created, time_updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            info["id"].as_str(),
            info["projectID"].as_str(),
            parent,
            info["slug"].as_str(),
            info["directory"].as_str(),
            info["title"].as_str(),
            info["version"].as_str(),
            info["time"]["created"].as_i64(),
            info["time"]["updated"].as_i64()
        ],
    )
    .unwrap();
    for m in s["messages"].as_array().unwrap() {
        let i = &m["info"];
        let t = i["time"]["created"].as_i64();
        db.execute(
            "INSERT INTO message (id, session_id, time_created, time_updated, data)
             VALUES (?1, ?2, ?3, ?3, ?4)",
            params![
                i["id"].as_str(),
                i["sessionID"].as_str(),
                t,
                data(i, &["id", "sessionID"])
            ],
        )
        .unwrap();
        for p in m["parts"].as_array().unwrap() {
            db.execute(
                "INSERT INTO part (id, message_id, session_id, time_created, time_updated, data)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
                params![
                    p["id"].as_str(),
                    p["messageID"].as_str(),
                    p["sessionID"].as_str(),
                    t,
                    data(p, &["id", "messageID", "sessionID"])
                ],
            )
            .unwrap();
        }
    }
}

/// Writes a session into opencode's older storage.
pub fn store_files(storage: &Path, s: &Value) {
    let info = &s["info"];
    let id = info["id"].as_str().unwrap();
    let put = |p: PathBuf, v: &Value| {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, v.to_string()).unwrap();
    };
    let project = info["projectID"].as_str().unwrap();
    put(storage.join(format!("session/{project}/{id}.json")), info);
    for m in s["messages"].as_array().unwrap() {
        let mid = m["info"]["id"].as_str().unwrap();
        put(storage.join(format!("message/{id}/{mid}.json")), &m["info"]);
        for p in m["parts"].as_array().unwrap() {
            let pid = p["id"].as_str().unwrap();
            put(storage.join(format!("part/{mid}/{pid}.json")), p);
        }
    }
}

/// `$XDG_DATA_HOME/opencode`: the database with this repository's session,
/// a child session under it that no `task` call names (so not read) and a session elsewhere; the older
/// storage with an earlier session of a subdirectory, the first session
/// again (as opencode leaves it after moving it) and a file that is not
/// JSON.
pub fn opencode_home(w: &World) -> PathBuf {
    let xdg = w.home.join("xdg-data");
    let data = xdg.join("opencode");
    std::fs::create_dir_all(&data).unwrap();
    let db = create_db(&data);
    let repo = w.repo.to_string_lossy().into_owned();
    let first = exported(&repo, SESSION, "a");
    insert(&db, &first, None);
    insert(
        &db,
        &exported(&repo, "ses_7c2a0000Subagent01", "c"),
        Some(SESSION),
    );
    let elsewhere = w.home.join("elsewhere").to_string_lossy().into_owned();
    insert(
        &db,
        &exported(&elsewhere, "ses_8d3b0000Elsewhere1", "d"),
        None,
    );
    let storage = data.join("storage");
    let web = w.repo.join("web").to_string_lossy().into_owned();
    // A day earlier: 2026-11-30T06:13:20Z on.
    let older: Value = serde_json::from_str(
        &exported(&web, OLDER, "b")
            .to_string()
            .replace("17961", "17960"),
    )
    .unwrap();
    store_files(&storage, &older);
    store_files(&storage, &first);
    let broken = storage.join("session/4f2a9c1e0b/ses_9e4c0000Broken0001.json");
    std::fs::write(broken, b"{\"id\": \"ses_9e4c\", \xff").unwrap();
    xdg
}

/// opencode's database in `data`, with its tables (`session.sql.ts`) and
/// no rows.
pub fn create_db(data: &Path) -> Connection {
    let db = Connection::open(data.join("opencode.db")).unwrap();
    db.execute_batch(
        "CREATE TABLE session (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, parent_id TEXT,
           slug TEXT NOT NULL, directory TEXT NOT NULL, title TEXT NOT NULL,
           version TEXT NOT NULL, share_url TEXT, time_created INTEGER NOT NULL,
           time_updated INTEGER NOT NULL, time_archived INTEGER);
         CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT NOT NULL,
           time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);
         CREATE TABLE part (id TEXT PRIMARY KEY, message_id TEXT NOT NULL,
           session_id TEXT NOT NULL, time_created INTEGER NOT NULL,
           time_updated INTEGER NOT NULL, data TEXT NOT NULL);",
    )
    .unwrap();
    db
}

pub fn import(w: &World, xdg: &Path, args: &[&str]) -> std::process::Output {
    let out = w
        .cmd_in(BIN, &w.repo)
        .args(["agent", "import", "opencode"])
        .args(args)
        .env("XDG_DATA_HOME", xdg)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    out
}

#[test]
fn opencode_sessions_of_this_repository_are_imported_once() {
    let w = World::initialised();
    let xdg = opencode_home(&w);
    let out = import(&w, &xdg, &[]);
    assert!(
        said(&out).contains("18 events from 2 sessions, 18 new (1 file skipped)"),
        "{out:?}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ses_9e4c0000Broken0001.json"), "{err}");
    let s = imported(&w);
    assert_eq!(s.len(), 2, "{s:#?}");
    let want = [
        "session_start",
        "prompt",
        "tool_call",
        "tool_call",
        "tool_call",
        "tool_call",
        "turn_end",
        "prompt",
        "turn_end",
    ];
    assert_eq!(types(&s[0]), want, "{:#?}", s[0]);
    assert_eq!(types(&s[1]), want, "{:#?}", s[1]);
    // The older storage's session, in a subdirectory; then the database's.
    assert_eq!(s[0][0]["data"]["agent_session"], OLDER);
    assert!(s[0][0]["cwd"].as_str().unwrap().ends_with("/repo/web"));
    assert_eq!(s[1][0]["data"]["agent_session"], SESSION);
    assert_eq!(s[1][0]["data"]["model"], "claude-sonnet-4-5");
    for e in s.concat() {
        assert_eq!(e["data"]["imported"], true, "{e}");
        assert_eq!(e["agent"], "opencode", "{e}");
    }
    // What opencode adds to the user's message itself is no prompt.
    assert_eq!(
        of_type(&s[1], "prompt")[0]["data"]["text"],
        "Rename total to sum in billing.rs and run the tests"
    );
    let out = import(&w, &xdg, &[]);
    assert!(said(&out).contains(", 0 new"), "{out:?}");
    assert_eq!(imported(&w).concat().len(), 18);
}

/// Each call as DevTrace's opencode plugin names it, with the reasoning
/// and text before it, its output (redacted), exit code, failure and
/// duration; each turn's last text, model and tokens.
#[test]
fn opencode_calls_keep_their_reasons_output_and_turns() {
    let w = World::initialised();
    let xdg = opencode_home(&w);
    import(&w, &xdg, &[]);
    let s = imported(&w).pop().unwrap();
    let calls = of_type(&s, "tool_call");
    let edit = &calls[0]["data"];
    assert_eq!(edit["tool"], "edit");
    assert_eq!(edit["input"]["newString"], "fn sum() {}");
    assert_eq!(
        edit["reasoning"],
        "total lives in billing.rs; an edit renames it.\n\nI'll rename the function first."
    );
    assert!(
        edit["output"].as_str().unwrap().contains("+fn sum() {}"),
        "{edit}"
    );
    assert_eq!(edit["duration_ms"], 200);
    let grep = &calls[1]["data"];
    assert_eq!(grep["input"]["command"], "grep -rn sum .");
    assert_eq!(grep["intent"], "Find the callers");
    assert_eq!(grep["reasoning"], "Now the callers.");
    assert_eq!(grep["output"], "./billing.rs:1:fn sum() {} // zebrafish\n");
    assert_eq!(grep["exit_code"], 0);
    let test = &calls[2]["data"];
    assert_eq!(test["exit_code"], 101);
    assert_eq!(test["is_error"], true);
    assert_eq!(test["duration_ms"], 2000);
    let out = test["output"].as_str().unwrap();
    assert!(
        out.contains("[REDACTED:openai-key]") && !out.contains("sk-proj-AbCd"),
        "{out}"
    );
    let read = &calls[3]["data"];
    assert_eq!(read["is_error"], true);
    assert!(read["output"]
        .as_str()
        .unwrap()
        .starts_with("File not found"));
    assert!(read["reasoning"].is_null(), "{read}");
    let turns = of_type(&s, "turn_end");
    let first = &turns[0]["data"];
    assert_eq!(
        first["message"],
        "The rename is done, but report.rs still calls total(); the tests fail until it is updated."
    );
    assert_eq!(first["model"], "claude-sonnet-4-5");
    assert_eq!(first["usage"]["input_tokens"], 39000);
    assert_eq!(first["usage"]["output_tokens"], 210);
    assert_eq!(first["usage"]["cache_read_tokens"], 34500);
    assert_eq!(turns[1]["data"]["message"], "You're welcome.");
    search_finds(&w, "zebrafish", "toolu_oc2");
}

/// A session DevTrace's opencode plugin recorded is not imported again;
/// `--since` leaves out what came before it.
#[test]
fn opencode_import_skips_hooked_sessions_and_keeps_since() {
    let w = World::initialised();
    let xdg = opencode_home(&w);
    let payload = json!({"cwd": w.repo, "hook_event_name": "chat.message", "session_id": SESSION,
        "prompt": "Rename total to sum in billing.rs and run the tests",
        "model": "anthropic/claude-sonnet-4-5"});
    let out = output_with_stdin(
        w.cmd_in(BIN, &w.repo).args(["agent", "hook", "opencode"]),
        payload.to_string().as_bytes(),
    );
    assert!(out.status.success(), "{out:?}");
    wait_hooked_prompt(&w, "opencode");
    let out = import(&w, &xdg, &["--since", "2026-11-30T06:13:30Z"]);
    assert!(
        said(&out).contains(
            "2 events from 1 session, 2 new (1 session already recorded by its hooks; 1 file skipped)"
        ),
        "{out:?}"
    );
}

/// DevTrace's opencode plugin takes each call's reasons from the database
/// opencode writes as it goes: the reasoning and text parts before the
/// call's part, in its message; a call not there gets none.
#[test]
fn opencode_hooks_take_reasons_from_its_database() {
    let w = World::initialised();
    let xdg = opencode_home(&w);
    let hook = |payload: Value| {
        let out = output_with_stdin(
            w.cmd_in(BIN, &w.repo)
                .args(["agent", "hook", "opencode"])
                .env("XDG_DATA_HOME", &xdg),
            payload.to_string().as_bytes(),
        );
        assert!(out.status.success(), "{out:?}");
    };
    let ev = |name: &str, extra: Value| {
        let mut v = json!({"cwd": w.repo, "hook_event_name": name, "session_id": SESSION});
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    hook(ev("chat.message", json!({"prompt": "Rename total to sum"})));
    for (id, command) in [("toolu_oc2", "grep -rn sum ."), ("toolu_gone", "ls")] {
        let call = json!({"tool_name": "bash", "tool_use_id": id,
            "tool_input": {"command": command}});
        hook(ev("tool.execute.before", call.clone()));
        let mut after = ev("tool.execute.after", call);
        after["tool_response"] = json!({"output": "x\n", "metadata": {"exit": 0}});
        hook(after);
    }
    hook(ev("session.deleted", json!({})));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let evs = loop {
        let out = w.devtrace(
            &[
                "show",
                "--session",
                "latest",
                "--json",
                "--agent",
                "opencode",
            ],
            &w.repo,
        );
        let evs = parse_lines(&out.stdout);
        if evs.iter().any(|e| e["type"] == "session_end") {
            break evs;
        }
        assert!(std::time::Instant::now() < deadline, "{evs:#?}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let calls = of_type(&evs, "tool_call");
    assert_eq!(calls.len(), 2, "{evs:#?}");
    assert_eq!(calls[0]["data"]["reasoning"], "Now the callers.");
    assert!(calls[1]["data"].get("reasoning").is_none(), "{}", calls[1]);
}
