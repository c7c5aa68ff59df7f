//! A change cut into the steps that made it, from the contents each
//! closed write left (`reader.rs`'s takes). A look sees only a file's net
//! change since the look before; when three pasted lines each wrote the
//! file, the takes show the states between, and when each write was made:
//! after the state before it was taken whole, and before its own contents
//! were (`Take::until`: a read begins only once its close is in hand, so
//! the span is a few microseconds wider than the write's). Each step then
//! has a time of its own, narrow enough to name the one command that made
//! it.
//!
//! Only what the kernel proves is cut, from the takes alone: the chain
//! begins at a take of the old contents (the anchor: the file held them,
//! closed, at that time), ends at a take of the very state the look saw
//! (same ctime and contents), and counts every closed write between (one
//! without contents joins the next step). A file's takes are kept as a
//! whole run from an anchor on, never with a write missing in the middle.

use super::change::{Change, Entry};
use super::objects::Objects;
use super::reader::Take;
use crate::timestamp::Ctime;
use git2::ObjectType;
use std::collections::HashMap;

/// Takes held for a file past this many are all dropped (its next change
/// is then told whole).
const MAX_PER_FILE: usize = 64;
/// Past this many files with takes, or this many bytes of contents held,
/// all takes are dropped (the next changes are told whole).
const MAX_FILES: usize = 50_000;
const MAX_BYTES: usize = 64 << 20;

/// Sets the steps of each change (oldest first; those without steps yet)
/// the takes prove (`Change::steps`), then
/// drops the takes no later look can use (`prune`; `began`: when this look
/// began reading the tree; `put_off`: the files whose state this look did
/// not take, see `deferred.rs`).
pub fn cut(
    changes: &mut [Change],
    takes: &mut HashMap<Vec<u8>, Vec<Take>>,
    began: Ctime,
    objects: &Objects,
    put_off: &dyn Fn(&[u8]) -> bool,
) {
    for c in changes.iter_mut().filter(|c| c.steps.is_empty()) {
        let Some(v) = takes.get_mut(&c.path) else {
            continue;
        };
        let matched = last_take(c, v).and_then(|m| steps(c, &v[..=m], objects).map(|s| (m, s)));
        if let Some((m, steps)) = matched {
            // The state the look saw is the next change's anchor.
            v.drain(..m);
            v[0].content = None;
            c.steps = steps;
        }
    }
    prune(takes, began, put_off);
}

/// Drops the takes of each file up to its last state closed before the
/// look began (kept: the anchor of its next change), but none of a file the
/// look put off (its next change begins where the last one ended, maybe at
/// its birth); and all of a file's takes past [`MAX_PER_FILE`].
fn prune(takes: &mut HashMap<Vec<u8>, Vec<Take>>, began: Ctime, put_off: &dyn Fn(&[u8]) -> bool) {
    for (path, v) in takes.iter_mut() {
        let anchor = v.iter().rposition(|t| t.oid.is_some() && t.seen <= began);
        if let Some(i) = anchor.filter(|_| !put_off(path)) {
            v.drain(..i);
            v[0].content = None; // an anchor needs only the id
        }
        if v.len() > MAX_PER_FILE {
            v.clear();
        }
    }
    takes.retain(|_, v| !v.is_empty());
    let bytes: usize = takes
        .values()
        .flatten()
        .map(|t| t.content.as_ref().map_or(0, Vec::len))
        .sum();
    if takes.len() > MAX_FILES || bytes > MAX_BYTES {
        takes.clear();
    }
}

/// The one take of the state the look saw: its ctime and contents.
fn last_take(c: &Change, v: &[Take]) -> Option<usize> {
    let new = c.new.filter(|_| c.from.is_none())?;
    let mut same_time = v
        .iter()
        .enumerate()
        .filter(|(_, t)| t.oid.is_some() && t.ctime == c.ctime);
    let (m, t) = same_time.next()?;
    if same_time.next().is_some() {
        return None; // a coarse clock: which one is not known
    }
    (t.oid == Some(new.oid)).then_some(m)
}

/// Where the steps of `c` begin in `v`, and the earliest time the first
/// can have been made: the last take of the old contents, made by its
/// time; for a new file, its last birth, made after the look before (the
/// file was not there when that look read its directory, and the birth
/// was in hand after it began: one in hand before may be of a file the
/// look saw but did not track).
fn anchor(c: &Change, v: &[Take]) -> Option<(usize, Ctime)> {
    let before_last = &v[..v.len() - 1];
    match c.old {
        Some(old) => {
            let i = before_last.iter().rposition(|t| t.oid == Some(old.oid))?;
            Some((i, v[i].until))
        }
        None => {
            let i = before_last.iter().rposition(|t| t.born)?;
            (v[i].seen > c.after).then_some((i, c.after))
        }
    }
}

/// The steps from `c.old` through the takes `v` (the last is `c.new`),
/// from the anchor on; None without one.
fn steps(c: &Change, v: &[Take], objects: &Objects) -> Option<Vec<Change>> {
    let new = c.new?;
    let (start, mut after) = anchor(c, v)?;
    let mut cur = c.old;
    let mut writes = 0;
    let mut out = Vec::new();
    for (k, t) in v.iter().enumerate().skip(start + 1) {
        if t.born {
            continue; // made again: its writes follow
        }
        writes += 1;
        let Some(oid) = t.oid else { continue };
        let entry = if k + 1 == v.len() {
            new
        } else {
            if cur.map(|e| e.oid) != Some(oid) {
                objects
                    .write(ObjectType::Blob, t.content.as_deref()?)
                    .ok()?;
            }
            Entry {
                oid,
                mode: new.mode,
            }
        };
        if cur.map(|e| e.oid) != Some(entry.oid) {
            out.push(Change {
                path: c.path.clone(),
                from: None,
                old: cur,
                new: Some(entry),
                ctime: t.ctime,
                after,
                // What was read is the file as it was when the read ended:
                // a next write begun in the instant before its report came
                // (a truncation) may be in it, so its command is a
                // candidate too.
                seen: t.until,
                writes,
                steps: Vec::new(),
            });
            cur = Some(entry);
        }
        after = t.until;
        writes = 0;
    }
    Some(out).filter(|o| !o.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(bytes: &[u8]) -> Option<git2::Oid> {
        git2::Oid::hash_object(ObjectType::Blob, bytes).ok()
    }

    fn ms(n: i128) -> Ctime {
        Ctime::from_nanos(1_700_000_000_000_000_000 + n * 1_000_000)
    }

    /// A take of `text` written at `at` ms, in hand 1 ms later.
    fn take(text: Option<&str>, at: i128) -> Take {
        Take {
            path: b"q.txt".to_vec(),
            oid: text.and_then(|t| oid(t.as_bytes())),
            content: text.map(|t| t.as_bytes().to_vec()),
            ctime: if text.is_some() { ms(at) } else { Ctime::EPOCH },
            seen: ms(at + 1),
            until: ms(at + 2),
            born: false,
        }
    }

    /// The file made at `at` ms, in hand 1 ms later.
    fn born(at: i128) -> Take {
        Take {
            born: true,
            until: ms(at + 1),
            ..take(None, at)
        }
    }

    fn entry(text: &str) -> Entry {
        Entry {
            oid: oid(text.as_bytes()).unwrap(),
            mode: 0o100644,
        }
    }

    /// The look's change from `old` to `new`, last written at `at` ms.
    fn change(old: &str, new: &str, at: i128) -> Change {
        Change {
            path: b"q.txt".to_vec(),
            from: None,
            old: Some(entry(old)),
            new: Some(entry(new)),
            ctime: ms(at),
            after: ms(0),
            seen: ms(1000),
            writes: 3,
            steps: Vec::new(),
        }
    }

    fn cut_one(c: &mut Change, v: Vec<Take>) -> HashMap<Vec<u8>, Vec<Take>> {
        let dir = tempfile::tempdir().unwrap();
        let objects = Objects::open(&dir.path().join(".devtrace"), dir.path()).unwrap();
        let mut takes = HashMap::from([(b"q.txt".to_vec(), v)]);
        cut(
            std::slice::from_mut(c),
            &mut takes,
            ms(500),
            &objects,
            &|_| false,
        );
        takes
    }

    #[test]
    fn each_closed_write_from_the_anchor_on_is_a_step_with_its_own_time() {
        let mut c = change("a", "abc", 30);
        let v = vec![
            take(Some("a"), 5),
            take(Some("ab"), 10),
            take(None, 15),
            take(Some("abc"), 30),
        ];
        let left = cut_one(&mut c, v);
        let s = &c.steps;
        assert_eq!(s.len(), 2, "{s:#?}");
        assert_eq!((s[0].old, s[0].new), (Some(entry("a")), Some(entry("ab"))));
        assert_eq!((s[0].after, s[0].seen, s[0].ctime), (ms(7), ms(12), ms(10)));
        assert_eq!(s[0].writes, 1);
        // A write without contents joins the next step.
        assert_eq!(
            (s[1].old, s[1].new),
            (Some(entry("ab")), Some(entry("abc")))
        );
        assert_eq!((s[1].after, s[1].seen, s[1].writes), (ms(12), ms(32), 2));
        // The state the look saw is the next change's anchor.
        assert_eq!(left[&b"q.txt".to_vec()].len(), 1);
    }

    #[test]
    fn no_steps_without_a_take_of_the_old_contents() {
        // "a" was read by a look in the middle of a write, or before
        // ingest watched: when the file held it, closed, is not known.
        let mut c = change("a", "abc", 30);
        cut_one(&mut c, vec![take(Some("ab"), 10), take(Some("abc"), 30)]);
        assert!(c.steps.is_empty());
    }

    #[test]
    fn no_steps_unless_the_last_take_is_the_state_the_look_saw() {
        let v = || {
            vec![
                take(Some("a"), 5),
                take(Some("ab"), 10),
                take(Some("abc"), 30),
            ]
        };
        // Same contents, another time: a later write of the same text.
        let mut c = change("a", "abc", 31);
        cut_one(&mut c, v());
        assert!(c.steps.is_empty());
        // Same time, other contents: the look read it in the middle.
        let mut c = change("a", "abx", 30);
        cut_one(&mut c, v());
        assert!(c.steps.is_empty());
    }

    #[test]
    fn pruning_keeps_a_whole_run_from_the_last_state_a_look_saw() {
        let mut takes = HashMap::from([(
            b"q.txt".to_vec(),
            vec![
                take(Some("a"), 5),
                take(None, 10),
                take(Some("b"), 20),
                take(None, 600),
                take(Some("c"), 700),
            ],
        )]);
        prune(&mut takes, ms(500), &|_| false);
        let v = &takes[&b"q.txt".to_vec()];
        assert_eq!(v.len(), 3, "{v:#?}");
        assert_eq!(v[0].oid, oid(b"b"));
        assert_eq!(v[0].content, None, "an anchor keeps only the id");
        // Past the bound a file keeps none (no run with a hole in it).
        let many: Vec<Take> = (0..=MAX_PER_FILE as i128)
            .map(|i| take(None, 600 + i))
            .collect();
        let mut takes = HashMap::from([(b"q.txt".to_vec(), many)]);
        prune(&mut takes, ms(500), &|_| false);
        assert!(takes.is_empty());
    }

    /// The look's change adding `new`, last written at `at` ms, found by a
    /// look after one that began at `after` ms.
    fn added(new: &str, at: i128, after: i128) -> Change {
        Change {
            old: None,
            after: ms(after),
            ..change("", new, at)
        }
    }

    #[test]
    fn a_new_files_writes_are_steps_from_its_birth_on() {
        let mut c = added("ab", 30, 0);
        // An earlier life of the file, gone before it was made again.
        let v = vec![
            born(1),
            take(Some("x"), 2),
            born(3),
            take(Some("a"), 5),
            take(Some("ab"), 30),
        ];
        cut_one(&mut c, v);
        let s = &c.steps;
        assert_eq!(s.len(), 2, "{s:#?}");
        // The first step: made after the look before began (when the file
        // was not there), before its contents were taken.
        assert_eq!((s[0].old, s[0].new), (None, Some(entry("a"))));
        assert_eq!((s[0].after, s[0].seen, s[0].writes), (ms(0), ms(7), 1));
        assert_eq!(
            (s[1].old, s[1].new, s[1].after),
            (Some(entry("a")), Some(entry("ab")), ms(7))
        );
    }

    #[test]
    fn no_steps_for_a_new_file_whose_birth_came_before_the_look_before() {
        // In hand at 4 ms, the look before began at 4 ms: it may have seen
        // the file and not tracked it (ignored then); when it was made is
        // not known.
        let mut c = added("ab", 30, 4);
        cut_one(
            &mut c,
            vec![born(3), take(Some("a"), 5), take(Some("ab"), 30)],
        );
        assert!(c.steps.is_empty());
        // And none without a birth at all (moved in: no write made it).
        let mut c = added("ab", 30, 0);
        cut_one(&mut c, vec![take(Some("a"), 5), take(Some("ab"), 30)]);
        assert!(c.steps.is_empty());
    }

    #[test]
    fn a_file_put_off_keeps_its_takes_from_its_birth() {
        // The look read the new file while it was written: put off, its
        // change found by the next look, from the same birth.
        let v = vec![born(3), take(Some("a"), 5), take(Some("ab"), 30)];
        let mut takes = HashMap::from([(b"q.txt".to_vec(), v.clone())]);
        prune(&mut takes, ms(500), &|p| p == b"q.txt");
        assert_eq!(takes[&b"q.txt".to_vec()].len(), 3);
        let mut c = added("ab", 30, 0);
        cut_one(&mut c, takes.remove(b"q.txt".as_slice()).unwrap());
        assert_eq!(c.steps.len(), 2, "{:#?}", c.steps);
        // Not put off: the look saw "ab"; its birth is gone.
        let mut takes = HashMap::from([(b"q.txt".to_vec(), v)]);
        prune(&mut takes, ms(500), &|_| false);
        assert_eq!(takes[&b"q.txt".to_vec()].len(), 1);
    }
}
