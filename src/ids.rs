//! Identifiers: time-sortable, 26-character Crockford base32 (ULID layout:
//! 48 bits of milliseconds, then 80 bits that make the id unique).

use crate::timestamp::Timestamp;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn encode(ms: u64, low: u128) -> String {
    let value: u128 = ((ms as u128 & ((1 << 48) - 1)) << 80) | (low & ((1 << 80) - 1));
    (0..26)
        .rev()
        .map(|i| ALPHABET[((value >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// Random bits from the kernel.
pub fn random_u128() -> u128 {
    let mut buf = [0u8; 16];
    let n = rustix::rand::getrandom(&mut buf[..], rustix::rand::GetRandomFlags::empty());
    if n.is_ok_and(|n| n == 16) {
        return u128::from_le_bytes(buf);
    }
    // Fallback: time and pid, good enough to stay unique on one machine.
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    t ^ ((std::process::id() as u128) << 64)
}

/// A new session id (one per shell process, unique across machines).
pub fn new_session_id(now: Timestamp) -> String {
    encode(now.as_millis() as u64, random_u128())
}

/// A deterministic event id: the same (session, key) always gives the same
/// id, so an event that ingest re-derives after a crash is recognised as a
/// duplicate by the store.
pub fn event_id(at: Timestamp, session: &str, key: &str) -> String {
    let h1 = fnv1a(0xcbf2_9ce4_8422_2325, session.as_bytes(), key.as_bytes());
    let h2 = fnv1a(0x8422_2325_cbf2_9ce4, key.as_bytes(), session.as_bytes());
    encode(at.as_millis() as u64, (h1 as u128) << 64 | h2 as u128)
}

fn fnv1a(seed: u64, a: &[u8], b: &[u8]) -> u64 {
    let mut h = seed;
    for &byte in a.iter().chain([0xffu8].iter()).chain(b) {
        h ^= byte as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Bytes as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time_and_are_stable() {
        let a = event_id(Timestamp::from_millis(1_000), "S", "c1");
        let b = event_id(Timestamp::from_millis(2_000), "S", "c1");
        assert!(a < b);
        assert_eq!(a.len(), 26);
        assert_eq!(a, event_id(Timestamp::from_millis(1_000), "S", "c1"));
        assert_ne!(a, event_id(Timestamp::from_millis(1_000), "S", "c2"));
        assert_ne!(
            new_session_id(Timestamp::from_millis(5)),
            new_session_id(Timestamp::from_millis(5))
        );
    }
}
