//! One opencode session's messages as events, with the sessions of the
//! subagents its `task` calls started nested under those calls.
//!
//! A subagent (sst/opencode, now anomalyco/opencode, `packages/opencode/
//! src/tool/task.ts`) runs in a child session, created with `parentID` the
//! calling session and titled `DESCRIPTION (@AGENT subagent)`; the task
//! call's `tool` part keeps the child's id in `state.metadata.sessionId`
//! (older versions also in its output, `session_id: ID` in
//! `<task_metadata>`; newer ones `<task id="ID" ...>`). A call given a
//! `task_id` resumes that child, so a child's messages belong to the call
//! whose run they fall in (`state.time`), a background call's (`metadata.
//! background`) to it from its start on.

use super::super::sink::{self, Sink};
use crate::cmd::agent_hook::{outcome, Hook, MAX_WORDS};
use crate::event::{Data, Subagent, ToolCall, Usage};
use crate::timestamp::Timestamp;
use serde_json::Value;

/// A message and its parts, in order.
pub type Message = (Value, Vec<Value>);

/// The messages of a session named by its id (a subagent's child session).
pub type Load<'a> = dyn FnMut(&str) -> Vec<Message> + 'a;

/// How deep subagents nest before the rest is left out (opencode's own
/// limit, `subagent_depth`, is 1 unless raised).
const MAX_DEPTH: usize = 4;

#[derive(Default)]
struct Turn {
    /// The assistant's reasoning and text since the last tool call.
    texts: Vec<String>,
    /// Its text alone since then: the turn's last message.
    said: Vec<String>,
    model: Option<String>,
    usage: Option<Usage>,
    last: Option<Timestamp>,
}

/// The session being read: where its events go, how to find its children.
pub struct Reader<'a, 'b> {
    pub sink: Sink,
    pub dir: String,
    pub load: &'a mut Load<'b>,
}

/// A session's messages: the root's (`sub` None), or a subagent's.
struct Level<'s> {
    sub: Option<&'s Subagent>,
    depth: usize,
    turn: Turn,
}

impl Reader<'_, '_> {
    /// The root session's messages, as events.
    pub fn session(mut self, messages: &[Message]) -> Sink {
        let mut level = Level {
            sub: None,
            depth: 0,
            turn: Turn::default(),
        };
        self.messages(messages, &mut level);
        self.sink
    }

    fn messages(&mut self, messages: &[Message], level: &mut Level) {
        for (m, parts) in messages {
            let Some(at) = created(m) else {
                continue;
            };
            match m["role"].as_str() {
                Some("user") => {
                    let text: Vec<&str> = parts
                        .iter()
                        .filter(|p| p["type"] == "text" && p["synthetic"] != true)
                        .filter_map(|p| p["text"].as_str())
                        .collect();
                    if text.is_empty() {
                        continue;
                    }
                    self.end_turn(level);
                    // A subagent's prompt is its task call's input.
                    if level.sub.is_none() {
                        let session = self.sink.session().to_owned();
                        let p = sink::prompt(at, text.join("\n"), &session);
                        self.sink.push(at, &self.dir, p);
                    }
                }
                Some("assistant") => self.assistant(m, parts, at, level),
                _ => {}
            }
        }
        self.end_turn(level);
    }

    fn assistant(&mut self, m: &Value, parts: &[Value], at: Timestamp, level: &mut Level) {
        let turn = &mut level.turn;
        let done = m["time"]["completed"].as_i64().map(Timestamp::from_millis);
        turn.last = Some(done.unwrap_or(at));
        turn.model = m["modelID"]
            .as_str()
            .map(str::to_owned)
            .or(turn.model.take());
        let t = &m["tokens"];
        if t.is_object() {
            let n = |v: &Value| v.as_u64();
            turn.usage.get_or_insert_with(Usage::default).add(&Usage {
                input_tokens: n(&t["input"]),
                output_tokens: n(&t["output"]),
                cache_read_tokens: n(&t["cache"]["read"]),
                cache_write_tokens: n(&t["cache"]["write"]),
                ..Usage::default()
            });
        }
        for p in parts {
            let text = p["text"].as_str().filter(|t| !t.trim().is_empty());
            let turn = &mut level.turn;
            match (p["type"].as_str(), text) {
                (Some("reasoning"), Some(t)) => turn.texts.push(t.to_owned()),
                (Some("text"), Some(t)) if p["synthetic"] != true => {
                    turn.texts.push(t.to_owned());
                    turn.said.push(t.to_owned());
                }
                (Some("tool"), _) => self.tool(p, at, level),
                _ => {}
            }
        }
    }

    /// A call, then, when it started a subagent, that subagent's session.
    fn tool(&mut self, p: &Value, at: Timestamp, level: &mut Level) {
        let session = self.sink.session().to_owned();
        let mut call = call(p, at, &session, &level.turn.texts);
        level.turn.texts.clear();
        level.turn.said.clear();
        call.subagent = level.sub.cloned();
        let child = (level.depth < MAX_DEPTH)
            .then(|| started(p))
            .flatten()
            .map(|id| {
                let msgs = (self.load)(&id);
                (id, msgs)
            });
        let child = child.filter(|(_, msgs)| !msgs.is_empty());
        if let Some((id, _)) = &child {
            call.started_subagent = Some(Subagent {
                id: id.clone(),
                kind: p["state"]["input"]["subagent_type"]
                    .as_str()
                    .map(str::to_owned),
                ..Subagent::default()
            });
        }
        let window = run_of(p, call.started_at.unwrap_or(at));
        let sub = call.started_subagent.clone();
        let begun = call.started_at.unwrap_or(at);
        self.sink.push(begun, &self.dir, Data::ToolCall(call));
        let (Some((_, msgs)), Some(sub)) = (child, sub) else {
            return;
        };
        let mine: Vec<Message> = msgs
            .into_iter()
            .filter(|(m, _)| created(m).is_some_and(|t| window.contains(t)))
            .collect();
        let mut inner = Level {
            sub: Some(&sub),
            depth: level.depth + 1,
            turn: Turn::default(),
        };
        self.messages(&mine, &mut inner);
    }

    fn end_turn(&mut self, level: &mut Level) {
        let t = std::mem::take(&mut level.turn);
        let Some(at) = t.last else {
            return;
        };
        let message = (!t.said.is_empty()).then(|| t.said.join("\n\n"));
        let session = self.sink.session().to_owned();
        if let Some(mut d) = sink::turn_end(message, t.model, t.usage, &session) {
            if let Data::TurnEnd(e) = &mut d {
                e.subagent = level.sub.cloned();
            }
            self.sink.push(at, &self.dir, d);
        }
    }
}

fn created(m: &Value) -> Option<Timestamp> {
    m["time"]["created"].as_i64().map(Timestamp::from_millis)
}

/// The child session a `task` call started: its metadata's `sessionId`,
/// else the id its output names.
fn started(p: &Value) -> Option<String> {
    if p["tool"] != "task" {
        return None;
    }
    let st = &p["state"];
    if let Some(id) = st["metadata"]["sessionId"].as_str() {
        return Some(id.to_owned());
    }
    let out = st["output"].as_str()?;
    ["session_id: ", "<task id=\""].iter().find_map(|mark| {
        let rest = &out[out.find(mark)? + mark.len()..];
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
        Some(rest[..end].to_owned()).filter(|id| id.starts_with("ses_"))
    })
}

/// When a call ran: from its start to its end (a background call's, or
/// one still running, to no end).
struct Window {
    from: Timestamp,
    to: Option<Timestamp>,
}

impl Window {
    fn contains(&self, t: Timestamp) -> bool {
        t >= self.from && self.to.is_none_or(|to| t <= to)
    }
}

fn run_of(p: &Value, start: Timestamp) -> Window {
    let st = &p["state"];
    let end = st["time"]["end"].as_i64().map(Timestamp::from_millis);
    Window {
        from: start,
        to: end.filter(|_| st["metadata"]["background"] != true),
    }
}

fn call(p: &Value, at: Timestamp, id: &str, texts: &[String]) -> ToolCall {
    let st = &p["state"];
    let input = st["input"].clone();
    let time = |k: &str| st["time"][k].as_i64().map(Timestamp::from_millis);
    let (start, end) = (time("start"), time("end"));
    let status = st["status"].as_str().unwrap_or_default();
    let exit = st["metadata"]["exit"].as_i64().map(|c| c as i32);
    let h = Hook {
        error: st["error"].as_str().map(str::to_owned),
        input: input.clone(),
        // An edit's output is empty: its diff is in its metadata.
        response: match st["output"].as_str().filter(|o| !o.is_empty()) {
            Some(o) => Value::String(o.to_owned()),
            None => st["metadata"]["diff"].clone(),
        },
        exit_code: exit,
        ..Hook::default()
    };
    let out = outcome::of(&h);
    let reasoning = (!texts.is_empty()).then(|| texts.join("\n\n"));
    let finished = matches!(status, "completed" | "error");
    ToolCall {
        tool: p["tool"].as_str().unwrap_or("?").to_owned(),
        intent: input["description"].as_str().map(str::to_owned),
        input: crate::event::bound_strings(input),
        reasoning: reasoning.map(|r| outcome::bound_to(&r, MAX_WORDS)),
        call_id: p["callID"].as_str().unwrap_or_default().to_owned(),
        agent_session: Some(id.to_owned()),
        output: out.output,
        exit_code: out.exit_code,
        is_error: finished.then_some(status == "error" || out.exit_code.is_some_and(|c| c != 0)),
        started_at: Some(start.unwrap_or(at)),
        ended_at: end,
        duration: start
            .zip(end)
            .map(|(s, e)| crate::timestamp::round_ms(e.since(s))),
        extra: sink::imported(),
        ..ToolCall::default()
    }
}

#[cfg(test)]
mod tests {
    use super::started;
    use serde_json::json;

    /// The child a task call names: its metadata's `sessionId`, else the
    /// id in its output (older versions' `<task_metadata>`, newer ones'
    /// `<task id>`); another tool's part names none.
    #[test]
    fn a_task_call_names_its_child_session() {
        let meta = json!({"tool": "task", "state": {"metadata": {"sessionId": "ses_A1"},
            "output": "<task id=\"ses_B2\" state=\"completed\">"}});
        assert_eq!(started(&meta).as_deref(), Some("ses_A1"));
        let old = json!({"tool": "task", "state": {"output":
            "Done.\n\n<task_metadata>\nsession_id: ses_C3\n</task_metadata>"}});
        assert_eq!(started(&old).as_deref(), Some("ses_C3"));
        let new = json!({"tool": "task", "state": {"output":
            "<task id=\"ses_D4\" state=\"completed\">\n<task_result>\nok\n</task_result>\n</task>"}});
        assert_eq!(started(&new).as_deref(), Some("ses_D4"));
        let bash = json!({"tool": "bash", "state": {"metadata": {"sessionId": "ses_E5"}}});
        assert_eq!(started(&bash), None);
        let junk = json!({"tool": "task", "state": {"output": "session_id: none"}});
        assert_eq!(started(&junk), None);
    }
}
