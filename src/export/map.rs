//! Which spans the events make, and how they nest: a root span per session
//! (sent when the session ends), a span per command and per tool or MCP
//! call (sent as soon as the event is read), an `invoke_agent` span per
//! prompt turn (sent when the next prompt or the session's end closes it),
//! with tool calls nested in their turn. A session or turn still open at
//! the end of a batch is sent early, as it is so far, and again when it
//! closes, with the same id. File changes, notes and snapshots
//! are span events of the span they belong to: a change of the command
//! that caused it (when both are in one batch, as ingest stores them),
//! else of the turn or session it happened in.

use super::attrs::{self, Policy};
use super::span::{event_span_id, session_span_id, trace_id, Span, SpanEvent, SpanKind};
use crate::event::{Data, Event, FileChange, SessionStart};
use crate::timestamp::Timestamp;
use std::collections::HashSet;

/// What the mapping needs to know beyond one event: the store, read
/// through redaction.
pub trait Lookup {
    /// The session's `session_start` data.
    fn session_start(&mut self, session: &str) -> Option<SessionStart>;
    /// The prompt whose turn the event at `seq` of `session` is in.
    fn turn_of(&mut self, session: &str, seq: u64) -> Option<Event>;
    /// The session's events strictly between two sequence numbers.
    fn between(&mut self, session: &str, after: u64, before: u64) -> Vec<Event>;
    /// Hears of each event after it was mapped (to keep caches current).
    fn saw(&mut self, _ev: &Event) {}
    /// A file change's unified diff, redacted and bounded (None when its
    /// contents were not kept).
    fn diff(&mut self, _f: &FileChange) -> Option<String> {
        None
    }
}

/// An event's span events, with diffs when the policy sends them.
fn events_of(ev: &Event, l: &mut dyn Lookup, p: &Policy) -> Vec<SpanEvent> {
    attrs::span_events(ev, &mut |f| if p.diffs { l.diff(f) } else { None })
}

/// One batch of events being mapped.
pub struct Batch<'a> {
    pub events: &'a [Event],
    pub ids: HashSet<&'a str>,
}

impl<'a> Batch<'a> {
    pub fn new(events: &'a [Event]) -> Batch<'a> {
        let ids = events.iter().map(|e| e.id.as_str()).collect();
        Batch { events, ids }
    }

    /// Whether an event of `ev`'s session after it in this batch matches.
    fn later(&self, ev: &Event, what: fn(&Data) -> bool) -> bool {
        self.events
            .iter()
            .any(|e| e.session == ev.session && e.seq > ev.seq && what(&e.data))
    }

    /// The changes the event caused, stored in this batch.
    fn caused_by(&self, id: &str) -> impl Iterator<Item = &'a Event> + '_ {
        let id = id.to_owned();
        self.events.iter().filter(move |e| match &e.data {
            Data::EditFiles(f) => f.cause.as_deref() == Some(id.as_str()),
            _ => false,
        })
    }
}

/// The spans of every event of a batch, in order.
pub fn batch_spans(b: &Batch, l: &mut dyn Lookup, p: &Policy) -> Vec<Span> {
    let mut out = Vec::new();
    for ev in b.events {
        spans_of(ev, b, l, p, &mut out);
        l.saw(ev);
    }
    out
}

/// When a command or call began and ended.
fn times(ev: &Event) -> (Timestamp, Timestamp) {
    let (start, end) = match &ev.data {
        Data::RunCommand(c) => (c.started_at, c.ended_at),
        Data::ToolCall(t) => (t.started_at, t.ended_at),
        _ => (None, None),
    };
    let dur = ev.data.duration().unwrap_or_default();
    match (start, end) {
        (Some(s), Some(e)) => (s, e.max(s)),
        (Some(s), None) => (s, s.saturating_add(dur)),
        (None, Some(e)) => (e.saturating_sub(dur), e),
        (None, None) => (ev.ts, ev.ts.saturating_add(dur)),
    }
}

fn spans_of(ev: &Event, b: &Batch, l: &mut dyn Lookup, p: &Policy, out: &mut Vec<Span>) {
    match &ev.data {
        Data::RunCommand(_) | Data::ToolCall(_) | Data::McpCall(_) if p.allows(ev) => {
            out.push(call_span(ev, b, l, p));
        }
        Data::EditFiles(e) if p.allows(ev) => {
            // A change whose command was sent in an earlier batch: a span of
            // its own, inside the command's.
            if let Some(cause) = e.cause.as_deref().filter(|c| !b.ids.contains(c)) {
                let start = l.session_start(&ev.session);
                let mut a = attrs::common(ev, start.as_ref());
                a.push(("devtrace.event.id", super::span::s(&ev.id)));
                out.push(Span {
                    trace_id: trace_id(&ev.session),
                    span_id: event_span_id(&ev.id),
                    parent: Some(event_span_id(cause)),
                    name: "edit_files".into(),
                    kind: SpanKind::Internal,
                    start: ev.ts,
                    end: ev.ts,
                    attrs: a,
                    events: events_of(ev, l, p),
                    error: None,
                });
            }
        }
        // A session or turn still open at the end of the batch is sent
        // now as it is, so that what happens in it never waits for its
        // parent; its close sends it again, whole, with the same id.
        Data::SessionStart(_) if !b.later(ev, |d| matches!(d, Data::SessionEnd(_))) => {
            out.push(root_span(ev, l, p));
        }
        Data::Prompt(_) => {
            if let Some(prev) = l.turn_of(&ev.session, ev.seq) {
                out.extend(turn_span(&prev, ev, l, p));
            }
            let closes = |d: &Data| matches!(d, Data::Prompt(_) | Data::SessionEnd(_));
            if !b.later(ev, closes) {
                out.extend(turn_span(ev, ev, l, p));
            }
        }
        Data::SessionEnd(_) => {
            if let Some(prev) = l.turn_of(&ev.session, ev.seq) {
                out.extend(turn_span(&prev, ev, l, p));
            }
            out.push(root_span(ev, l, p));
        }
        _ => {}
    }
}

/// The span an event's span nests in: its turn's, else its session's.
fn parent_of(ev: &Event, l: &mut dyn Lookup, p: &Policy) -> [u8; 8] {
    match l.turn_of(&ev.session, ev.seq) {
        Some(prompt) if p.allows(&prompt) => event_span_id(&prompt.id),
        _ => session_span_id(&ev.session),
    }
}

/// A command, a tool call or an MCP call.
fn call_span(ev: &Event, b: &Batch, l: &mut dyn Lookup, p: &Policy) -> Span {
    let start = l.session_start(&ev.session);
    let mut a = attrs::common(ev, start.as_ref());
    a.push(("devtrace.event.id", super::span::s(&ev.id)));
    let (name, kind, error, more) = match &ev.data {
        Data::RunCommand(c) => {
            let exe = attrs::executable(c.command.text());
            let err = c
                .exit_code
                .filter(|&x| x != 0)
                .map(|x| format!("exit status {x}"));
            let name = if exe.is_empty() {
                "command".into()
            } else {
                exe.clone()
            };
            (
                name,
                SpanKind::Client,
                err,
                attrs::command(ev, c, &exe, start.as_ref()),
            )
        }
        Data::ToolCall(t) => {
            let err = attrs::tool_error(t).map(|e| match t.exit_code {
                Some(code) if code != 0 => format!("exit status {e}"),
                _ => "the tool call failed".to_owned(),
            });
            (
                format!("execute_tool {}", t.tool),
                SpanKind::Internal,
                err,
                attrs::tool(ev, t, p),
            )
        }
        Data::McpCall(m) => {
            let name = format!("tools/call {}", m.tool.as_deref().unwrap_or(""))
                .trim()
                .to_owned();
            let err = attrs::mcp_error(m).map(|e| format!("MCP error {e}"));
            (name, SpanKind::Client, err, attrs::mcp(m, p))
        }
        _ => unreachable!("call_span of a {}", ev.data.type_name()),
    };
    a.extend(more);
    let (t0, t1) = times(ev);
    let mut events = Vec::new();
    for change in b.caused_by(&ev.id).filter(|e| p.allows(e)) {
        events.extend(events_of(change, l, p));
    }
    Span {
        trace_id: trace_id(&ev.session),
        span_id: event_span_id(&ev.id),
        parent: Some(parent_of(ev, l, p)),
        name,
        kind,
        start: t0,
        end: t1,
        attrs: a,
        events,
        error,
    }
}

/// The span events of what happened in a turn or session outside any
/// command: notes, snapshots, changes made between commands.
fn loose_events(evs: &[Event], l: &mut dyn Lookup, p: &Policy) -> Vec<SpanEvent> {
    let mut out = Vec::new();
    for e in evs.iter().filter(|e| p.allows(e)) {
        let loose = match &e.data {
            Data::EditFiles(f) => f.cause.is_none(),
            Data::Note(_) | Data::GitSnapshot(_) => true,
            _ => false,
        };
        if loose {
            out.extend(events_of(e, l, p));
        }
    }
    out
}

/// The turn of `prompt`, closed by `close` (the next prompt or the end;
/// the prompt itself while the turn is open).
fn turn_span(prompt: &Event, close: &Event, l: &mut dyn Lookup, p: &Policy) -> Option<Span> {
    let Data::Prompt(pr) = &prompt.data else {
        return None;
    };
    if !p.allows(prompt) {
        return None;
    }
    let inside = l.between(&prompt.session, prompt.seq, close.seq);
    let end = inside
        .iter()
        .map(|e| times(e).1)
        .fold(prompt.ts, Timestamp::max);
    let start = l.session_start(&prompt.session);
    let mut a = attrs::common(prompt, start.as_ref());
    a.push(("devtrace.event.id", super::span::s(&prompt.id)));
    a.extend(attrs::turn(prompt, pr, start.as_ref()));
    let agent = prompt.agent.as_deref().unwrap_or("agent");
    Some(Span {
        trace_id: trace_id(&prompt.session),
        span_id: event_span_id(&prompt.id),
        parent: Some(session_span_id(&prompt.session)),
        name: format!("invoke_agent {agent}"),
        kind: SpanKind::Internal,
        start: prompt.ts,
        end,
        attrs: a,
        events: loose_events(&inside, l, p),
        error: None,
    })
}

/// The session's root span, at its end (at its start while it is open).
fn root_span(end: &Event, l: &mut dyn Lookup, p: &Policy) -> Span {
    let start = l.session_start(&end.session);
    let all = l.between(&end.session, 0, end.seq);
    // What a turn holds is the turn's; the root holds what came before.
    let first_turn = all
        .iter()
        .find(|e| matches!(e.data, Data::Prompt(_)) && p.allows(e))
        .map_or(end.seq, |e| e.seq);
    let before: Vec<Event> = all.iter().filter(|e| e.seq < first_turn).cloned().collect();
    let t0 = all
        .iter()
        .find(|e| matches!(e.data, Data::SessionStart(_)))
        .or(all.first())
        .map_or(end.ts, |e| e.ts);
    let reason = match &end.data {
        Data::SessionEnd(e) => e.reason.as_str(),
        _ => "",
    };
    let mut a = attrs::common(end, start.as_ref());
    a.extend(attrs::session(start.as_ref(), end.agent.as_deref(), reason));
    let who = end
        .agent
        .clone()
        .or_else(|| start.as_ref().and_then(|s| s.shell.clone()))
        .unwrap_or_else(|| "shell".into());
    Span {
        trace_id: trace_id(&end.session),
        span_id: session_span_id(&end.session),
        parent: None,
        name: format!("session {who}"),
        kind: SpanKind::Internal,
        start: t0,
        end: end.ts.max(t0),
        attrs: a,
        events: loose_events(&before, l, p),
        error: None,
    }
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
