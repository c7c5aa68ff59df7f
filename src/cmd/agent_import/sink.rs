//! The events of one imported session: collected in the transcript's
//! order, then numbered, with ids that derive from the agent's session.

use crate::cmd::agent_hook::{outcome, MAX_WORDS};
use crate::event::{Data, Event, Extra, Prompt, SessionStart, TurnEnd, Usage, SCHEMA_VERSION};
use crate::timestamp::Timestamp;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The events of one imported session, in order.
pub struct Sink {
    root: PathBuf,
    session: String,
    events: Vec<(Timestamp, String, Data)>,
}

impl Sink {
    pub fn new(root: &Path, session: &str) -> Sink {
        Sink {
            root: root.to_path_buf(),
            session: session.to_owned(),
            events: Vec::new(),
        }
    }

    /// The agent's session these events are of.
    pub fn session(&self) -> &str {
        &self.session
    }

    /// Names the session as the transcript does (Codex: its `session_meta`).
    pub fn rename(&mut self, session: &str) {
        self.session = session.to_owned();
    }

    pub fn push(&mut self, at: Timestamp, cwd: &str, data: Data) {
        // Only what happened in this repository.
        if Path::new(cwd).starts_with(&self.root) {
            self.events.push((at, cwd.to_owned(), data));
        }
    }

    /// The session's events, its start first; those before `since` left out.
    pub fn finish(self, agent: &str, since: Option<i64>) -> Vec<Event> {
        let Some((first, cwd, _)) = self.events.first().cloned() else {
            return Vec::new();
        };
        let id = crate::ids::event_id(first, &format!("import {agent}"), &self.session);
        let repo = Some(self.root.to_string_lossy().into_owned());
        let model = self.events.iter().find_map(|(_, _, d)| match d {
            Data::TurnEnd(t) if t.subagent.is_none() => t.model.clone(),
            _ => None,
        });
        let start = Data::SessionStart(SessionStart {
            shell: Some(agent.to_owned()),
            host: String::new(),
            user: String::new(),
            devtrace_version: env!("CARGO_PKG_VERSION").to_owned(),
            agent_session: Some(self.session.clone()),
            model,
            extra: imported(),
            ..SessionStart::default()
        });
        let all = std::iter::once((first, cwd, start)).chain(self.events);
        all.enumerate()
            .filter(|(_, (at, _, _))| since.is_none_or(|s| at.as_millis() >= s))
            .map(|(n, (at, cwd, data))| Event {
                v: SCHEMA_VERSION,
                id: crate::ids::event_id(at, &id, &format!("i{n}")),
                session: id.clone(),
                seq: n as u64 + 1,
                ts: at.floor_millis(),
                agent: Some(agent.to_owned()),
                cwd,
                repo: repo.clone(),
                data,
            })
            .collect()
    }
}

/// An imported prompt, as typed, in the session `session`.
pub fn prompt(at: Timestamp, text: String, session: &str) -> Data {
    Data::Prompt(Prompt {
        text,
        prompt_id: crate::ids::event_id(at, session, "prompt"),
        agent_session: Some(session.to_owned()),
        extra: imported(),
    })
}

/// An imported turn's end: its last message (bounded) and what it cost,
/// in the session `session`; None when it says neither.
pub fn turn_end(
    message: Option<String>,
    model: Option<String>,
    usage: Option<Usage>,
    session: &str,
) -> Option<Data> {
    if message.is_none() && usage.is_none() {
        return None;
    }
    Some(Data::TurnEnd(TurnEnd {
        message: message.map(|m| outcome::bound_to(&m, MAX_WORDS)),
        model,
        usage,
        agent_session: Some(session.to_owned()),
        subagent: None,
        extra: imported(),
    }))
}

/// The mark of an imported event's `data`.
pub fn imported() -> Extra {
    let mut m = Extra::new();
    m.insert("imported".into(), Value::Bool(true));
    m
}
