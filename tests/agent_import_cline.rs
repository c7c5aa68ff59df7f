//! `devtrace agent import cline`: Cline's tasks, from its task history
//! (`state/taskHistory.json`) and each task's `api_conversation_history.json`
//! and `ui_messages.json`, in `~/.cline/data` and in VS Code's storage.

use crate::agent_import::{fixture, imported, of_type, said, types, wait_hooked_prompt};
use crate::support::*;
use serde_json::{json, Value};
use std::path::Path;

const TASK: &str = "1796115600000";
const IN_CODE: &str = "1796104800000";

/// A data directory with a task of this repository, one of another
/// directory, one whose history is not text and one listed without its
/// directory; VS Code's storage with a task of a subdirectory.
fn cline_home(w: &World) {
    let repo = w.repo.to_string_lossy().into_owned();
    let put = |data: &Path, id: &str, cwd: &str, api: &[u8]| {
        let dir = data.join("tasks").join(id);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("api_conversation_history.json"), api).unwrap();
        let mut ui = fixture("cline.ui_messages.json").replace("$REPO", cwd);
        if id == IN_CODE {
            ui = ui.replace("17961", "17960");
        }
        std::fs::write(dir.join("ui_messages.json"), ui).unwrap();
    };
    let api = |cwd: &str| fixture("cline.api_conversation_history.json").replace("$REPO", cwd);
    let history = |data: &Path, items: Value| {
        std::fs::create_dir_all(data.join("state")).unwrap();
        std::fs::write(data.join("state/taskHistory.json"), items.to_string()).unwrap();
    };
    let data = w.home.join(".cline/data");
    let elsewhere = w.home.join("elsewhere").to_string_lossy().into_owned();
    put(&data, TASK, &repo, api(&repo).as_bytes());
    put(
        &data,
        "1796119200000",
        &elsewhere,
        api(&elsewhere).as_bytes(),
    );
    put(&data, "1796122800000", &repo, b"[{\"role\":\xff");
    let item = |id: &str, cwd: &str| {
        json!({"id": id, "ts": 1, "task": "t", "tokensIn": 0,
        "tokensOut": 0, "totalCost": 0, "cwdOnTaskInitialization": cwd})
    };
    history(
        &data,
        json!([
            item(TASK, &repo),
            item("1796119200000", &elsewhere),
            item("1796122800000", &repo),
            item("1796126400000", &repo)
        ]),
    );
    let code = w
        .home
        .join(".config/Code/User/globalStorage/saoudrizwan.claude-dev");
    let web = w.repo.join("web").to_string_lossy().into_owned();
    // 100,000 s earlier: from 2026-11-30T05:13:20Z to :29.
    let earlier = api(&web).replace("17961", "17960");
    put(&code, IN_CODE, &web, earlier.as_bytes());
    history(&code, json!([item(IN_CODE, &web)]));
}

fn import(w: &World, args: &[&str]) -> std::process::Output {
    let out = w
        .cmd_in(BIN, &w.repo)
        .args(["agent", "import", "cline"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    out
}

#[test]
fn cline_tasks_of_this_repository_are_imported_once() {
    let w = World::initialised();
    cline_home(&w);
    let out = import(&w, &[]);
    assert!(
        said(&out).contains(" from 2 sessions, ") && said(&out).contains("(1 file skipped)"),
        "{out:?}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1796122800000") && err.contains("not UTF-8"),
        "{err}"
    );
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
        "tool_call",
        "tool_call",
        "turn_end",
    ];
    assert_eq!(types(&s[1]), want, "{:#?}", s[1]);
    assert_eq!(s[1][0]["data"]["agent_session"], TASK);
    assert_eq!(s[1][0]["data"]["model"], "claude-sonnet-4-5-20250929");
    // The task in VS Code's storage, started in a subdirectory.
    assert_eq!(s[0][0]["data"]["agent_session"], IN_CODE);
    assert!(s[0][0]["cwd"].as_str().unwrap().ends_with("/repo/web"));
    for e in s.concat() {
        assert_eq!(e["data"]["imported"], true, "{e}");
        assert_eq!(e["agent"], "cline", "{e}");
    }
    let prompts = of_type(&s[1], "prompt");
    assert_eq!(
        prompts[0]["data"]["text"],
        "Rename total to sum in billing.rs and run the tests"
    );
    assert_eq!(prompts[1]["data"]["text"], "Fix report.rs too");
    let n = s.concat().len();
    let out = import(&w, &[]);
    assert!(said(&out).contains(", 0 new"), "{out:?}");
    assert_eq!(imported(&w).concat().len(), n);
}

/// Each call with its input as Cline's hooks name it, the assistant's
/// thinking and text before it, its result (redacted), failure and
/// duration; each turn's answer, model and tokens.
#[test]
fn cline_calls_keep_their_reasons_output_and_turns() {
    let w = World::initialised();
    cline_home(&w);
    import(&w, &[]);
    let s = imported(&w).pop().unwrap();
    let calls = of_type(&s, "tool_call");
    let edit = &calls[0]["data"];
    assert_eq!(edit["tool"], "replace_in_file");
    assert_eq!(edit["input"]["path"], "billing.rs");
    assert_eq!(
        edit["reasoning"],
        "total is defined in billing.rs; one replace renames it.\n\nI'll rename the function first."
    );
    assert!(edit["output"]
        .as_str()
        .unwrap()
        .contains("successfully saved"));
    assert_eq!(edit["is_error"], false);
    assert_eq!(edit["duration_ms"], 100);
    let grep = &calls[1]["data"];
    assert_eq!(grep["tool"], "execute_command");
    assert_eq!(grep["input"]["command"], "grep -rn sum .");
    assert_eq!(grep["reasoning"], "Now I'll find the callers.");
    assert!(grep["output"].as_str().unwrap().contains("zebrafish"));
    let test = &calls[2]["data"];
    assert_eq!(test["is_error"], true);
    assert_eq!(test["exit_code"], 101);
    assert_eq!(test["duration_ms"], 2000);
    let out = test["output"].as_str().unwrap();
    assert!(
        out.contains("[REDACTED:openai-key]") && !out.contains("sk-proj-AbCd"),
        "{out}"
    );
    assert_eq!(calls[3]["data"]["tool"], "attempt_completion");
    // The last answer had no result: it is recorded, without output.
    let last = &calls[5]["data"];
    assert_eq!(last["tool"], "attempt_completion");
    assert!(last["output"].is_null(), "{last}");
    let turns = of_type(&s, "turn_end");
    let first = &turns[0]["data"];
    assert_eq!(
        first["message"],
        "Renamed total to sum in billing.rs; report.rs still calls total(), so the tests fail."
    );
    assert_eq!(first["model"], "claude-sonnet-4-5-20250929");
    assert_eq!(first["usage"]["input_tokens"], 50800);
    assert_eq!(first["usage"]["output_tokens"], 320);
    assert_eq!(first["usage"]["cache_read_tokens"], 43500);
    assert_eq!(turns[1]["data"]["message"], "report.rs now calls sum().");
    // The second prompt comes after the first turn's calls.
    let at = |e: &Value| e["ts"].as_str().unwrap().to_owned();
    assert!(at(of_type(&s, "prompt")[1]) > at(calls[3]));
}

/// A task Cline's hooks recorded is not imported again; `--since` leaves
/// out what came before it.
#[test]
fn cline_import_skips_hooked_tasks_and_keeps_since() {
    let w = World::initialised();
    cline_home(&w);
    let payload = json!({"clineVersion": "3.38.0", "hookName": "UserPromptSubmit",
        "timestamp": "1796115600050", "taskId": TASK, "workspaceRoots": [w.repo],
        "userPromptSubmit": {"prompt": "Rename total to sum in billing.rs and run the tests"}});
    let out = output_with_stdin(
        w.cmd_in(BIN, &w.repo).args(["agent", "hook", "cline"]),
        payload.to_string().as_bytes(),
    );
    assert!(out.status.success(), "{out:?}");
    wait_hooked_prompt(&w, "cline");
    let out = import(&w, &["--since", "2026-11-30T05:13:26Z"]);
    assert!(
        said(&out).contains(
            "6 events from 1 session, 6 new (1 session already recorded by its hooks; 1 file skipped)"
        ),
        "{out:?}"
    );
    let s = imported(&w);
    let imported_sessions: Vec<&Value> = s
        .iter()
        .filter(|s| s[0]["data"]["imported"] == true)
        .map(|s| &s[0]["data"]["agent_session"])
        .collect();
    assert_eq!(imported_sessions, [&json!(IN_CODE)]);
}
