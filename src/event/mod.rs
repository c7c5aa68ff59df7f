//! The Event type: the public JSON contract of `events.jsonl` and `--json`.
//!
//! An event is its envelope (id, session, time, place) and its [`Data`]:
//! one struct per type ([`data`]), or, for a type this version does not
//! know, the raw `data` kept whole. Lines are written in contract order,
//! `type` among the envelope's fields and `data` last.

pub mod data;
pub mod schema;
pub mod text;

pub use data::*;
pub use text::{base64_decode, base64_encode, Text};

use crate::timestamp::{self, Timestamp};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::time::Duration;

pub const SCHEMA_VERSION: u32 = 1;

/// The event types of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    SessionStart,
    RunCommand,
    EditFiles,
    GitSnapshot,
    Note,
    Prompt,
    ToolCall,
    McpCall,
    TurnEnd,
    SessionEnd,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::SessionStart,
        Kind::RunCommand,
        Kind::EditFiles,
        Kind::GitSnapshot,
        Kind::Note,
        Kind::Prompt,
        Kind::ToolCall,
        Kind::McpCall,
        Kind::TurnEnd,
        Kind::SessionEnd,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::SessionStart => "session_start",
            Kind::RunCommand => "run_command",
            Kind::EditFiles => "edit_files",
            Kind::GitSnapshot => "git_snapshot",
            Kind::Note => "note",
            Kind::Prompt => "prompt",
            Kind::ToolCall => "tool_call",
            Kind::McpCall => "mcp_call",
            Kind::TurnEnd => "turn_end",
            Kind::SessionEnd => "session_end",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The names of the event types, in contract order.
pub const TYPES: [&str; 10] = {
    let mut t = [""; 10];
    let mut i = 0;
    while i < 10 {
        t[i] = Kind::ALL[i].as_str();
        i += 1;
    }
    t
};

/// An event's own fields, by type.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    SessionStart(SessionStart),
    RunCommand(RunCommand),
    EditFiles(EditFiles),
    GitSnapshot(GitSnapshot),
    Note(Note),
    Prompt(Prompt),
    ToolCall(ToolCall),
    McpCall(McpCall),
    TurnEnd(TurnEnd),
    SessionEnd(SessionEnd),
    /// A type this version does not know (or a `data` it cannot read),
    /// kept whole.
    Other {
        kind: String,
        data: Value,
    },
}

impl Data {
    pub fn kind(&self) -> Option<Kind> {
        Some(match self {
            Data::SessionStart(_) => Kind::SessionStart,
            Data::RunCommand(_) => Kind::RunCommand,
            Data::EditFiles(_) => Kind::EditFiles,
            Data::GitSnapshot(_) => Kind::GitSnapshot,
            Data::Note(_) => Kind::Note,
            Data::Prompt(_) => Kind::Prompt,
            Data::ToolCall(_) => Kind::ToolCall,
            Data::McpCall(_) => Kind::McpCall,
            Data::TurnEnd(_) => Kind::TurnEnd,
            Data::SessionEnd(_) => Kind::SessionEnd,
            Data::Other { .. } => return None,
        })
    }

    /// The `type` of the event.
    pub fn type_name(&self) -> &str {
        match self {
            Data::Other { kind, .. } => kind,
            d => d.kind().map_or("", Kind::as_str),
        }
    }

    /// Reads the `data` of an event of type `kind`; what does not read as
    /// its type's struct is kept whole.
    pub fn from_value(kind: &str, data: Value) -> Data {
        fn read<T: serde::de::DeserializeOwned>(data: Value, kind: &str, f: fn(T) -> Data) -> Data {
            match T::deserialize(&data) {
                Ok(d) => f(d),
                Err(_) => Data::Other {
                    kind: kind.to_owned(),
                    data,
                },
            }
        }
        match Kind::parse(kind) {
            Some(Kind::SessionStart) => read(data, kind, Data::SessionStart),
            Some(Kind::RunCommand) => read(data, kind, Data::RunCommand),
            Some(Kind::EditFiles) => read(data, kind, Data::EditFiles),
            Some(Kind::GitSnapshot) => read(data, kind, Data::GitSnapshot),
            Some(Kind::Note) => read(data, kind, Data::Note),
            Some(Kind::Prompt) => read(data, kind, Data::Prompt),
            Some(Kind::ToolCall) => read(data, kind, Data::ToolCall),
            Some(Kind::McpCall) => read(data, kind, Data::McpCall),
            Some(Kind::TurnEnd) => read(data, kind, Data::TurnEnd),
            Some(Kind::SessionEnd) => read(data, kind, Data::SessionEnd),
            None => Data::Other {
                kind: kind.to_owned(),
                data,
            },
        }
    }

    /// A field that is not one of the type's own: a newer version's.
    fn other_field(&self, key: &str) -> Option<&Value> {
        match self {
            Data::SessionStart(d) => d.extra.get(key),
            Data::RunCommand(d) => d.extra.get(key),
            Data::EditFiles(d) => d.extra.get(key),
            Data::GitSnapshot(d) => d.extra.get(key),
            Data::Note(d) => d.extra.get(key),
            Data::Prompt(d) => d.extra.get(key),
            Data::ToolCall(d) => d.extra.get(key),
            Data::McpCall(d) => d.extra.get(key),
            Data::TurnEnd(d) => d.extra.get(key),
            Data::SessionEnd(d) => d.extra.get(key),
            Data::Other { data, .. } => data.get(key),
        }
    }

    /// The exit status: a command's, or any type's `exit_code`.
    pub fn exit_code(&self) -> Option<i64> {
        match self {
            Data::RunCommand(c) => c.exit_code.map(i64::from),
            d => d.other_field("exit_code").and_then(Value::as_i64),
        }
    }

    /// How long it took: a command's or a call's `duration_ms`.
    pub fn duration(&self) -> Option<Duration> {
        match self {
            Data::RunCommand(c) => c.duration,
            Data::ToolCall(t) => t.duration,
            Data::McpCall(m) => m.duration,
            d => d
                .other_field("duration_ms")
                .and_then(Value::as_i64)
                .map(|ms| Duration::from_millis(ms.max(0) as u64)),
        }
    }

    /// The command line an event ran: a shell command's, or the command of
    /// an agent's shell tool call.
    pub fn command_text(&self) -> Option<String> {
        match self {
            Data::RunCommand(c) => Some(c.command.text().to_owned()),
            Data::ToolCall(t) => t.input.get("command").map(value_text),
            Data::Other { data, .. } => data.get("command").map(value_text),
            _ => None,
        }
    }
}

impl Serialize for Data {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Data::SessionStart(d) => d.serialize(s),
            Data::RunCommand(d) => d.serialize(s),
            Data::EditFiles(d) => d.serialize(s),
            Data::GitSnapshot(d) => d.serialize(s),
            Data::Note(d) => d.serialize(s),
            Data::Prompt(d) => d.serialize(s),
            Data::ToolCall(d) => d.serialize(s),
            Data::McpCall(d) => d.serialize(s),
            Data::TurnEnd(d) => d.serialize(s),
            Data::SessionEnd(d) => d.serialize(s),
            Data::Other { data, .. } => data.serialize(s),
        }
    }
}

/// One event, exactly as it is written to `events.jsonl` (field order kept).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub v: u32,
    pub id: String,
    pub session: String,
    pub seq: u64,
    /// When it happened (written with millisecond digits).
    pub ts: Timestamp,
    pub agent: Option<String>,
    pub cwd: String,
    pub repo: Option<String>,
    pub data: Data,
}

/// The line's shape, borrowed for writing.
#[derive(Serialize)]
struct LineOut<'a> {
    v: u32,
    id: &'a str,
    session: &'a str,
    seq: u64,
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(with = "timestamp::rfc3339_ms")]
    ts: Timestamp,
    agent: &'a Option<String>,
    cwd: &'a str,
    repo: &'a Option<String>,
    data: &'a Data,
}

/// The line's shape, owned for reading.
#[derive(Deserialize)]
struct LineIn {
    v: u32,
    id: String,
    session: String,
    seq: u64,
    #[serde(rename = "type")]
    kind: String,
    #[serde(with = "timestamp::rfc3339_ms")]
    ts: Timestamp,
    agent: Option<String>,
    cwd: String,
    repo: Option<String>,
    data: Value,
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        LineOut {
            v: self.v,
            id: &self.id,
            session: &self.session,
            seq: self.seq,
            kind: self.data.type_name(),
            ts: self.ts,
            agent: &self.agent,
            cwd: &self.cwd,
            repo: &self.repo,
            data: &self.data,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let l = LineIn::deserialize(d)?;
        Ok(Event {
            v: l.v,
            id: l.id,
            session: l.session,
            seq: l.seq,
            ts: l.ts,
            agent: l.agent,
            cwd: l.cwd,
            repo: l.repo,
            data: Data::from_value(&l.kind, l.data),
        })
    }
}

impl Event {
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("an Event always serialises")
    }

    /// The type, if this version knows it.
    pub fn kind(&self) -> Option<Kind> {
        self.data.kind()
    }

    pub fn is(&self, kind: Kind) -> bool {
        self.kind() == Some(kind)
    }

    /// The `type` as written.
    pub fn type_name(&self) -> &str {
        self.data.type_name()
    }

    /// The command line an event ran: a shell command's, or the command of
    /// an agent's shell tool call.
    pub fn command_text(&self) -> Option<String> {
        self.data.command_text()
    }

    /// The command that made an `edit_files` event's changes.
    pub fn cause(&self) -> Option<&str> {
        match &self.data {
            Data::EditFiles(e) => e.cause.as_deref(),
            _ => None,
        }
    }

    /// The commands one of which made an `edit_files` event's changes (or
    /// they were made between them), when it cannot be told which.
    pub fn causes(&self) -> &[String] {
        match &self.data {
            Data::EditFiles(e) => e.causes.as_deref().unwrap_or_default(),
            _ => &[],
        }
    }
}

/// Longest string kept of a free-form value recorded from outside (a tool's
/// input, an MCP call's arguments): a Write's whole file would fill the store.
pub const MAX_VALUE_STRING: usize = 4096;

/// `v` with every string over [`MAX_VALUE_STRING`] bytes cut, its length noted.
pub fn bound_strings(v: Value) -> Value {
    cut_strings(v, &|len| format!("[{len} bytes]"))
}

/// `v` with every string over [`MAX_VALUE_STRING`] bytes cut at a character
/// boundary and followed by `… ` and `note(its length)`.
pub fn cut_strings(v: Value, note: &dyn Fn(usize) -> String) -> Value {
    match v {
        Value::String(s) if s.len() > MAX_VALUE_STRING => {
            let mut cut = MAX_VALUE_STRING;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            Value::String(format!("{}… {}", &s[..cut], note(s.len())))
        }
        Value::Array(a) => Value::Array(a.into_iter().map(|x| cut_strings(x, note)).collect()),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, x)| (k, cut_strings(x, note)))
                .collect(),
        ),
        other => other,
    }
}

/// The readable text of a free-form value that may hold a [`Text`].
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) => m
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
