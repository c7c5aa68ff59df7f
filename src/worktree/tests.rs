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

/// A state in the format every ingest so far saved (a git tree in
/// `.devtrace/git`, named with its scan time in `devtrace-baseline`),
/// written here by hand: loads whole, names whose order in a tree differs
/// from a plain sort of names included, and a restart finds just the files
/// changed since, no others.
#[test]
fn a_state_saved_by_an_earlier_ingest_loads_whole_and_only_real_changes_are_found() {
    use git2::{ObjectType, Repository};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let store = root.join(".devtrace");
    std::fs::create_dir(&store).unwrap();
    // 'a.b' < 'a/x' < 'a0' as whole paths; in a tree, 'a' sorts as "a/".
    let files = ["a-", "a.b", "a/x", "a/y/z", "a0", "b", "é.txt"];
    for f in files {
        let p = root.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, format!("{f}\n")).unwrap();
    }
    let repo = Repository::init_bare(store.join("git")).unwrap();
    let blob = |f: &str| repo.blob(format!("{f}\n").as_bytes()).unwrap();
    let tree = |entries: &[(&str, git2::Oid, i32)]| {
        let mut b = repo.treebuilder(None).unwrap();
        for (name, oid, mode) in entries {
            b.insert(name, *oid, *mode).unwrap();
        }
        b.write().unwrap()
    };
    let y = tree(&[("z", blob("a/y/z"), 0o100644)]);
    let a = tree(&[("x", blob("a/x"), 0o100644), ("y", y, 0o040000)]);
    let mut top: Vec<(&str, git2::Oid, i32)> = vec![("a", a, 0o040000)];
    for f in ["a-", "a.b", "a0", "b", "é.txt"] {
        top.push((f, blob(f), 0o100644));
    }
    let top = tree(&top);
    assert_eq!(
        repo.find_object(top, None).unwrap().kind(),
        Some(ObjectType::Tree)
    );
    let scanned = Ctime::now();
    std::fs::write(
        store.join("git/devtrace-baseline"),
        format!(r#"{{"tree":"{top}","scanned_ns":{}}}"#, scanned.as_nanos()),
    )
    .unwrap();

    let mut t = Tracker::open(&store).unwrap();
    assert!(t.has_baseline(), "the saved state was read");
    assert_eq!(
        t.files(),
        files.len(),
        "every file of the saved tree loaded"
    );
    assert_eq!(look(&mut t), 0, "nothing changed since the save");

    std::fs::write(root.join("a/x"), "changed\n").unwrap();
    std::fs::remove_file(root.join("a.b")).unwrap();
    look(&mut t);
    let mut found: Vec<String> = t
        .claim(None, Ctime::now())
        .iter()
        .map(|c| format!("{} {}", String::from_utf8_lossy(&c.path), c.kind().as_str()))
        .collect();
    found.sort();
    assert_eq!(found, ["a.b deleted", "a/x modified"]);
}
