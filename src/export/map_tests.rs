//! The mapping on hand-made events (the integration tests cover recorded
//! ones): MCP calls, what the policy lets out, changes of an earlier batch.

use super::*;
use crate::event::{EditFiles, FileChange, McpCall, Prompt, SessionEnd, ToolCall};
use crate::export::span::Val;
use serde_json::json;

/// The store, as a list.
struct Fake(Vec<Event>);

impl Lookup for Fake {
    fn session_start(&mut self, _: &str) -> Option<SessionStart> {
        None
    }
    fn turn_of(&mut self, session: &str, seq: u64) -> Option<Event> {
        self.0
            .iter()
            .rev()
            .find(|e| e.session == session && e.seq < seq && matches!(e.data, Data::Prompt(_)))
            .cloned()
    }
    fn between(&mut self, session: &str, after: u64, before: u64) -> Vec<Event> {
        self.0
            .iter()
            .filter(|e| e.session == session && e.seq > after && e.seq < before)
            .cloned()
            .collect()
    }
}

fn ev(seq: u64, data: Data) -> Event {
    Event {
        v: 1,
        id: format!("E{seq}"),
        session: "S".into(),
        seq,
        ts: Timestamp::from_millis(1_000_000 + seq as i64 * 1000),
        agent: Some("claude-code".into()),
        cwd: "/r".into(),
        repo: Some("/r".into()),
        data,
    }
}

fn store() -> Vec<Event> {
    let tool = ToolCall {
        tool: "Read".into(),
        input: json!({"file_path": "a.rs"}),
        call_id: "toolu_9".into(),
        is_error: Some(false),
        output: Some("fn main() {}".into()),
        ..ToolCall::default()
    };
    let mcp = McpCall {
        server: Some("files".into()),
        tool: Some("read_file".into()),
        arguments: json!({"path": "a.rs"}),
        result: json!({"content": [{"type": "text", "text": "secret-ish"}]}),
        is_error: Some(true),
        error_code: Some(-32602),
        duration: Some(std::time::Duration::from_millis(5)),
        protocol_version: Some("2026-07-28".into()),
        ..McpCall::default()
    };
    vec![
        ev(
            1,
            Data::Prompt(Prompt {
                text: "read it".into(),
                prompt_id: "p1".into(),
                ..Prompt::default()
            }),
        ),
        ev(2, Data::ToolCall(tool)),
        ev(3, Data::McpCall(mcp)),
        ev(
            4,
            Data::SessionEnd(SessionEnd {
                reason: "exit".into(),
                ..SessionEnd::default()
            }),
        ),
    ]
}

fn attr<'a>(s: &'a Span, k: &str) -> Option<&'a Val> {
    s.attrs.iter().find(|(key, _)| *key == k).map(|(_, v)| v)
}

fn str_attr<'a>(s: &'a Span, k: &str) -> &'a str {
    match attr(s, k) {
        Some(Val::Str(v)) => v,
        other => panic!("{k} of {}: {other:?}", s.name),
    }
}

fn map_all(p: &Policy) -> Vec<Span> {
    let evs = store();
    let mut l = Fake(evs.clone());
    batch_spans(&Batch::new(&evs), &mut l, p)
}

#[test]
fn an_mcp_call_is_an_mcp_client_span_in_its_turn() {
    let spans = map_all(&Policy::default());
    let turn = spans
        .iter()
        .find(|s| s.name == "invoke_agent claude-code")
        .unwrap();
    let m = spans
        .iter()
        .find(|s| s.name == "tools/call read_file")
        .unwrap();
    assert_eq!(m.kind, SpanKind::Client);
    assert_eq!(m.parent, Some(turn.span_id));
    assert_eq!(str_attr(m, "mcp.method.name"), "tools/call");
    assert_eq!(str_attr(m, "mcp.protocol.version"), "2026-07-28");
    assert_eq!(str_attr(m, "rpc.response.status_code"), "-32602");
    assert_eq!(str_attr(m, "error.type"), "-32602");
    assert_eq!(str_attr(m, "gen_ai.tool.name"), "read_file");
    assert!(m.error.is_some());
    assert!(attr(m, "mcp.session.id").is_none());
    assert_eq!(m.end.as_micros() - m.start.as_micros(), 5000);
}

#[test]
fn tool_output_leaves_only_when_allowed() {
    let on = map_all(&Policy::default());
    let tool = on.iter().find(|s| s.name == "execute_tool Read").unwrap();
    assert_eq!(str_attr(tool, "output.value"), "fn main() {}");
    assert_eq!(str_attr(tool, "gen_ai.tool.call.result"), "fn main() {}");
    let off = map_all(&Policy {
        tool_output: false,
        ..Policy::default()
    });
    for s in &off {
        for k in [
            "output.value",
            "gen_ai.tool.call.result",
            "langfuse.observation.output",
        ] {
            assert!(attr(s, k).is_none(), "{k} on {}", s.name);
        }
    }
}

#[test]
fn only_the_configured_types_become_spans() {
    let p = Policy {
        types: vec![crate::event::Kind::ToolCall],
        ..Policy::default()
    };
    let spans = map_all(&p);
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["execute_tool Read", "session claude-code"]);
    // Without its turn, the call nests in the session.
    assert_eq!(spans[0].parent, Some(spans[1].span_id));
}

#[test]
fn a_change_of_a_command_sent_earlier_is_a_span_inside_it() {
    let edit = ev(
        5,
        Data::EditFiles(EditFiles {
            files: vec![FileChange {
                path: "a.rs".into(),
                change: crate::event::ChangeKind::Modified,
                old: None,
                new: None,
                mode: "100644".into(),
                from: None,
                old_mode: None,
                extra: Default::default(),
            }],
            cause: Some("E2".into()),
            ..EditFiles::default()
        }),
    );
    let evs = vec![edit];
    let mut l = Fake(store());
    let spans = batch_spans(&Batch::new(&evs), &mut l, &Policy::default());
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].parent, Some(event_span_id("E2")));
    assert_eq!(spans[0].events[0].name, "devtrace.file_change");
    // In the command's own batch it is a span event of the command instead.
    let mut all = store();
    all.push(evs[0].clone());
    let mut l = Fake(all.clone());
    let spans = batch_spans(&Batch::new(&all), &mut l, &Policy::default());
    assert!(spans.iter().all(|s| s.name != "edit_files"));
    let tool = spans
        .iter()
        .find(|s| s.name == "execute_tool Read")
        .unwrap();
    assert_eq!(tool.events.len(), 1);
}
