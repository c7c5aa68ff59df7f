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
        Record::Exit(e) => {
            put(b"E");
            put(e.seq.to_string().as_bytes());
            put(stamp_field(e.at).as_bytes());
            put(e
                .status
                .map(|s| s.to_string())
                .unwrap_or_default()
                .as_bytes());
            let ps = e
                .pipestatus
                .as_ref()
                .map(|v| {
                    v.iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            put(ps.as_bytes());
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

fn stamp_field(s: Stamp) -> String {
    match s {
        Stamp::EpochMicros(us) => format!("M{us}"),
        Stamp::UptimeCentis(c) => format!("U{}.{:02}", c / 100, c % 100),
        Stamp::Unknown => String::new(),
    }
}

/// Parses a time field: `M<micros>`, `U<uptime seconds>`, or a bare
/// `$EPOCHREALTIME` (`secs.micros`, with `.` or `,` as the separator).
pub fn parse_stamp(f: &[u8]) -> Stamp {
    let s = match std::str::from_utf8(f) {
        Ok(s) => s.trim(),
        Err(_) => return Stamp::Unknown,
    };
    if let Some(rest) = s.strip_prefix('M') {
        return rest
            .parse()
            .map(Stamp::EpochMicros)
            .unwrap_or(Stamp::Unknown);
    }
    if let Some(rest) = s.strip_prefix('U') {
        return decimal_scaled(rest, 2)
            .map(Stamp::UptimeCentis)
            .unwrap_or(Stamp::Unknown);
    }
    decimal_scaled(s, 6)
        .map(Stamp::EpochMicros)
        .unwrap_or(Stamp::Unknown)
}

/// `"12.345"` with `digits = 6` → `12_345_000`. Accepts `,` as the separator.
fn decimal_scaled(s: &str, digits: u32) -> Option<i64> {
    let (int, frac) = match s.find(['.', ',']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut value: i64 = int.parse().ok()?;
    let mut frac_digits = frac.bytes();
    for _ in 0..digits {
        let d = frac_digits.next().map(|b| (b - b'0') as i64).unwrap_or(0);
        value = value.checked_mul(10)?.checked_add(d)?;
    }
    Some(value)
}

fn parse_u64(f: &[u8]) -> Option<u64> {
    std::str::from_utf8(f).ok()?.parse().ok()
}

fn parse_i32(f: &[u8]) -> Option<i32> {
    std::str::from_utf8(f).ok()?.trim().parse().ok()
}

fn build(kind: &[u8], f: &[&[u8]]) -> Option<Record> {
    let seq = parse_u64(f[0])?;
    let at = parse_stamp(f[1]);
    Some(match kind {
        b"C" => Record::Cmd(CmdRecord {
            seq,
            at,
            cwd: f[2].to_vec(),
            source: match f[3] {
                b"t" => TextSource::Literal,
                b"h" => TextSource::BashHistory {
                    first: f[4].to_vec(),
                },
                b"a" => TextSource::ToolCall,
                _ => return None,
            },
            text: f[5].to_vec(),
        }),
        b"E" => {
            let pipestatus = if f[3].iter().all(|b| b.is_ascii_whitespace()) {
                None
            } else {
                let parts: Option<Vec<i32>> = f[3]
                    .split(|b| b.is_ascii_whitespace())
                    .filter(|p| !p.is_empty())
                    .map(parse_i32)
                    .collect();
                Some(parts?)
            };
            Record::Exit(ExitRecord {
                seq,
                at,
                status: if f[2].is_empty() {
                    None
                } else {
                    Some(parse_i32(f[2])?)
                },
                pipestatus,
                duration: if f[4].is_empty() {
                    None
                } else {
                    Some(std::time::Duration::from_millis(parse_u64(f[4])?))
                },
            })
        }
        b"X" => Record::End(EndRecord {
            seq,
            at,
            reason: String::from_utf8_lossy(f[2]).into_owned(),
        }),
        b"H" => Record::HistoryBase(HistoryBaseRecord {
            seq,
            at,
            text: f[2].to_vec(),
        }),
        b"V" => Record::Event(EventRecord {
            seq,
            at,
            id: String::from_utf8(f[2].to_vec()).ok()?,
            kind: String::from_utf8(f[3].to_vec()).ok()?,
            cwd: f[4].to_vec(),
            data: f[5].to_vec(),
        }),
        _ => return None,
    })
}

/// A streaming decoder: feed it bytes as they arrive, take records out.
pub struct Decoder {
    buf: Vec<u8>,
    /// Bytes of `buf` already consumed (records or skipped junk).
    pos: usize,
    /// Records longer than this are skipped as junk.
    limit: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::with_limit(MAX_RECORD)
    }
}

pub enum Item {
    Record(Record),
    Skipped(Skipped),
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_limit(limit: usize) -> Self {
        Decoder {
            buf: Vec::new(),
            pos: 0,
            limit,
        }
    }

    pub fn push(&mut self, data: &[u8]) {
        self.compact();
        self.buf.extend_from_slice(data);
    }

    /// Drops the bytes already decoded (only an incomplete record is left).
    fn compact(&mut self) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }

    /// Gives back the memory of a big read once it is decoded: a shell
    /// that had a backlog keeps no buffer of its size afterwards.
    pub fn release(&mut self) {
        self.compact();
        if self.buf.capacity() > 16 * 1024 {
            self.buf.shrink_to(self.buf.len().max(4096));
        }
    }

    /// Bytes received but not yet decoded (an incomplete record).
    pub fn pending(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The next record or skipped run, or `None` when more bytes are needed.
    pub fn next_item(&mut self) -> Option<Item> {
        let rest = &self.buf[self.pos..];
        if rest.is_empty() {
            return None;
        }
        if !rest.starts_with(MAGIC) || rest.get(MAGIC.len()).is_some_and(|&b| b != 0) {
            // Not at a record start: skip to the next "@DT1\0" at a field start.
            let skip = find_magic(rest, 1).unwrap_or_else(|| {
                // Keep a tail that could be the start of a magic field.
                rest.len().saturating_sub(MAGIC.len())
            });
            if skip == 0 {
                return None;
            }
            return self.skip(skip, "bytes outside any record");
        }
        // Split fields lazily: magic, kind, N fields, trailer.
        let mut fields: Vec<&[u8]> = Vec::with_capacity(9);
        let mut at = 0;
        let mut want = 2;
        while fields.len() < want {
            let Some(nul) = rest[at..].iter().position(|&b| b == 0) else {
                if rest.len() > self.limit {
                    return self.skip(resync(rest, rest.len()), "oversized record");
                }
                return None; // incomplete: wait for more bytes
            };
            fields.push(&rest[at..at + nul]);
            at += nul + 1;
            if fields.len() == 2 {
                match fields_for(fields[1]) {
                    Some(n) => want = 2 + n + 1,
                    None => return self.skip(resync(rest, at), "unknown record kind"),
                }
            }
        }
        if at > self.limit {
            return self.skip(resync(rest, at), "oversized record");
        }
        let kind = fields[1];
        let trailer_ok = fields[want - 1] == TRAILER;
        let parsed = if trailer_ok {
            build(kind, &fields[2..want - 1])
        } else {
            None
        };
        match parsed {
            Some(rec) => {
                self.pos += at;
                Some(Item::Record(rec))
            }
            None => {
                let reason = if trailer_ok {
                    "malformed record fields"
                } else {
                    "torn or damaged record"
                };
                self.skip(resync(rest, at), reason)
            }
        }
    }

    /// Passes over `bytes` bytes of junk.
    fn skip(&mut self, bytes: usize, reason: &'static str) -> Option<Item> {
        self.pos += bytes;
        Some(Item::Skipped(Skipped { bytes, reason }))
    }
}

/// Where decoding starts again after a bad record: the next `@DT1\0` after
/// its first byte, else `fallback` bytes on.
fn resync(rest: &[u8], fallback: usize) -> usize {
    find_magic(rest, 1).unwrap_or(fallback)
}

/// Finds the next `@DT1\0` at or after `from`. Junk may end anywhere, so
/// any position counts; a false start inside damaged bytes fails the full
/// parse (kind, field count, trailer) and is skipped in turn.
fn find_magic(hay: &[u8], from: usize) -> Option<usize> {
    let needle = b"@DT1\0";
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| from + i)
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
