//! Finding the messages in a copy of an MCP stdio stream: one JSON-RPC
//! message per line (the stdio transport), or `Content-Length` framed
//! (older peers, LSP style). Only a copy is framed; the relay copies the
//! bytes as they came. Whatever is neither still ends at a newline and is
//! handed on as a message that will not parse.

/// Longest message kept for parsing; the bytes of a longer one are relayed
/// but not recorded.
pub const MAX_MESSAGE: usize = 64 << 20;

#[derive(Default)]
pub struct Framer {
    buf: Vec<u8>,
    /// The body length of a `Content-Length` message whose headers are read.
    body: Option<usize>,
    /// Skipping the rest of a line longer than `MAX_MESSAGE`.
    skipping: bool,
    /// How far the buffer holds no newline (so a long line is scanned once).
    scanned: usize,
    /// How many messages were too long to keep.
    pub skipped: u64,
}

impl Framer {
    /// Feeds bytes; returns the messages they complete.
    pub fn push(&mut self, mut bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        if self.skipping {
            match bytes.iter().position(|&b| b == b'\n') {
                None => return out,
                Some(i) => {
                    self.skipping = false;
                    bytes = &bytes[i + 1..];
                }
            }
        }
        self.buf.extend_from_slice(bytes);
        let mut start = 0;
        while let Some((msg, next)) = self.next(start) {
            if let Some(m) = msg {
                out.push(m);
            }
            start = next;
        }
        self.buf.drain(..start);
        self.scanned = if start > 0 { 0 } else { self.scanned };
        if self.body.is_none() && self.buf.len() > MAX_MESSAGE {
            self.buf.clear();
            self.scanned = 0;
            self.skipping = true;
            self.skipped += 1;
        }
        out
    }

    /// The message starting at `start`, if complete, and where the next
    /// one starts (`None` for a message: an empty line).
    fn next(&mut self, start: usize) -> Option<(Option<Vec<u8>>, usize)> {
        let rest = &self.buf[start..];
        if let Some(n) = self.body {
            if rest.len() < n {
                return None;
            }
            self.body = None;
            return Some((Some(rest[..n].to_vec()), start + n));
        }
        if header_start(rest) {
            let end = find(rest, b"\r\n\r\n")?;
            let n = content_length(&rest[..end]).unwrap_or(0);
            if n > MAX_MESSAGE {
                // Not kept; the relay passes it on regardless.
                self.skipped += 1;
                return Some((None, start + end + 4));
            }
            self.body = Some(n);
            return Some((None, start + end + 4));
        }
        let from = self.scanned.saturating_sub(start);
        let Some(nl) = rest[from..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| i + from)
        else {
            self.scanned = self.buf.len();
            return None;
        };
        let rest = &self.buf[start..];
        let line = &rest[..nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let msg = (!line.iter().all(u8::is_ascii_whitespace)).then(|| line.to_vec());
        Some((msg, start + nl + 1))
    }
}

fn header_start(b: &[u8]) -> bool {
    const H: &[u8] = b"content-length:";
    b.len() >= H.len() && b[..H.len()].eq_ignore_ascii_case(H)
        || b.len() < H.len() && H[..b.len()].eq_ignore_ascii_case(b) && !b.is_empty()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn content_length(headers: &[u8]) -> Option<usize> {
    String::from_utf8_lossy(headers).lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_in_any_pieces() {
        let mut f = Framer::default();
        assert!(f.push(b"{\"a\":").is_empty());
        assert_eq!(
            f.push(b"1}\r\n\n{\"b\":2}\n{"),
            vec![b"{\"a\":1}".to_vec(), b"{\"b\":2}".to_vec()]
        );
        assert_eq!(f.push(b"}\n"), vec![b"{}".to_vec()]);
    }

    #[test]
    fn content_length_frames() {
        let mut f = Framer::default();
        let body = b"{\"id\":1,\n\"x\":2}";
        let msg = [
            format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes(),
            body,
        ]
        .concat();
        let (a, b) = msg.split_at(7);
        assert!(f.push(a).is_empty());
        assert_eq!(f.push(b), vec![body.to_vec()]);
        // And a line after it.
        assert_eq!(f.push(b"{}\n"), vec![b"{}".to_vec()]);
    }

    #[test]
    fn an_overlong_line_is_skipped_to_its_end() {
        let mut f = Framer::default();
        let big = vec![b'x'; MAX_MESSAGE + 10];
        assert!(f.push(&big).is_empty());
        assert_eq!(f.skipped, 1);
        assert!(f.push(b"xxx").is_empty());
        assert_eq!(f.push(b"x\n{}\n"), vec![b"{}".to_vec()]);
    }
}
