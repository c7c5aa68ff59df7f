//! The payloads of the agents whose hooks have shapes of their own.
//!
//! Sources (the README's agents section says what each records):
//! - Cursor: cursor.com/docs/agent/hooks ("Common schema": `conversation_id`,
//!   `generation_id`, `model`, `hook_event_name`, `workspace_roots`,
//!   `transcript_path`; `beforeSubmitPrompt`, `preToolUse`, `postToolUse`
//!   with `tool_output` and `duration`, `postToolUseFailure` with
//!   `error_message`, `afterAgentResponse` with `text`, `sessionEnd`).
//! - GitHub Copilot CLI: docs.github.com, "GitHub Copilot CLI hooks
//!   reference" (camelCase payloads without the event's name:
//!   `sessionId`, `timestamp`, `cwd`, `prompt`, `toolName`, `toolArgs` as a
//!   JSON string, `toolResult {resultType, textResultForLlm}`, `reason`);
//!   newer versions call `postToolUse` for successes only and
//!   `postToolUseFailure` (`toolName`, `toolArgs`, `error`) for failures, as
//!   the Copilot SDK's hook types (github/copilot-sdk, PR 1421) document.
//! - Cline: docs.cline.bot/features/hooks/hook-reference and its source
//!   (cline/cline, proto/cline/hooks.proto: `HookInput`, sent as
//!   `JSON.stringify(HookInput.toJSON(input))`, so camelCase and without
//!   default values): `hookName`, `taskId`, `workspaceRoots`, and one
//!   object per hook: `preToolUse {toolName, parameters}` (a string map),
//!   `postToolUse {toolName, parameters, result, success, executionTimeMs}`
//!   (`success` only when true, `executionTimeMs` a number, left out when
//!   0), `userPromptSubmit {prompt}`.
//! - opencode: DevTrace's own plugin (`agent_install/opencode.js`) sends
//!   what opencode's plugin hooks give it (`tool.execute.before/after`,
//!   `chat.message`, the `session.*` events) in Claude Code's field names.

use super::input::{text, unstring, Hook, Step};
use serde_json::Value;

fn first_root(v: &Value, key: &str) -> Option<String> {
    v.get(key)?.get(0)?.as_str().map(str::to_owned)
}

fn number(v: &Value, key: &str) -> Option<u64> {
    v.get(key)
        .and_then(Value::as_f64)
        .map(|n| n.max(0.0) as u64)
}

pub fn cursor(v: Value) -> Hook {
    let event = text(&v, "hook_event_name").unwrap_or_default();
    let step = match event.as_str() {
        "beforeSubmitPrompt" => Step::Prompt,
        "preToolUse" => Step::ToolStart,
        "postToolUse" => Step::ToolEnd { failed: false },
        "postToolUseFailure" => Step::ToolEnd { failed: true },
        "afterAgentResponse" => Step::TurnEnd,
        "sessionEnd" => Step::End,
        _ => Step::Other,
    };
    Hook {
        step,
        session: text(&v, "conversation_id").or_else(|| text(&v, "session_id")),
        cwd: text(&v, "cwd").or_else(|| first_root(&v, "workspace_roots")),
        model: text(&v, "model"),
        prompt: text(&v, "prompt"),
        tool: text(&v, "tool_name"),
        input: unstring(v.get("tool_input").cloned().unwrap_or_default()),
        call_id: text(&v, "tool_use_id"),
        response: unstring(v.get("tool_output").cloned().unwrap_or_default()),
        error: text(&v, "error_message"),
        duration_ms: number(&v, "duration"),
        reason: text(&v, "reason").or_else(|| text(&v, "status")),
        transcript: text(&v, "transcript_path"),
        message: text(&v, "text"),
        ..Hook::default()
    }
}

/// Copilot's payloads do not name their event: `devtrace agent install
/// copilot` passes it (`--event NAME`); without it, the fields tell.
pub fn copilot(v: Value, event: Option<&str>) -> Hook {
    let result = v.get("toolResult").cloned().unwrap_or_default();
    let event = event.map(str::to_owned).unwrap_or_else(|| {
        let has = |k: &str| v.get(k).is_some();
        match () {
            _ if has("toolResult") => "postToolUse",
            _ if has("toolName") && has("error") => "postToolUseFailure",
            _ if has("toolName") => "preToolUse",
            _ if has("prompt") => "userPromptSubmitted",
            _ if has("reason") => "sessionEnd",
            _ => "",
        }
        .to_owned()
    });
    let failed = matches!(
        result.get("resultType").and_then(Value::as_str),
        Some("failure" | "denied")
    );
    let step = match event.as_str() {
        "userPromptSubmitted" => Step::Prompt,
        "preToolUse" => Step::ToolStart,
        "postToolUse" => Step::ToolEnd { failed },
        "postToolUseFailure" => Step::ToolEnd { failed: true },
        "sessionEnd" => Step::End,
        _ => Step::Other,
    };
    Hook {
        step,
        session: text(&v, "sessionId"),
        cwd: text(&v, "cwd"),
        prompt: text(&v, "prompt"),
        tool: text(&v, "toolName"),
        input: unstring(v.get("toolArgs").cloned().unwrap_or_default()),
        call_id: text(&v, "toolCallId"),
        error: text(&v, "error")
            .or_else(|| failed.then(|| text(&result, "textResultForLlm")).flatten()),
        response: result
            .get("textResultForLlm")
            .cloned()
            .unwrap_or(Value::Null),
        reason: text(&v, "reason"),
        ..Hook::default()
    }
}

pub fn cline(v: Value) -> Hook {
    let event = text(&v, "hookName").unwrap_or_default();
    let pre = v.get("preToolUse").cloned().unwrap_or_default();
    let post = v.get("postToolUse").cloned().unwrap_or_default();
    let tool_part = if post.is_object() { &post } else { &pre };
    // Cline writes its proto3 `HookInput` with ts-proto's `toJSON`, which
    // leaves out default values: a failed call has no `success` at all.
    let failed = post.get("success").and_then(Value::as_bool) != Some(true);
    let step = match event.as_str() {
        "UserPromptSubmit" => Step::Prompt,
        "PreToolUse" => Step::ToolStart,
        "PostToolUse" => Step::ToolEnd { failed },
        "TaskComplete" | "TaskCancel" => Step::End,
        _ => Step::Other,
    };
    let result = post.get("result").cloned().unwrap_or_default();
    Hook {
        step,
        session: text(&v, "taskId"),
        cwd: first_root(&v, "workspaceRoots"),
        model: v
            .get("model")
            .and_then(|m| text(m, "slug").or_else(|| m.as_str().map(str::to_owned))),
        prompt: v.get("userPromptSubmit").and_then(|p| text(p, "prompt")),
        tool: text(tool_part, "toolName"),
        input: tool_part.get("parameters").cloned().unwrap_or_default(),
        error: (failed && post.is_object())
            .then(|| result.as_str().map(str::to_owned))
            .flatten(),
        response: result,
        duration_ms: number(&post, "executionTimeMs"),
        reason: match event.as_str() {
            "TaskComplete" => Some("completed".into()),
            "TaskCancel" => Some("cancelled".into()),
            _ => None,
        },
        ..Hook::default()
    }
}

/// DevTrace's own plugin for opencode sends Claude Code's field names, with
/// opencode's own event names.
pub fn opencode(v: Value) -> Hook {
    let event = text(&v, "hook_event_name").unwrap_or_default();
    let mut h = super::claude::read("opencode", v.clone());
    h.step = match event.as_str() {
        "chat.message" => Step::Prompt,
        "tool.execute.before" => Step::ToolStart,
        "tool.execute.after" => Step::ToolEnd { failed: false },
        "session.idle" => Step::TurnEnd,
        "session.deleted" => Step::End,
        _ => Step::Other,
    };
    // An edit's output is empty: its diff is in the metadata.
    let empty = h.response["output"].as_str().is_none_or(str::is_empty);
    let diff = h.response["metadata"]["diff"].as_str().map(str::to_owned);
    if let (true, Some(diff), Some(r)) = (empty, diff, h.response.as_object_mut()) {
        r.insert("output".into(), Value::String(diff));
    }
    h.exit_code = h
        .response
        .get("metadata")
        .and_then(|m| m.get("exit"))
        .and_then(Value::as_i64)
        .map(|c| c as i32);
    if let Step::ToolEnd { failed } = &mut h.step {
        *failed = h.error.is_some() || h.exit_code.is_some_and(|c| c != 0);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_agent_reads_into_one_shape() {
        let c = cursor(
            json!({"hook_event_name":"postToolUseFailure","conversation_id":"c1",
            "workspace_roots":["/w"],"tool_name":"Shell","tool_input":"{\"command\":\"false\"}",
            "tool_use_id":"t1","error_message":"exit 1"}),
        );
        assert_eq!(c.step, Step::ToolEnd { failed: true });
        assert_eq!(c.cwd.as_deref(), Some("/w"));
        assert_eq!(c.input["command"], "false");
        let p = copilot(
            json!({"cwd":"/w","toolName":"bash","toolArgs":"{\"command\":\"ls\"}",
                "toolResult":{"resultType":"failure","textResultForLlm":"no such file"}}),
            None,
        );
        assert_eq!(p.step, Step::ToolEnd { failed: true });
        assert_eq!(p.error.as_deref(), Some("no such file"));
        assert_eq!(p.input["command"], "ls");
        let p = copilot(
            json!({"sessionId":"s","cwd":"/w","toolName":"bash",
                "toolArgs":"{\"command\":\"false\"}","error":"exit code 1"}),
            None,
        );
        assert_eq!(p.step, Step::ToolEnd { failed: true });
        assert_eq!(p.error.as_deref(), Some("exit code 1"));
        let l = cline(
            json!({"hookName":"PostToolUse","taskId":"k","workspaceRoots":["/w"],
            "postToolUse":{"toolName":"execute_command","parameters":{"command":"make"},
            "result":"ok","success":true,"executionTimeMs":12}}),
        );
        assert_eq!(l.step, Step::ToolEnd { failed: false });
        assert_eq!(l.duration_ms, Some(12));
        assert_eq!(l.input["command"], "make");
        // proto3 JSON: a false `success` is left out.
        let l = cline(
            json!({"hookName":"PostToolUse","taskId":"k","workspaceRoots":["/w"],
            "postToolUse":{"toolName":"execute_command","parameters":{"command":"false"},
            "result":"exit 1"}}),
        );
        assert_eq!(l.step, Step::ToolEnd { failed: true });
        assert_eq!(l.error.as_deref(), Some("exit 1"));
        let o = opencode(
            json!({"hook_event_name":"tool.execute.after","session_id":"s",
            "tool_name":"bash","tool_use_id":"c","tool_response":{"output":"x","metadata":{"exit":2}}}),
        );
        assert_eq!(o.exit_code, Some(2));
        assert_eq!(o.step, Step::ToolEnd { failed: true });
        let edit = opencode(
            json!({"hook_event_name":"tool.execute.after","session_id":"s","tool_name":"edit",
            "tool_use_id":"e","tool_response":{"output":"","metadata":{"diff":"-a\n+b\n"}}}),
        );
        let out = super::super::outcome::of(&edit).output;
        assert_eq!(
            out.as_deref(),
            Some("-a\n+b\n"),
            "an edit's diff is its output"
        );
        let odd = opencode(json!({"hook_event_name":"tool.execute.after","tool_response":"x"}));
        assert_eq!(odd.response, "x");
    }
}
