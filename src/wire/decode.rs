//! Reading records back: a stream decoder that resynchronises after damage,
//! and the parsing of each kind's fields.

use super::*;

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
                outcome: None,
            })
        }
        b"O" => outcome(seq, at, f)?,
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

/// An agent tool call's exit with its outcome: status, duration, outcome.
fn outcome(seq: u64, at: Stamp, f: &[&[u8]]) -> Option<Record> {
    Some(Record::Exit(ExitRecord {
        seq,
        at,
        status: if f[2].is_empty() {
            None
        } else {
            Some(parse_i32(f[2])?)
        },
        pipestatus: None,
        duration: if f[3].is_empty() {
            None
        } else {
            Some(std::time::Duration::from_millis(parse_u64(f[3])?))
        },
        outcome: Some(f[4].to_vec()),
    }))
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
