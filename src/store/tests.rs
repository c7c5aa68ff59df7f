use super::*;
use crate::event::{Data, Event, RunCommand};

/// A command event numbered `n` (id `E000n`), in session `S`.
pub(super) fn command(n: u64, text: &str) -> Event {
    Event {
        v: 1,
        id: format!("E{n:04}"),
        session: "S".into(),
        seq: n,
        ts: crate::timestamp::Timestamp::parse_rfc3339("2026-11-24T00:00:00.000Z").unwrap(),
        agent: None,
        cwd: "/r".into(),
        repo: None,
        data: Data::RunCommand(RunCommand {
            command: text.into(),
            exit_code: Some(0),
            ..RunCommand::default()
        }),
    }
}

/// `doctor` looks at a store that ingest is writing to: between a batch's
/// append to events.jsonl and its index update, the look must wait, not
/// report an index that does not match.
#[test]
fn a_look_beside_a_busy_writer_finds_the_index_in_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = Store::open(dir.path()).unwrap();
    let mut reader = Store::open(dir.path()).unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    let (looks, out) = std::thread::scope(|scope| {
        let looker = scope.spawn(|| {
            let (mut looks, mut out) = (0, 0);
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                looks += 1;
                out += usize::from(reader.out_of_step().unwrap());
            }
            (looks, out)
        });
        for batch in 0..300 {
            let events: Vec<Event> = (0..5).map(|i| command(batch * 5 + i, "echo")).collect();
            writer.append(&events).unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        looker.join().unwrap()
    });
    assert!(looks > 50, "only {looks} looks while the writer ran");
    assert_eq!(out, 0, "{out} of {looks} looks found the index out of step");
}
