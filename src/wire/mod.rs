//! The record format the shell hooks write into their channel (FIFO or spool
//! file) and ingest reads back: encode, decode, nothing else.
//!
//! A record is a run of NUL-terminated fields. Shell strings cannot hold NUL,
//! so no field ever needs escaping, in the shell or here:
//!
//! ```text
//! @DT1 \0 KIND \0 field \0 ... field \0 @ \0
//! ```
//!
//! Each kind has a fixed number of fields, so a command text that contains
//! `@DT1`, newlines or anything else can neither end a record early nor start
//! a new one. A record that does not end with the `@` trailer is damaged: the
//! decoder counts it and resynchronises on the next `@DT1` field.

use std::fmt;

mod decode;
pub use decode::{parse_stamp, Decoder, Item};

pub const MAGIC: &[u8] = b"@DT1";
pub const TRAILER: &[u8] = b"@";
/// A record larger than this is junk, not a command line.
pub const MAX_RECORD: usize = 16 * 1024 * 1024;
/// What a hook ever writes into a FIFO: one atomic pipe write. Anything
/// much larger there was written by something else.
pub const MAX_FIFO_RECORD: usize = 64 * 1024;

/// A point in time as the shell could read it without forking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// Microseconds since the Unix epoch (bash, zsh: `$EPOCHREALTIME`).
    EpochMicros(i64),
    /// Hundredths of a second since boot (fish: `/proc/uptime`).
    UptimeCentis(i64),
    /// The field was empty or unreadable.
    Unknown,
}

/// Where the command text of a `C` record came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextSource {
    /// The text as the shell handed it to the hook (zsh, fish).
    Literal,
    /// A line of `history 1` output (bash); `first` is `$BASH_COMMAND` at
    /// the first simple command, or empty when none ran in the main shell.
    BashHistory { first: Vec<u8> },
    /// An agent's tool call (`devtrace agent hook`): the text is the JSON
    /// `data` of its `tool_call` event, without the outcome.
    ToolCall,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdRecord {
    pub seq: u64,
    pub at: Stamp,
    pub cwd: Vec<u8>,
    pub source: TextSource,
    pub text: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitRecord {
    pub seq: u64,
    pub at: Stamp,
    pub status: Option<i32>,
    pub pipestatus: Option<Vec<i32>>,
    /// The shell's own measure of the duration (fish's `$CMD_DURATION`),
    /// to the millisecond.
    pub duration: Option<std::time::Duration>,
    /// An agent's tool call only: what the call returned, as JSON fields
    /// of its `tool_call` event (`output`, `exit_code`). Written as an `O`
    /// record.
    pub outcome: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndRecord {
    pub seq: u64,
    pub at: Stamp,
    pub reason: String,
}

/// bash, at its first prompt: the newest history entry before any command
/// ran, so that a first line kept out of history is not mistaken for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryBaseRecord {
    pub seq: u64,
    pub at: Stamp,
    pub text: Vec<u8>,
}

/// An event made by a devtrace command run in the shell (`devtrace note`,
/// `devtrace snapshot`): stored in the shell's session, in the order the
/// session's records arrive. `data` is the event's JSON `data` object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub seq: u64,
    pub at: Stamp,
    pub id: String,
    pub kind: String,
    pub cwd: Vec<u8>,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Cmd(CmdRecord),
    Exit(ExitRecord),
    End(EndRecord),
    HistoryBase(HistoryBaseRecord),
    Event(EventRecord),
}

impl Record {
    pub fn seq(&self) -> u64 {
        match self {
            Record::Cmd(r) => r.seq,
            Record::Exit(r) => r.seq,
            Record::End(r) => r.seq,
            Record::HistoryBase(r) => r.seq,
            Record::Event(r) => r.seq,
        }
    }
}

/// Why bytes were skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub bytes: usize,
    pub reason: &'static str,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.bytes == 1 { "" } else { "s" };
        write!(f, "skipped {} byte{s}: {}", self.bytes, self.reason)
    }
}

fn fields_for(kind: &[u8]) -> Option<usize> {
    match kind {
        b"C" => Some(6),
        b"E" => Some(5),
        b"X" => Some(3),
        b"H" => Some(3),
        b"V" => Some(6),
        b"O" => Some(5),
        _ => None,
    }
}

pub fn encode(rec: &Record) -> Vec<u8> {
    let mut out = Vec::new();
    let mut put = |f: &[u8]| {
        out.extend_from_slice(f);
        out.push(0);
    };
    put(MAGIC);
    match rec {
        Record::Cmd(c) => {
            put(b"C");
            put(c.seq.to_string().as_bytes());
            put(stamp_field(c.at).as_bytes());
            put(&c.cwd);
            match &c.source {
                TextSource::Literal => {
                    put(b"t");
                    put(b"");
                }
                TextSource::BashHistory { first } => {
                    put(b"h");
                    put(first);
                }
                TextSource::ToolCall => {
                    put(b"a");
                    put(b"");
                }
            }
            put(&c.text);
        }
        Record::Exit(
            e @ ExitRecord {
                outcome: Some(o), ..
            },
        ) => return encode_outcome(e, o),
        Record::Exit(e) => {
            put(b"E");
            put(e.seq.to_string().as_bytes());
            put(stamp_field(e.at).as_bytes());
            put(e
                .status
                .map(|s| s.to_string())
                .unwrap_or_default()
                .as_bytes());
            put(pipestatus_field(e.pipestatus.as_deref()).as_bytes());
            put(e
                .duration
                .map(|d| d.as_millis().to_string())
                .unwrap_or_default()
                .as_bytes());
        }
        Record::End(x) => {
            put(b"X");
            put(x.seq.to_string().as_bytes());
            put(stamp_field(x.at).as_bytes());
            put(x.reason.as_bytes());
        }
        Record::HistoryBase(h) => {
            put(b"H");
            put(h.seq.to_string().as_bytes());
            put(stamp_field(h.at).as_bytes());
            put(&h.text);
        }
        Record::Event(v) => {
            put(b"V");
            put(v.seq.to_string().as_bytes());
            put(stamp_field(v.at).as_bytes());
            put(v.id.as_bytes());
            put(v.kind.as_bytes());
            put(&v.cwd);
            put(&v.data);
        }
    }
    put(TRAILER);
    out
}

/// Pipeline statuses, space-separated ("" for none).
fn pipestatus_field(ps: Option<&[i32]>) -> String {
    let all = ps.unwrap_or_default().iter().map(|s| s.to_string());
    all.collect::<Vec<_>>().join(" ")
}

/// An agent tool call's exit with its outcome, as an `O` record.
fn encode_outcome(e: &ExitRecord, outcome: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let status = e.status.map(|s| s.to_string()).unwrap_or_default();
    let ms = e.duration.map(|d| d.as_millis().to_string());
    for f in [
        MAGIC,
        b"O",
        e.seq.to_string().as_bytes(),
        stamp_field(e.at).as_bytes(),
        status.as_bytes(),
        ms.unwrap_or_default().as_bytes(),
        outcome,
        TRAILER,
    ] {
        out.extend_from_slice(f);
        out.push(0);
    }
    out
}

fn stamp_field(s: Stamp) -> String {
    match s {
        Stamp::EpochMicros(us) => format!("M{us}"),
        Stamp::UptimeCentis(c) => format!("U{}.{:02}", c / 100, c % 100),
        Stamp::Unknown => String::new(),
    }
}

#[cfg(test)]
mod tests;
