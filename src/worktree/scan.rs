//! One look at a work tree: every file that is not ignored, with the
//! metadata that tells whether it may have changed. Contents are not read
//! here; `state` hashes only what the metadata says may be new.

use super::files::Files;
use super::objects::{MODE_EXEC, MODE_FILE, MODE_LINK};
use super::watch::Watch;
use crate::timestamp::Ctime;
use anyhow::Result;
use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// A file as the scan saw it. `path` is relative to the root, `/`-separated.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: Vec<u8>,
    pub mode: u32,
    pub size: u64,
    /// Status-change time in nanoseconds: set by the kernel on every write,
    /// chmod, rename or link, and never settable by a program.
    pub ctime: Ctime,
    pub mtime: (i64, i64),
    pub ino: u64,
}

pub struct Scan {
    pub files: Vec<Seen>,
    /// Directory ctimes (a removal or rename changes its directory's).
    pub dirs: HashMap<Vec<u8>, Ctime>,
    /// Directories walked whole (new ones, in a partial scan).
    pub whole: Vec<Vec<u8>>,
}

/// Why a scan stopped short.
#[derive(Debug)]
pub enum Stop {
    TooManyFiles(usize),
}

/// Lists the files under `root`, skipping `.git`, `.devtrace`, nested
/// repositories and whatever the ignore rules (.gitignore, .git/info/exclude,
/// the global excludes file) leave out; stops past `max_files`. Every
/// directory walked is watched (before it is read) when `watch` is given.
/// `pump` is called every few hundred entries.
pub fn scan(
    root: &Path,
    max_files: usize,
    watch: Option<&mut Watch>,
    pump: &mut dyn FnMut(),
) -> Result<std::result::Result<Scan, Stop>> {
    let mut out = Scan {
        files: Vec::new(),
        dirs: HashMap::new(),
        whole: vec![Vec::new()],
    };
    let mut watch = watch;
    if let Some(w) = watch.as_deref_mut() {
        w.add(root, b"");
    }
    if let Err(stop) = walk(root, b"", None, max_files, &mut watch, &mut out, pump) {
        return Ok(Err(stop));
    }
    out.files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    Ok(Ok(out))
}

/// Lists only the files directly in each of `dirs` (relative to `root`),
/// and everything under subdirectories that are new (not yet watched).
pub fn scan_dirs(
    root: &Path,
    dirs: &[Vec<u8>],
    max_files: usize,
    watch: &mut Watch,
    pump: &mut dyn FnMut(),
) -> std::result::Result<Scan, Stop> {
    let mut out = Scan {
        files: Vec::new(),
        dirs: HashMap::new(),
        whole: Vec::new(),
    };
    let mut w = Some(watch);
    for d in dirs {
        walk(root, d, Some(1), max_files, &mut w, &mut out, pump)?;
    }
    // Directories that appeared (made, moved in): walked whole.
    let mut fresh: Vec<Vec<u8>> = out
        .dirs
        .keys()
        .filter(|p| !w.as_deref().is_some_and(|w| w.watches(p)))
        .cloned()
        .collect();
    fresh.sort();
    fresh.dedup_by(|b, a| b.starts_with(a) && b.get(a.len()) == Some(&b'/'));
    for d in fresh {
        if let Some(w) = w.as_deref_mut() {
            w.add(root, &d);
        }
        walk(root, &d, None, max_files, &mut w, &mut out, pump)?;
        out.whole.push(d);
    }
    out.files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    out.files.dedup_by(|b, a| a.path == b.path);
    Ok(out)
}

fn walk(
    root: &Path,
    rel_dir: &[u8],
    depth: Option<usize>,
    max_files: usize,
    watch: &mut Option<&mut Watch>,
    out: &mut Scan,
    pump: &mut dyn FnMut(),
) -> std::result::Result<(), Stop> {
    let start = if rel_dir.is_empty() {
        root.to_path_buf()
    } else {
        root.join(std::ffi::OsStr::from_bytes(rel_dir))
    };
    if !start.is_dir() {
        return Ok(());
    }
    let walker = ignore::WalkBuilder::new(&start)
        .hidden(false)
        .parents(true)
        .ignore(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(true)
        .require_git(false)
        .follow_links(false)
        .max_depth(depth)
        .filter_entry(|e| {
            let name = e.file_name().as_bytes();
            if e.depth() == 0 {
                return true;
            }
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !(name == b".git"
                || (is_dir && (name == b".devtrace" || e.path().join(".git").exists())))
        })
        .build();
    for (i, entry) in walker.enumerate() {
        if i % 512 == 0 {
            pump();
        }
        let Ok(entry) = entry else { continue };
        let Some(ft) = entry.file_type() else {
            continue;
        };
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let path = rel.as_os_str().as_bytes().to_vec();
        if ft.is_dir() && depth.is_none() {
            // Watched before its entries are read (the walker reads it next).
            if let Some(w) = watch.as_deref_mut() {
                w.add(root, &path);
            }
        }
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        let ctime = Ctime::from_parts(meta.ctime(), meta.ctime_nsec());
        if ft.is_dir() {
            out.dirs.insert(path, ctime);
            continue;
        }
        let mode = if ft.is_symlink() {
            MODE_LINK
        } else if ft.is_file() {
            if meta.mode() & 0o111 != 0 {
                MODE_EXEC
            } else {
                MODE_FILE
            }
        } else {
            continue; // sockets, FIFOs, devices: not content
        };
        if out.files.len() >= max_files {
            return Err(Stop::TooManyFiles(max_files));
        }
        out.files.push(Seen {
            path,
            mode,
            size: meta.len(),
            ctime,
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ino: meta.ino(),
        });
    }
    Ok(())
}

/// The ctime of the nearest directory above `path` that the scan saw.
pub fn parent_ctime(scan: &Scan, path: &[u8]) -> Option<Ctime> {
    let mut p = path;
    while let Some(i) = p.iter().rposition(|&b| b == b'/') {
        p = &p[..i];
        if let Some(t) = scan.dirs.get(p) {
            return Some(*t);
        }
    }
    scan.dirs.get(&b""[..]).copied()
}

/// The files of the last state that a partial scan of `dirs` covers:
/// those directly in a changed directory, those under a directory that
/// is gone from it, and those under a directory walked whole.
pub(super) fn in_scope(base: &Files, dirs: &[Vec<u8>], seen: &Scan) -> Vec<Vec<u8>> {
    let mut keys = Vec::new();
    let all_under = |prefix: &[u8], keys: &mut Vec<Vec<u8>>| {
        for (k, _) in base.range_from(prefix) {
            if !k.starts_with(prefix) {
                break;
            }
            keys.push(k.to_vec());
        }
    };
    for w in &seen.whole {
        let mut p = w.clone();
        p.push(b'/');
        all_under(&p, &mut keys);
    }
    for d in dirs {
        let mut prefix = d.clone();
        if !prefix.is_empty() {
            prefix.push(b'/');
        }
        let mut cursor = prefix.clone();
        while let Some((k, _)) = base.range_from(&cursor).next() {
            if !k.starts_with(&prefix) {
                break;
            }
            let rest = &k[prefix.len()..];
            match rest.iter().position(|&b| b == b'/') {
                None => {
                    keys.push(k.to_vec());
                    cursor = k.to_vec();
                    cursor.push(0);
                }
                Some(i) => {
                    let sub = k[..prefix.len() + i].to_vec();
                    if !seen.dirs.contains_key(&sub) {
                        let mut p = sub.clone();
                        p.push(b'/');
                        all_under(&p, &mut keys);
                    }
                    // Past the subtree: '0' follows '/'.
                    cursor = sub;
                    cursor.push(b'0');
                }
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// A directory moved in keeps its files' ctimes (the move is stamped on
/// the directory): in a partial scan, a file under a directory walked whole
/// is as new as that directory.
pub(super) fn stamp_moved_dirs(seen: &mut Scan) {
    for w in &seen.whole {
        let Some(&t) = seen.dirs.get(w) else { continue };
        let mut prefix = w.clone();
        prefix.push(b'/');
        for f in seen
            .files
            .iter_mut()
            .filter(|f| f.path.starts_with(&prefix))
        {
            f.ctime = f.ctime.max(t);
        }
    }
}
