//! Tests of the record codec, with a property test over random bytes.

use super::*;
use proptest::prelude::*;

fn decode_all(bytes: &[u8]) -> (Vec<Record>, usize) {
    let mut d = Decoder::new();
    d.push(bytes);
    let mut out = Vec::new();
    let mut skipped = 0;
    while let Some(item) = d.next_item() {
        match item {
            Item::Record(r) => out.push(r),
            Item::Skipped(s) => skipped += s.bytes,
        }
    }
    (out, skipped)
}

fn cmd(seq: u64, text: &[u8]) -> Record {
    Record::Cmd(CmdRecord {
        seq,
        at: Stamp::EpochMicros(1_700_000_000_123_456),
        cwd: b"/home/u/repo".to_vec(),
        source: TextSource::Literal,
        text: text.to_vec(),
    })
}

fn exit(seq: u64, status: i32) -> Record {
    Record::Exit(ExitRecord {
        seq,
        at: Stamp::EpochMicros(1_700_000_001_000_000),
        status: Some(status),
        pipestatus: Some(vec![1, 0, status]),
        duration: None,
        outcome: None,
    })
}

#[test]
fn hostile_text_round_trips_and_forges_nothing() {
    let nasty: &[u8] = b"echo \"@DT1\nE\n0\n\" '@' \t\x1b[31mred\xff\xfe \xe2\x9c\x93\n@\nEXIT 0 x";
    let note = Record::Event(EventRecord {
        seq: 0,
        at: Stamp::EpochMicros(5),
        id: "01ABC".into(),
        kind: crate::event::Kind::Note.as_str().into(),
        cwd: b"/r".to_vec(),
        data: br#"{"text":"@DT1 why\n"}"#.to_vec(),
    });
    // A tool call's outcome carries the same hostile bytes.
    let outcome = Record::Exit(ExitRecord {
        seq: 3,
        at: Stamp::EpochMicros(7),
        status: Some(1),
        pipestatus: None,
        duration: Some(std::time::Duration::from_millis(2300)),
        outcome: Some(nasty.to_vec()),
    });
    let recs = vec![
        cmd(1, nasty),
        exit(1, 3),
        note,
        cmd(2, b"@DT1"),
        exit(2, 0),
        outcome,
    ];
    let bytes: Vec<u8> = recs.iter().flat_map(encode).collect();
    let (got, skipped) = decode_all(&bytes);
    assert_eq!(skipped, 0);
    assert_eq!(got, recs);
}

#[test]
fn bash_record_with_history_text() {
    let r = Record::Cmd(CmdRecord {
        seq: 7,
        at: Stamp::EpochMicros(1),
        cwd: b"/".to_vec(),
        source: TextSource::BashHistory {
            first: b"make -j4".to_vec(),
        },
        text: b"  12  make -j4\n".to_vec(),
    });
    assert_eq!(decode_all(&encode(&r)).0, vec![r]);
}

#[test]
fn stamps_parse_in_every_shell_form() {
    assert_eq!(
        parse_stamp(b"1700000000.012345"),
        Stamp::EpochMicros(1_700_000_000_012_345)
    );
    assert_eq!(
        parse_stamp(b"1700000000,5"),
        Stamp::EpochMicros(1_700_000_000_500_000)
    );
    assert_eq!(parse_stamp(b"M42"), Stamp::EpochMicros(42));
    assert_eq!(parse_stamp(b"U450.35"), Stamp::UptimeCentis(45035));
    assert_eq!(parse_stamp(b""), Stamp::Unknown);
    assert_eq!(parse_stamp(b"1e9"), Stamp::Unknown);
}

#[test]
fn incomplete_record_waits_for_more_bytes() {
    let bytes = encode(&cmd(1, b"ls -la"));
    let mut d = Decoder::new();
    for chunk in bytes.chunks(3) {
        assert!(d.next_item().is_none());
        d.push(chunk);
    }
    assert!(matches!(d.next_item(), Some(Item::Record(_))));
    assert!(d.next_item().is_none());
    assert_eq!(d.pending(), 0);
}

#[test]
fn junk_between_records_is_skipped_and_counted() {
    let mut bytes = b"garbage\0more\n".to_vec();
    bytes.extend(encode(&cmd(1, b"ls")));
    bytes.extend(b"@DT1\0C\0\x31\0torn");
    bytes.push(0);
    bytes.extend(encode(&exit(1, 0)));
    let (got, skipped) = decode_all(&bytes);
    assert_eq!(got, vec![cmd(1, b"ls"), exit(1, 0)]);
    assert!(skipped > 0);
}

#[test]
fn oversized_records_are_skipped_not_kept() {
    let mut d = Decoder::with_limit(100);
    let big = encode(&cmd(1, &[b'x'; 500]));
    d.push(&big);
    d.push(&encode(&cmd(2, b"ls")));
    let mut got = Vec::new();
    let mut skipped = 0;
    while let Some(item) = d.next_item() {
        match item {
            Item::Record(r) => got.push(r),
            Item::Skipped(s) => skipped += s.bytes,
        }
    }
    assert_eq!(got, vec![cmd(2, b"ls")]);
    assert!(skipped >= 500);
}

proptest! {
    #[test]
    fn any_text_round_trips(text in proptest::collection::vec(1u8..=255, 0..600),
                            cwd in proptest::collection::vec(1u8..=255, 0..80),
                            seq in 0u64..u64::MAX) {
        let r = Record::Cmd(CmdRecord { seq, at: Stamp::Unknown, cwd, source: TextSource::Literal, text });
        let bytes = encode(&r);
        let (got, skipped) = decode_all(&bytes);
        prop_assert_eq!(skipped, 0);
        prop_assert_eq!(got, vec![r]);
    }

    #[test]
    fn random_bytes_never_panic_and_never_swallow_good_records(junk in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut bytes = junk.clone();
        bytes.push(0); // a record starts at a field boundary
        let good = cmd(9, b"echo ok");
        bytes.extend(encode(&good));
        let (got, _) = decode_all(&bytes);
        prop_assert_eq!(got.last(), Some(&good));
    }
}
