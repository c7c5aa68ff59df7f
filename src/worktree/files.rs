//! The files of a tracked state, kept compact: one table of rows sorted by
//! path, each a content id (20 bytes, binary), a mode and where its path
//! ends in one shared byte arena. 28 bytes a file plus its path's bytes,
//! where a `BTreeMap<Vec<u8>, Entry>` took about 110 (a heap block per
//! path, half-full tree nodes): a 100,000-file tree fits in 4 MB.
//!
//! Lookups are binary searches; a look's result replaces a subset of the
//! rows in one linear merge ([`Files::take`], [`Files::merge`]), never one
//! row at a time.

use git2::Oid;

/// A file's content id and git mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub oid: Oid,
    pub mode: u32,
}

#[derive(Default)]
pub struct Files {
    /// The paths, back to back, in the order of `rows`.
    bytes: Vec<u8>,
    rows: Vec<Row>,
}

#[derive(Clone, Copy)]
struct Row {
    /// Where the path ends in `bytes` (it starts where the row before ends).
    end: u32,
    oid: Oid,
    mode: u32,
}

impl Files {
    pub fn new() -> Files {
        Files::default()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn path(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.rows[i - 1].end };
        &self.bytes[start as usize..self.rows[i].end as usize]
    }

    fn entry(&self, i: usize) -> Entry {
        let r = self.rows[i];
        Entry {
            oid: r.oid,
            mode: r.mode,
        }
    }

    /// Appends a file; paths must come in ascending byte order, each once.
    pub fn push(&mut self, path: &[u8], e: Entry) {
        debug_assert!(
            self.rows.is_empty() || self.path(self.rows.len() - 1) < path,
            "paths pushed in order"
        );
        self.bytes.extend_from_slice(path);
        let end = u32::try_from(self.bytes.len()).expect("paths of a tree under 4 GB");
        self.rows.push(Row {
            end,
            oid: e.oid,
            mode: e.mode,
        });
    }

    /// The index of the first row whose path is not less than `path`.
    fn lower_bound(&self, path: &[u8]) -> usize {
        let (mut lo, mut hi) = (0, self.rows.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.path(mid) < path {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    pub fn get(&self, path: &[u8]) -> Option<Entry> {
        let i = self.lower_bound(path);
        (i < self.rows.len() && self.path(i) == path).then(|| self.entry(i))
    }

    pub fn contains(&self, path: &[u8]) -> bool {
        self.get(path).is_some()
    }

    /// Every file, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], Entry)> + '_ {
        self.iter_from(0)
    }

    fn iter_from(&self, i: usize) -> impl Iterator<Item = (&[u8], Entry)> + '_ {
        (i..self.rows.len()).map(move |i| (self.path(i), self.entry(i)))
    }

    /// The files whose path is `from` or after it, in path order.
    pub fn range_from(&self, from: &[u8]) -> impl Iterator<Item = (&[u8], Entry)> + '_ {
        self.iter_from(self.lower_bound(from))
    }

    /// Removes the files named in `paths` (sorted, each once) and returns
    /// them; names not present are skipped.
    pub fn take(&mut self, paths: &[Vec<u8>]) -> Files {
        let mut taken = Files::new();
        if paths.is_empty() {
            return taken;
        }
        let mut kept = Files::new();
        kept.bytes.reserve(self.bytes.len());
        kept.rows.reserve(self.rows.len());
        let mut want = paths.iter().peekable();
        for (p, e) in self.iter() {
            while want.next_if(|w| w.as_slice() < p).is_some() {}
            if want.next_if(|w| w.as_slice() == p).is_some() {
                taken.push(p, e);
            } else {
                kept.push(p, e);
            }
        }
        *self = kept;
        taken
    }

    /// Adds the files of `new`, which replace any of the same path.
    pub fn merge(&mut self, new: Files) {
        if new.is_empty() {
            return;
        }
        if self.is_empty() {
            *self = new;
            return;
        }
        let mut out = Files::new();
        out.bytes.reserve(self.bytes.len() + new.bytes.len());
        out.rows.reserve(self.rows.len() + new.rows.len());
        let (mut a, mut b) = (self.iter().peekable(), new.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (None, None) => break,
                (Some(_), None) => a.next(),
                (None, Some(_)) => b.next(),
                (Some((pa, _)), Some((pb, _))) => match pa.cmp(pb) {
                    std::cmp::Ordering::Less => a.next(),
                    std::cmp::Ordering::Greater => b.next(),
                    std::cmp::Ordering::Equal => {
                        a.next();
                        b.next()
                    }
                },
            };
            let (p, e) = next.expect("one side has a row");
            out.push(p, e);
        }
        drop((a, b));
        *self = out;
    }

    /// Gives back spare capacity (after a build by pushes).
    pub fn shrink(&mut self) {
        self.bytes.shrink_to_fit();
        self.rows.shrink_to_fit();
    }

    /// Heap bytes held (for the benches' per-file figure).
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.rows.capacity() * std::mem::size_of::<Row>()
    }
}

impl<'a> FromIterator<(&'a [u8], Entry)> for Files {
    /// Collects files given in path order.
    fn from_iter<I: IntoIterator<Item = (&'a [u8], Entry)>>(iter: I) -> Files {
        let mut f = Files::new();
        for (p, e) in iter {
            f.push(p, e);
        }
        f.shrink();
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(n: u8) -> Entry {
        Entry {
            oid: Oid::from_bytes(&[n; 20]).unwrap(),
            mode: 0o100644,
        }
    }

    fn files(names: &[(&str, u8)]) -> Files {
        names.iter().map(|(p, n)| (p.as_bytes(), e(*n))).collect()
    }

    fn names(f: &Files) -> Vec<String> {
        f.iter()
            .map(|(p, _)| String::from_utf8(p.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn lookups_find_each_path_and_only_those() {
        let f = files(&[("a", 1), ("a.b", 2), ("a/x", 3), ("b", 4)]);
        assert_eq!(f.len(), 4);
        assert_eq!(f.get(b"a.b"), Some(e(2)));
        assert_eq!(f.get(b"a/x"), Some(e(3)));
        assert_eq!(f.get(b"a/"), None);
        assert_eq!(f.get(b"c"), None);
        assert!(!f.contains(b""));
        let under: Vec<_> = f
            .range_from(b"a/")
            .take_while(|(p, _)| p.starts_with(b"a/"))
            .collect();
        assert_eq!(under, vec![(&b"a/x"[..], e(3))]);
    }

    #[test]
    fn take_and_merge_replace_a_subset() {
        let mut f = files(&[("a", 1), ("b", 2), ("c", 3), ("d", 4)]);
        let taken = f.take(&[b"0".to_vec(), b"b".to_vec(), b"d".to_vec()]);
        assert_eq!(names(&taken), ["b", "d"]);
        assert_eq!(names(&f), ["a", "c"]);
        f.merge(files(&[("a", 9), ("bb", 5), ("e", 6)]));
        assert_eq!(names(&f), ["a", "bb", "c", "e"]);
        assert_eq!(f.get(b"a"), Some(e(9)), "the newer entry wins");
        assert_eq!(f.get(b"c"), Some(e(3)));
    }
}
