//! The JSON Schema of the event record (`docs/event.schema.json`): the
//! envelope, and for each `type` the shape of its `data`. A test keeps the
//! committed file equal to what this makes.

use super::data::*;
use super::{Event, Kind, SCHEMA_VERSION};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use std::borrow::Cow;

/// Where the schema is committed, from the repository's root.
pub const PATH: &str = "docs/event.schema.json";

/// The schema, as committed (pretty JSON, ending with a newline).
pub fn render() -> String {
    let mut schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<Event>();
    if let Some(defs) = schema.get_mut("$defs").and_then(|d| d.as_object_mut()) {
        for (name, keys) in always_written() {
            if let Some(def) = defs.get_mut(name).and_then(|d| d.as_object_mut()) {
                def.insert("required".into(), keys.into());
            }
        }
    }
    let mut s = serde_json::to_string_pretty(&schema).expect("a schema serialises");
    s.push('\n');
    s
}

/// The fields each `data` struct always writes (its others are written
/// only when they have a value): required in the schema, although a reader
/// takes their absence as their default.
fn always_written() -> Vec<(&'static str, Vec<String>)> {
    fn keys<T: Default + serde::Serialize>() -> Vec<String> {
        match serde_json::to_value(T::default()) {
            Ok(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }
    let file = ["path", "change", "old", "new", "mode"];
    vec![
        ("SessionStart", keys::<SessionStart>()),
        ("RunCommand", keys::<RunCommand>()),
        ("EditFiles", keys::<EditFiles>()),
        ("FileChange", file.map(String::from).to_vec()),
        ("GitSnapshot", keys::<GitSnapshot>()),
        ("Note", keys::<Note>()),
        ("Prompt", keys::<Prompt>()),
        ("ToolCall", keys::<ToolCall>()),
        ("McpCall", keys::<McpCall>()),
        ("TurnEnd", keys::<TurnEnd>()),
        ("SessionEnd", keys::<SessionEnd>()),
    ]
}

fn data_schema(g: &mut SchemaGenerator, k: Kind) -> Schema {
    match k {
        Kind::SessionStart => g.subschema_for::<SessionStart>(),
        Kind::RunCommand => g.subschema_for::<RunCommand>(),
        Kind::EditFiles => g.subschema_for::<EditFiles>(),
        Kind::GitSnapshot => g.subschema_for::<GitSnapshot>(),
        Kind::Note => g.subschema_for::<Note>(),
        Kind::Prompt => g.subschema_for::<Prompt>(),
        Kind::ToolCall => g.subschema_for::<ToolCall>(),
        Kind::McpCall => g.subschema_for::<McpCall>(),
        Kind::TurnEnd => g.subschema_for::<TurnEnd>(),
        Kind::SessionEnd => g.subschema_for::<SessionEnd>(),
    }
}

impl JsonSchema for Event {
    fn schema_name() -> Cow<'static, str> {
        "Event".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let by_type: Vec<serde_json::Value> = Kind::ALL
            .into_iter()
            .map(|k| {
                serde_json::json!({
                    "properties": {
                        "type": { "const": k.as_str() },
                        "data": data_schema(g, k),
                    }
                })
            })
            .collect();
        json_schema!({
            "title": "DevTrace event",
            "description": "One line of events.jsonl, and of every --json output.",
            "type": "object",
            "required": ["v", "id", "session", "seq", "type", "ts", "agent", "cwd", "repo", "data"],
            "properties": {
                "v": { "description": "Schema version.", "const": SCHEMA_VERSION },
                "id": { "description": "Unique, time-sortable event id.", "type": "string" },
                "session": { "description": "Session id: one per shell process.", "type": "string" },
                "seq": { "description": "Number of the event within its session, from 1.", "type": "integer", "minimum": 0 },
                "type": { "description": "The event type.", "enum": super::TYPES },
                "ts": { "description": "RFC 3339 UTC, millisecond digits.", "type": "string", "format": "date-time" },
                "agent": { "description": "Agent name, or null for a person.", "type": ["string", "null"] },
                "cwd": { "description": "Absolute working directory.", "type": "string" },
                "repo": { "description": "Absolute repo root, or null outside a repo.", "type": ["string", "null"] },
                "data": { "description": "The type's own fields.", "type": "object" }
            },
            "oneOf": by_type,
        })
    }
}
