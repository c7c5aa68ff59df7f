//! The tracker's saved state, as a restarted ingest finds it.

use super::Tracker;
use crate::timestamp::Ctime;
use std::path::Path;

fn look(t: &mut Tracker) -> usize {
    t.scan(None, &mut || {}).unwrap().unwrap()
}

fn reopen(store: &Path) -> Tracker {
    let mut t = Tracker::open(store).unwrap();
    assert!(t.has_baseline(), "the state was saved");
    look(&mut t);
    t
}

#[test]
fn a_change_not_claimed_when_saved_is_found_again_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join(".devtrace");
    std::fs::create_dir(&store).unwrap();
    std::fs::write(dir.path().join("a.txt"), "one\n").unwrap();
    let mut t = Tracker::open(&store).unwrap();
    look(&mut t);
    t.save().unwrap();
    std::fs::write(dir.path().join("a.txt"), "two\n").unwrap();
    std::fs::write(dir.path().join("b.txt"), "new\n").unwrap();
    assert_eq!(look(&mut t), 2);
    let found: Vec<_> = t.unclaimed.clone();
    // Saved (a crash then) before the changes are claimed and stored.
    t.save().unwrap();
    drop(t);
    let mut again = reopen(&store);
    let paths = |cs: &[super::Change]| {
        let mut v: Vec<String> = cs
            .iter()
            .map(|c| format!("{:?} {:?} {:?}", c.path, c.old, c.new))
            .collect();
        v.sort();
        v
    };
    assert_eq!(paths(&again.unclaimed), paths(&found));
    // Found no later than first: the next ingest dates them no more closely.
    for c in &again.unclaimed {
        assert!(c.after <= found.iter().map(|f| f.after).min().unwrap());
    }
    // Claimed (stored), then saved: not found a third time.
    again.claim(None, Ctime::now());
    again.save().unwrap();
    drop(again);
    assert!(reopen(&store).unclaimed.is_empty());
}
