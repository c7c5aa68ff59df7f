//! The Event type: the public JSON contract of `events.jsonl` and `--json`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const SCHEMA_VERSION: u32 = 1;

/// One event, exactly as it is written to `events.jsonl` (field order kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub v: u32,
    pub id: String,
    pub session: String,
    pub seq: u64,
    #[serde(rename = "type")]
    pub kind: String,
    pub ts: String,
    pub agent: Option<String>,
    pub cwd: String,
    pub repo: Option<String>,
    pub data: Value,
}

/// The event types of the contract.
pub const TYPES: &[&str] = &[
    "session_start",
    "run_command",
    "edit_files",
    "git_snapshot",
    "note",
    "prompt",
    "tool_call",
    "mcp_call",
    "session_end",
];

impl Event {
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("an Event always serialises")
    }

    /// `data.<key>` as i64, if present.
    pub fn data_i64(&self, key: &str) -> Option<i64> {
        self.data.get(key).and_then(Value::as_i64)
    }

    pub fn data_str(&self, key: &str) -> Option<&str> {
        self.data.get(key).and_then(Value::as_str)
    }

    /// The command line an event ran: a shell command's, or the command of
    /// an agent's shell tool call.
    pub fn command_text(&self) -> Option<String> {
        self.data
            .get("command")
            .or_else(|| match self.kind.as_str() {
                "tool_call" => self.data.get("input").and_then(|i| i.get("command")),
                _ => None,
            })
            .map(value_text)
    }
}

/// Text that may not be valid UTF-8, as JSON: the string itself when it is
/// valid, else the lossless form `{"base64": "..."}` beside a readable
/// `"text"` with U+FFFD for the bad bytes. Nothing is ever lost.
pub fn bytes_value(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(s) => Value::String(s.to_owned()),
        Err(_) => serde_json::json!({
            "text": String::from_utf8_lossy(bytes),
            "base64": base64_encode(bytes),
        }),
    }
}

/// The readable text of a value made by [`bytes_value`].
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

/// The exact bytes of a value made by [`bytes_value`].
pub fn value_bytes(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Object(m) => base64_decode(m.get("base64")?.as_str()?),
        _ => None,
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        if c == b'=' {
            break;
        }
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_kept_losslessly() {
        let raw = b"echo \xff\xfe caf\xc3\xa9";
        let v = bytes_value(raw);
        assert_eq!(value_bytes(&v).unwrap(), raw);
        assert!(value_text(&v).contains("caf\u{e9}"));
        let plain = bytes_value("ls ✓".as_bytes());
        assert_eq!(plain, Value::String("ls ✓".into()));
    }

    #[test]
    fn base64_round_trips_every_length() {
        for n in 0..40u8 {
            let data: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(base64_decode(&base64_encode(&data)).unwrap(), data);
        }
    }
}
