//! The attributes of each span, by convention: OpenTelemetry's process
//! (CLI) and GenAI conventions, MCP client spans, and the attributes that
//! Langfuse (`langfuse.*`) and Arize Phoenix (OpenInference) read.

use super::span::{s, Attrs, SpanEvent, Val};
use crate::event::{Data, Event, FileChange, McpCall, Prompt, RunCommand, SessionStart, ToolCall};
use serde_json::Value;

/// What may leave the machine besides the events themselves.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Tool output (tool calls' output, MCP results).
    pub tool_output: bool,
    /// Only these event types become spans or span events (empty: all).
    pub types: Vec<crate::event::Kind>,
    /// File changes' unified diffs (`--diffs`, `[export] diffs`).
    pub diffs: bool,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            tool_output: true,
            types: Vec::new(),
            diffs: false,
        }
    }
}

impl Policy {
    pub fn allows(&self, ev: &Event) -> bool {
        self.types.is_empty() || ev.data.kind().is_some_and(|k| self.types.contains(&k))
    }
}

/// On every span: the session, as each backend groups by it.
pub fn common(ev: &Event, start: Option<&SessionStart>) -> Attrs {
    let mut a: Attrs = vec![
        ("session.id", s(&ev.session)),
        ("langfuse.session.id", s(&ev.session)),
    ];
    if let Some(user) = start.map(|st| &st.user).filter(|u| !u.is_empty()) {
        a.push(("langfuse.user.id", s(user)));
    }
    a
}

/// The session's root span.
pub fn session(start: Option<&SessionStart>, agent: Option<&str>, end_reason: &str) -> Attrs {
    let mut a: Attrs = Vec::new();
    if let Some(st) = start {
        a.push(("host.name", s(&st.host)));
        a.push(("user.name", s(&st.user)));
        if let Some(sh) = &st.shell {
            a.push(("devtrace.shell", s(sh)));
        }
        if let Some(m) = &st.model {
            a.push(("gen_ai.request.model", s(m)));
        }
        if let Some(id) = &st.agent_session {
            a.push(("gen_ai.conversation.id", s(id)));
        }
    }
    if let Some(ag) = agent {
        a.push(("gen_ai.agent.name", s(ag)));
    }
    if !end_reason.is_empty() {
        a.push(("devtrace.session.end_reason", s(end_reason)));
    }
    let (oi, lf) = if agent.is_some() {
        ("AGENT", "agent")
    } else {
        ("CHAIN", "span")
    };
    a.push(("openinference.span.kind", s(oi)));
    a.push(("langfuse.observation.type", s(lf)));
    a
}

/// The program a command line runs: its first word that is not a variable
/// assignment, without its directory.
pub fn executable(line: &str) -> String {
    let word = line
        .split_whitespace()
        .find(|w| !w.contains('=') || w.starts_with('='))
        .unwrap_or("");
    word.rsplit('/').next().unwrap_or(word).to_owned()
}

/// A command (process conventions, kind CLIENT).
/// The shell that ran it is the command's parent process: its pid (as
/// the session recorded it) is `process.parent_pid`; the command's own
/// pid is not recorded.
pub fn command(ev: &Event, c: &RunCommand, exe: &str, start: Option<&SessionStart>) -> Attrs {
    let line = c.command.text();
    let mut a: Attrs = vec![
        ("process.executable.name", s(exe)),
        ("process.command_line", s(line)),
        ("process.working_directory", s(&ev.cwd)),
    ];
    if let Some(pid) = start.and_then(|st| st.shell_pid).filter(|&p| p > 0) {
        a.push(("process.parent_pid", Val::Int(pid.into())));
    }
    if let Some(code) = c.exit_code {
        a.push(("process.exit.code", Val::Int(code.into())));
        if code != 0 {
            a.push(("error.type", s(code.to_string())));
            a.push(("langfuse.observation.level", s("ERROR")));
        }
    }
    if let Some(p) = c.pipestatus.as_ref().filter(|p| p.len() > 1) {
        let p: Vec<String> = p.iter().map(i32::to_string).collect();
        a.push(("devtrace.pipestatus", s(p.join(" "))));
    }
    a.extend([
        ("openinference.span.kind", s("TOOL")),
        ("tool.name", s(exe)),
        ("input.value", s(line)),
        ("langfuse.observation.type", s("tool")),
        ("langfuse.observation.input", s(line)),
    ]);
    a
}

fn json_text(v: &Value) -> String {
    match v {
        Value::String(t) => t.clone(),
        v => v.to_string(),
    }
}

/// The output and errors shared by tool calls and MCP calls.
fn call_io(a: &mut Attrs, input: &Value, output: Option<String>, p: &Policy) {
    let args = json_text(input);
    a.push(("gen_ai.tool.call.arguments", s(&args)));
    a.push(("input.value", s(&args)));
    if input.is_object() {
        a.push(("input.mime_type", s("application/json")));
    }
    a.push(("langfuse.observation.input", s(args)));
    if let Some(out) = output.filter(|_| p.tool_output) {
        a.push(("gen_ai.tool.call.result", s(&out)));
        a.push(("output.value", s(&out)));
        a.push(("langfuse.observation.output", s(out)));
    }
}

/// An agent's tool call (GenAI `execute_tool`).
pub fn tool(ev: &Event, t: &ToolCall, p: &Policy) -> Attrs {
    let mut a: Attrs = vec![
        ("gen_ai.operation.name", s("execute_tool")),
        ("gen_ai.tool.name", s(&t.tool)),
        ("gen_ai.tool.type", s("function")),
    ];
    if !t.call_id.is_empty() {
        a.push(("gen_ai.tool.call.id", s(&t.call_id)));
    }
    if let Some(ag) = &ev.agent {
        a.push(("gen_ai.agent.name", s(ag)));
    }
    if let Some(i) = &t.intent {
        a.push(("devtrace.tool.intent", s(i)));
    }
    if let Some(code) = t.exit_code {
        a.push(("process.exit.code", Val::Int(code.into())));
    }
    call_io(&mut a, &t.input, t.output.clone(), p);
    a.push(("openinference.span.kind", s("TOOL")));
    a.push(("tool.name", s(&t.tool)));
    a.push(("langfuse.observation.type", s("tool")));
    if let Some(err) = tool_error(t) {
        a.push(("error.type", s(err)));
        a.push(("langfuse.observation.level", s("ERROR")));
    }
    a
}

/// What went wrong with a tool call, if it did: its exit status when it
/// has one (as `error.type` is a command's), else a tool error.
pub fn tool_error(t: &ToolCall) -> Option<String> {
    match (t.is_error, t.exit_code) {
        (_, Some(code)) if code != 0 => Some(code.to_string()),
        (Some(true), _) => Some("tool_error".to_owned()),
        _ => None,
    }
}

/// A call to an MCP server (MCP client span). Never `mcp.session.id`.
pub fn mcp(m: &McpCall, p: &Policy) -> Attrs {
    let tool = m.tool.as_deref().unwrap_or("");
    let mut a: Attrs = vec![
        ("mcp.method.name", s("tools/call")),
        ("gen_ai.operation.name", s("execute_tool")),
        ("gen_ai.tool.name", s(tool)),
    ];
    if let Some(v) = &m.protocol_version {
        a.push(("mcp.protocol.version", s(v)));
    }
    if let Some(server) = &m.server {
        a.push(("devtrace.mcp.server", s(server)));
    }
    let result = Some(&m.result).filter(|r| !r.is_null()).map(json_text);
    call_io(&mut a, &m.arguments, result, p);
    if let Some(code) = m.error_code {
        a.push(("rpc.response.status_code", s(code.to_string())));
    }
    if let Some(err) = mcp_error(m) {
        a.push(("error.type", s(err)));
        a.push(("langfuse.observation.level", s("ERROR")));
    }
    a.push(("openinference.span.kind", s("TOOL")));
    a.push(("tool.name", s(tool)));
    a.push(("langfuse.observation.type", s("tool")));
    a
}

/// What went wrong with an MCP call, if it did: the JSON-RPC error code,
/// else a tool error.
pub fn mcp_error(m: &McpCall) -> Option<String> {
    m.error_code
        .map(|c| c.to_string())
        .or_else(|| (m.is_error == Some(true)).then(|| "tool_error".to_owned()))
}

/// A prompt's turn (GenAI `invoke_agent`), the prompt as its input.
pub fn turn(ev: &Event, prompt: &Prompt, start: Option<&SessionStart>) -> Attrs {
    let mut a: Attrs = vec![("gen_ai.operation.name", s("invoke_agent"))];
    if let Some(ag) = &ev.agent {
        a.push(("gen_ai.agent.name", s(ag)));
    }
    if let Some(m) = start.and_then(|st| st.model.as_ref()) {
        a.push(("gen_ai.request.model", s(m)));
    }
    if let Some(c) = prompt.agent_session.as_ref() {
        a.push(("gen_ai.conversation.id", s(c)));
    }
    if !prompt.prompt_id.is_empty() {
        a.push(("devtrace.prompt.id", s(&prompt.prompt_id)));
    }
    a.extend([
        ("input.value", s(&prompt.text)),
        ("openinference.span.kind", s("AGENT")),
        ("langfuse.observation.type", s("agent")),
        ("langfuse.observation.input", s(&prompt.text)),
    ]);
    a
}

/// The span events an event becomes inside the span it belongs to: a
/// file change per file (with its diff, where `diff` gives one), a note,
/// a snapshot.
pub fn span_events(
    ev: &Event,
    diff: &mut dyn FnMut(&FileChange) -> Option<String>,
) -> Vec<SpanEvent> {
    let one = |name, attrs| SpanEvent {
        name,
        time: ev.ts,
        attrs,
    };
    match &ev.data {
        Data::EditFiles(e) => e
            .files
            .iter()
            .map(|f| {
                let mut a: Attrs = vec![
                    ("file.path", s(f.path.text())),
                    ("devtrace.change", s(f.change.as_str())),
                ];
                if let Some(from) = &f.from {
                    a.push(("devtrace.change.from", s(from.text())));
                }
                // Made during one of these commands, or between them.
                if let Some(c) = e.causes.as_ref().filter(|c| !c.is_empty()) {
                    a.push(("devtrace.change.candidates", s(c.join(" "))));
                }
                if let Some(d) = diff(f) {
                    a.push(("devtrace.change.diff", s(d)));
                }
                one("devtrace.file_change", a)
            })
            .collect(),
        Data::Note(n) => vec![one(
            "devtrace.note",
            vec![("devtrace.note.text", s(&n.text))],
        )],
        Data::GitSnapshot(g) => {
            let mut a: Attrs = vec![
                ("devtrace.snapshot.label", s(&g.label)),
                ("devtrace.snapshot.id", s(&g.snapshot)),
            ];
            if let Some(b) = &g.branch {
                a.push(("vcs.ref.head.name", s(b)));
            }
            if let Some(h) = &g.head {
                a.push(("vcs.ref.head.revision", s(h)));
            }
            vec![one("devtrace.snapshot", a)]
        }
        _ => Vec::new(),
    }
}
