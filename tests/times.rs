//! The times an event carries are the times things happened: a tool call's
//! duration lies within the time between the agent's hooks around it.
//! (Commands' times: `shells::check_times`.)

use crate::support::*;
use serde_json::json;
use std::time::{Duration, Instant};

/// The Claude Code session these tests play.
const SID: &str = "7a1c2d3e-0000-4000-8000-00000000beef";

#[test]
fn a_tool_calls_duration_lies_between_its_hooks() {
    let w = World::initialised();
    claude_hook(&w, SID, "SessionStart", json!({"source": "startup"}));
    let call = json!({
        "tool_name": "Bash",
        "tool_use_id": "toolu_t1",
        "tool_input": {"command": "sleep 0.3"},
    });
    // From before the first hook starts to after the second one ends.
    let outer = Instant::now();
    claude_hook(&w, SID, "PreToolUse", call.clone());
    // From after the first hook ends to before the second one starts.
    let inner = Instant::now();
    std::thread::sleep(Duration::from_millis(300));
    let inner = inner.elapsed();
    let mut post = call.clone();
    post["tool_response"] = json!({"stdout": "", "stderr": "", "interrupted": false});
    claude_hook(&w, SID, "PostToolUse", post);
    let outer = outer.elapsed();
    claude_hook(&w, SID, "SessionEnd", json!({"reason": "other"}));
    let evs = w.wait_events(&w.repo, &["--type", "tool_call"], 1);
    let d = evs[0]["data"]["duration_ms"]
        .as_u64()
        .unwrap_or_else(|| panic!("no duration_ms: {}", evs[0]));
    let (lo, hi) = (inner.as_millis() as u64, outer.as_millis() as u64 + 1);
    assert!(
        (lo..=hi).contains(&d),
        "duration_ms {d} is not within {lo}..={hi} ms: {}",
        evs[0]
    );
}
