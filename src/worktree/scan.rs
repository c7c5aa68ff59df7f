//! One look at a work tree: every file that is not ignored, with the
//! metadata that tells whether it may have changed. Contents are not read
//! here; `state` hashes only what the metadata says may be new.

use super::objects::{MODE_EXEC, MODE_FILE, MODE_LINK};
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
    pub ctime_ns: i128,
    pub mtime: (i64, i64),
    pub ino: u64,
}

pub struct Scan {
    pub files: Vec<Seen>,
    /// Directory ctimes (a removal or rename changes its directory's).
    pub dirs: HashMap<Vec<u8>, i128>,
}

/// Why a scan stopped short.
#[derive(Debug)]
pub enum Stop {
    TooManyFiles(usize),
}

/// Lists the files under `root`, skipping `.git`, `.devtrace`, nested
/// repositories and whatever the ignore rules (.gitignore, .git/info/exclude,
/// the global excludes file) leave out; stops past `max_files`.
pub fn scan(root: &Path, max_files: usize) -> Result<std::result::Result<Scan, Stop>> {
    let mut files = Vec::new();
    let mut dirs = HashMap::new();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .parents(true)
        .ignore(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(true)
        .require_git(false)
        .follow_links(false)
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
    for entry in walker {
        let Ok(entry) = entry else { continue };
        let Some(ft) = entry.file_type() else {
            continue;
        };
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        let ctime_ns = meta.ctime() as i128 * 1_000_000_000 + meta.ctime_nsec() as i128;
        let path = rel.as_os_str().as_bytes().to_vec();
        if ft.is_dir() {
            dirs.insert(path, ctime_ns);
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
        if files.len() >= max_files {
            return Ok(Err(Stop::TooManyFiles(max_files)));
        }
        files.push(Seen {
            path,
            mode,
            size: meta.len(),
            ctime_ns,
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ino: meta.ino(),
        });
    }
    files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    Ok(Ok(Scan { files, dirs }))
}

/// The ctime of the nearest directory above `path` that the scan saw.
pub fn parent_ctime(scan: &Scan, path: &[u8]) -> Option<i128> {
    let mut p = path;
    while let Some(i) = p.iter().rposition(|&b| b == b'/') {
        p = &p[..i];
        if let Some(t) = scan.dirs.get(p) {
            return Some(*t);
        }
    }
    scan.dirs.get(&b""[..]).copied()
}
