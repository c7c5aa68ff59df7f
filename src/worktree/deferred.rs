//! Changes a look put off: a file read while a write to it was still open
//! (the kernel reported a write not yet closed: `>` has emptied the file
//! and `echo` not yet written) shows a state no command left. Telling it
//! as a change would split one command's write in two, the first half
//! dated by a look that came in its middle. So the look keeps the file's
//! earlier entry and looks at its directory again; the change then found
//! keeps the earliest time its writes can have begun, and no count of
//! them. The same holds for a file written while the look ran, though that
//! write closed before the look ended. The look looks again at once
//! (`Tracker::scan`). A file held open for long (a log) is put off twice
//! at most, then told as seen.

use super::change::Change;
use super::evidence::parent;
use super::files::Files;
use super::watch::Ops;
use crate::timestamp::Ctime;
use std::collections::HashMap;

/// Times in a row a file's change is put off.
pub const MAX_TIMES: u32 = 2;
/// How long a look waits before it looks again at what it put off.
pub const PAUSE: std::time::Duration = std::time::Duration::from_millis(5);
/// Files put off at once past which none is (the earliest times kept).
const MAX_FILES: usize = 1024;

#[derive(Debug, Default)]
pub struct Deferred(HashMap<Vec<u8>, (Ctime, u32)>);

impl Deferred {
    /// Takes out of `changes` those of files a write to which was still
    /// open, or was made while the look ran (`ops`), putting their earlier
    /// entries back into `base` (this look's new entries); dates the
    /// changes of files put off before no later than they were. Returns the
    /// directories to look at again.
    pub fn apply(
        &mut self,
        changes: &mut Vec<Change>,
        base: &mut Files,
        ops: &HashMap<Vec<u8>, Ops>,
    ) -> Vec<Vec<u8>> {
        let mut again = Vec::new();
        let mut kept = Vec::with_capacity(changes.len());
        // A file put off last time and unchanged now (written back as it
        // was) keeps nothing: its directory was read again by this look.
        let before = std::mem::take(&mut self.0);
        for mut c in changes.drain(..) {
            let (floor, times) = before.get(&c.path).copied().unwrap_or((c.after, 0));
            c.after = c.after.min(floor);
            if times > 0 {
                // The writes counted by the looks that put it off are not
                // this look's: how many made it is not known.
                c.writes = 0;
            }
            let unsettled = ops.get(&c.path).is_some_and(|o| o.open || o.late);
            let defer = unsettled
                && c.from.is_none()
                && c.new.is_some()
                && times < MAX_TIMES
                && self.0.len() < MAX_FILES;
            if !defer {
                kept.push(c);
                continue;
            }
            self.0.insert(c.path.clone(), (c.after, times + 1));
            base.take(std::slice::from_ref(&c.path));
            if let Some(old) = c.old {
                let mut one = Files::new();
                one.push(&c.path, old);
                base.merge(one);
            }
            again.push(parent(&c.path).to_vec());
        }
        *changes = kept;
        again
    }

    /// Whether the change of `path` is put off.
    pub fn holds(&self, path: &[u8]) -> bool {
        self.0.contains_key(path)
    }

    /// The earliest time a put-off change's writes can have begun.
    pub fn floor(&self) -> Option<Ctime> {
        self.0.values().map(|(t, _)| *t).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worktree::change::Entry;
    use git2::Oid;

    fn entry(n: u8) -> Entry {
        Entry {
            oid: Oid::from_bytes(&[n; 20]).unwrap(),
            mode: 0o100644,
        }
    }

    fn change(after: i128) -> Change {
        Change {
            path: b"d/q.txt".to_vec(),
            from: None,
            old: Some(entry(1)),
            new: Some(entry(2)),
            ctime: Ctime::from_nanos(after + 5),
            after: Ctime::from_nanos(after),
            seen: Ctime::from_nanos(after + 9),
            writes: 1,
            steps: Vec::new(),
        }
    }

    fn look(d: &mut Deferred, after: i128, open: bool) -> (Vec<Change>, Files, Vec<Vec<u8>>) {
        let ops = Ops {
            open,
            ..Ops::default()
        };
        look_with(d, after, ops)
    }

    fn look_with(d: &mut Deferred, after: i128, ops: Ops) -> (Vec<Change>, Files, Vec<Vec<u8>>) {
        let mut changes = vec![change(after)];
        let mut base = Files::new();
        base.push(b"d/q.txt", entry(2));
        let ops = HashMap::from([(b"d/q.txt".to_vec(), ops)]);
        let again = d.apply(&mut changes, &mut base, &ops);
        (changes, base, again)
    }

    #[test]
    fn a_file_read_while_its_write_is_open_is_looked_at_again_and_keeps_its_time() {
        let mut d = Deferred::default();
        let (changes, base, again) = look(&mut d, 100, true);
        assert!(changes.is_empty(), "put off");
        assert_eq!(
            base.get(b"d/q.txt"),
            Some(entry(1)),
            "its earlier entry kept"
        );
        assert_eq!(again, vec![b"d".to_vec()]);
        assert_eq!(d.floor(), Some(Ctime::from_nanos(100)));
        // Closed by the next look: told, dated from the first, with no
        // count of its writes (those the first look counted are not the
        // next one's).
        let (changes, base, _) = look(&mut d, 200, false);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].after, Ctime::from_nanos(100));
        assert_eq!(changes[0].writes, 0);
        assert_eq!(base.get(b"d/q.txt"), Some(entry(2)));
        assert_eq!(d.floor(), None);
    }

    #[test]
    fn a_file_held_open_is_put_off_twice_at_most() {
        let mut d = Deferred::default();
        assert!(look(&mut d, 100, true).0.is_empty());
        assert!(look(&mut d, 200, true).0.is_empty());
        let (changes, _, _) = look(&mut d, 300, true);
        assert_eq!(changes.len(), 1, "told as seen");
        assert_eq!(changes[0].after, Ctime::from_nanos(100));
    }

    #[test]
    fn a_file_written_while_the_look_ran_is_looked_at_again() {
        let mut d = Deferred::default();
        let late = Ops {
            whole: 1,
            late: true,
            ..Ops::default()
        };
        let (changes, _, again) = look_with(&mut d, 100, late);
        assert!(changes.is_empty(), "put off though its write had closed");
        assert_eq!(again, vec![b"d".to_vec()]);
    }

    #[test]
    fn a_file_put_off_and_then_found_as_it_was_keeps_no_time() {
        let mut d = Deferred::default();
        assert!(look(&mut d, 100, true).0.is_empty());
        // The next look read its directory again and found no change.
        let mut base = Files::new();
        d.apply(&mut Vec::new(), &mut base, &HashMap::new());
        assert_eq!(d.floor(), None);
        // A later change of it is dated by its own look alone.
        let (changes, _, _) = look(&mut d, 300, false);
        assert_eq!(changes[0].after, Ctime::from_nanos(300));
    }
}
