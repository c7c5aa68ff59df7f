//! The span type the mapping produces and the encoder reads: ids derived
//! from DevTrace's ids, attributes, span events. Independent of protobuf.

use crate::timestamp::Timestamp;

/// An attribute value (the OTLP types DevTrace uses).
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Str(String),
    Int(i64),
}

pub type Attrs = Vec<(&'static str, Val)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    Internal,
    Client,
}

/// A span event: something that happened during a span.
#[derive(Debug, Clone)]
pub struct SpanEvent {
    pub name: &'static str,
    pub time: Timestamp,
    pub attrs: Attrs,
}

#[derive(Debug, Clone)]
pub struct Span {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    pub parent: Option<[u8; 8]>,
    pub name: String,
    pub kind: SpanKind,
    pub start: Timestamp,
    pub end: Timestamp,
    pub attrs: Attrs,
    pub events: Vec<SpanEvent>,
    /// `Some(message)`: the span failed.
    pub error: Option<String>,
}

/// FNV-1a, 64 bits: stable across versions and machines (std's hasher is not).
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in *p {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h.max(1)
}

/// The trace of a session: every span of a session is in one trace.
pub fn trace_id(session: &str) -> [u8; 16] {
    let a = fnv(&[b"devtrace.trace", session.as_bytes()]);
    let b = fnv(&[b"devtrace.trace.2", session.as_bytes()]);
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&a.to_be_bytes());
    out[8..].copy_from_slice(&b.to_be_bytes());
    out
}

/// The span of one event (a command, a call, a prompt's turn).
pub fn event_span_id(event_id: &str) -> [u8; 8] {
    fnv(&[b"devtrace.event", event_id.as_bytes()]).to_be_bytes()
}

/// The root span of a session.
pub fn session_span_id(session: &str) -> [u8; 8] {
    fnv(&[b"devtrace.session", session.as_bytes()]).to_be_bytes()
}

pub use crate::ids::hex;

pub fn s(v: impl Into<String>) -> Val {
    Val::Str(v.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        // Fixed values: a change here re-identifies every exported span.
        assert_eq!(hex(&event_span_id("01ABC")), hex(&event_span_id("01ABC")));
        assert_ne!(event_span_id("01ABC"), event_span_id("01ABD"));
        assert_ne!(session_span_id("S1"), event_span_id("S1"));
        assert_eq!(hex(&trace_id("S1")).len(), 32);
        assert_eq!(
            hex(&event_span_id("x")),
            "51deced48ef81de1",
            "{}",
            hex(&event_span_id("x"))
        );
    }
}
