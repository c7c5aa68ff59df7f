//! Agents' tool calls that overlap: a Task call while its subagent works,
//! a call the user interrupts. Each call keeps what it returned when it
//! ends after later calls began; a call that never ends is closed by the
//! next prompt, never holding the rest back; a subagent's edit is its own
//! call's, not the Task's around it.

use crate::support::*;
use serde_json::{json, Value};

const SID: &str = "5f0e7c1a-0000-4000-8000-00000000000b";

fn pre(w: &World, id: &str, tool: &str, input: Value, extra: Value) {
    let v = json!({"tool_name": tool, "tool_use_id": id, "tool_input": input});
    claude_hook(w, SID, "PreToolUse", with_fields(v, &extra));
}

fn post(w: &World, id: &str, tool: &str, input: Value, response: Value, extra: Value) {
    let v = json!({"tool_name": tool, "tool_use_id": id, "tool_input": input,
                   "tool_response": response});
    claude_hook(w, SID, "PostToolUse", with_fields(v, &extra));
}

#[test]
fn overlapping_calls_keep_their_outcomes_and_their_own_changes() {
    let w = World::initialised();
    std::fs::write(w.repo.join("s.txt"), "old\n").unwrap();
    claude_hook(&w, SID, "SessionStart", json!({"source": "startup"}));
    claude_hook(&w, SID, "UserPromptSubmit", json!({"prompt": "delegate"}));
    w.wait_events(&w.repo, &["--type", "prompt"], 1);
    // A Task call; its subagent edits a file, then the Task returns.
    let task =
        json!({"description": "fix", "prompt": "fix s.txt", "subagent_type": "general-purpose"});
    pre(&w, "t0", "Task", task.clone(), json!({}));
    let sub = json!({"agent_id": "a1", "agent_type": "general-purpose"});
    // (Shell calls: an edit call's own text would settle it alone.)
    let sh = json!({"command": "echo new > s.txt"});
    pre(&w, "t1", "Bash", sh.clone(), sub.clone());
    std::fs::write(w.repo.join("s.txt"), "new\n").unwrap();
    post(&w, "t1", "Bash", sh, json!({"exit_code": 0}), sub);
    post(
        &w,
        "t0",
        "Task",
        task,
        json!({"content": [{"type": "text", "text": "fixed it"}]}),
        json!({}),
    );
    // A shell call the user interrupts: no PostToolUse ever comes.
    let bash = json!({"command": "echo i > i.txt; sleep 100"});
    pre(&w, "t2", "Bash", bash, json!({}));
    std::fs::write(w.repo.join("i.txt"), "i\n").unwrap();
    claude_hook(&w, SID, "UserPromptSubmit", json!({"prompt": "never mind"}));
    let sh = json!({"command": "echo w > w.txt"});
    pre(&w, "t3", "Bash", sh.clone(), json!({}));
    std::fs::write(w.repo.join("w.txt"), "w\n").unwrap();
    post(&w, "t3", "Bash", sh, json!({"exit_code": 0}), json!({}));
    claude_hook(&w, SID, "SessionEnd", json!({"reason": "exit"}));
    let evs = w.ended_session(&w.repo);
    let call = |id: &str| {
        evs.iter()
            .find(|e| e["type"] == "tool_call" && e["data"]["call_id"] == id)
            .unwrap_or_else(|| panic!("{id} not recorded: {evs:#?}"))
    };
    // A file's last change (s.txt was there before the session).
    let changed = |file: &str| {
        evs.iter()
            .rfind(|e| e["type"] == "edit_files" && e["data"]["files"][0]["path"] == file)
            .unwrap_or_else(|| panic!("{file} not recorded: {evs:#?}"))
    };
    // The Task ended after its subagent's call began: its outcome is kept.
    let t0 = call("t0");
    assert!(
        t0["data"]["output"]
            .as_str()
            .is_some_and(|o| o.contains("fixed it")),
        "{t0:#}"
    );
    assert_eq!(t0["data"]["is_error"], false, "{t0:#}");
    assert!(t0["data"]["duration_ms"].is_u64(), "{t0:#}");
    // The subagent's edit is its call's, not the Task's.
    assert_eq!(
        changed("s.txt")["data"]["cause"],
        call("t1")["id"],
        "{evs:#?}"
    );
    // The interrupted call is recorded, with no outcome, and its file is
    // its own (or it and a neighbour's, never another's alone).
    let t2 = call("t2");
    assert!(t2["data"]["is_error"].is_null(), "{t2:#}");
    let i = &changed("i.txt")["data"];
    let named = i["cause"] == t2["id"]
        || i["causes"]
            .as_array()
            .is_some_and(|c| c.contains(&t2["id"]));
    assert!(named, "{i:#}");
    // The call after the next prompt is not held back by it.
    assert_eq!(
        changed("w.txt")["data"]["cause"],
        call("t3")["id"],
        "{evs:#?}"
    );
}
