//! Text that may not be valid UTF-8 (a command line, a path), as the
//! contract writes it: the string itself when it is valid, else the
//! lossless form `{"text": ..., "base64": ...}` where `text` is readable
//! (U+FFFD for the bad bytes) and `base64` holds the exact bytes. Nothing is
//! ever lost.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Text {
    Utf8(String),
    Bytes { text: String, base64: String },
}

impl Default for Text {
    fn default() -> Self {
        Text::Utf8(String::new())
    }
}

impl Text {
    pub fn from_bytes(bytes: &[u8]) -> Self {
        match std::str::from_utf8(bytes) {
            Ok(s) => Text::Utf8(s.to_owned()),
            Err(_) => Text::Bytes {
                text: String::from_utf8_lossy(bytes).into_owned(),
                base64: base64_encode(bytes),
            },
        }
    }

    /// The readable text.
    pub fn text(&self) -> &str {
        match self {
            Text::Utf8(s) | Text::Bytes { text: s, .. } => s,
        }
    }

    /// The exact bytes (None when the base64 is damaged).
    pub fn bytes(&self) -> Option<Vec<u8>> {
        match self {
            Text::Utf8(s) => Some(s.as_bytes().to_vec()),
            Text::Bytes { base64, .. } => base64_decode(base64),
        }
    }

    /// Rewrites the readable text; a lossless form then holds the new text's
    /// bytes (the old bytes are not kept: redaction relies on it).
    pub fn map_text(&mut self, f: impl FnOnce(&str) -> Option<String>) {
        match self {
            Text::Utf8(s) => {
                if let Some(r) = f(s) {
                    *s = r;
                }
            }
            Text::Bytes { text, base64 } => {
                if let Some(r) = f(text) {
                    *base64 = base64_encode(r.as_bytes());
                    *text = r;
                }
            }
        }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::Utf8(s.to_owned())
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
        let t = Text::from_bytes(raw);
        assert_eq!(t.bytes().unwrap(), raw);
        assert!(t.text().contains("caf\u{e9}"));
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.starts_with("{\"text\":"), "{json}");
        assert_eq!(serde_json::from_str::<Text>(&json).unwrap(), t);
        let plain = Text::from_bytes("ls ✓".as_bytes());
        assert_eq!(serde_json::to_string(&plain).unwrap(), "\"ls ✓\"");
    }

    #[test]
    fn base64_round_trips_every_length() {
        for n in 0..40u8 {
            let data: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(base64_decode(&base64_encode(&data)).unwrap(), data);
        }
    }
}
