//! What the tools share: the store they answer for, redaction, limits,
//! times, who, sessions, and events cut to size.

use crate::agent::Who;
use crate::store::Store;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// A call the tool refuses, with what was wrong: sent back as a tool
/// result with `isError`, never as a protocol error.
#[derive(Debug)]
pub struct ToolError(pub String);

impl<E: std::fmt::Display> From<E> for ToolError {
    fn from(e: E) -> Self {
        ToolError(e.to_string())
    }
}

pub type ToolResult<T> = Result<T, ToolError>;

/// The store the server answers for, and the user's redaction patterns.
pub struct Ctx {
    pub store_dir: PathBuf,
    pub patterns: Vec<crate::config::Pattern>,
}

/// Most bytes of events one result carries (at least one event).
pub(super) const MAX_EVENTS_BYTES: usize = 256 * 1024;

impl Ctx {
    pub fn new(store_dir: &Path) -> Ctx {
        let patterns = crate::config::load(Some(store_dir))
            .map(|c| c.redact_patterns)
            .unwrap_or_default();
        Ctx {
            store_dir: store_dir.to_path_buf(),
            patterns,
        }
    }

    pub fn store(&self) -> ToolResult<Store> {
        Store::open(&self.store_dir).map_err(|e| ToolError(format!("cannot open the store: {e:#}")))
    }

    /// The directory the store records (its repository's root).
    pub fn root(&self) -> PathBuf {
        self.store_dir
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// A value as it may leave the server: redacted with the built-in rules
    /// and the user's patterns.
    pub fn redact(&self, v: &mut Value) {
        crate::redact::value_with(v, &self.patterns);
    }
}

pub(super) fn out<T: Serialize>(v: T) -> ToolResult<Value> {
    Ok(serde_json::to_value(v)?)
}

/// The arguments as the tool's type: an unknown field, a wrong type or a
/// missing field says which.
pub(super) fn parse<T: DeserializeOwned>(args: Map<String, Value>) -> ToolResult<T> {
    serde_path_to_error::deserialize(Value::Object(args)).map_err(|e| {
        let at = e.path().to_string();
        let why = e.into_inner();
        if at == "." {
            ToolError(format!("invalid arguments: {why}"))
        } else {
            ToolError(format!("{at}: {why}"))
        }
    })
}

/// A limit within 1..=max, `default` when not given.
pub(super) fn clamp(limit: Option<u32>, default: u32, max: u32) -> usize {
    limit.unwrap_or(default).clamp(1, max) as usize
}

/// `since`/`until` as milliseconds.
pub(super) fn when(name: &str, s: &Option<String>) -> ToolResult<Option<i64>> {
    s.as_deref()
        .map(|s| crate::timefmt::parse_when(s, crate::timestamp::Timestamp::now()))
        .transpose()
        .map_err(|e| {
            ToolError(format!(
                "{name}: {e:#} (use 2h, 30m, yesterday, 2026-11-01 or RFC 3339)"
            ))
        })
}

/// `agent`: a name, `person` (no agent) or `any` (any agent).
pub(super) fn who(agent: &Option<String>) -> Option<Who> {
    match agent.as_deref()? {
        "person" | "human" => Some(Who::Human),
        "any" | "*" => Some(Who::AnyAgent),
        name => Some(Who::Agent(name.to_owned())),
    }
}

pub(super) fn session_id(store: &Store, wanted: &str) -> ToolResult<String> {
    store
        .resolve_session(wanted)
        .map_err(|e| ToolError(format!("session: {e:#} (list them with list_sessions)")))
}

/// An event as a result carries it: its long strings cut.
pub(super) fn bounded_event(ev: &crate::event::Event) -> Value {
    bound(serde_json::to_value(ev).unwrap_or(Value::Null))
}

/// Strings longer than `MAX_VALUE_STRING` bytes cut, with their length
/// noted.
pub(super) fn bound(v: Value) -> Value {
    crate::event::cut_strings(v, &|len| format!("[cut: {len} bytes in all]"))
}
