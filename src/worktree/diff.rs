//! Changes as the contract writes them (`edit_files.files`), and as people
//! read them: unified diff, `--stat`, `--name-only`, JSON Lines.

use super::change::{Change, Entry};
use super::objects::{MODE_FILE, MODE_TREE};
use crate::event::{FileChange, Text};
use crate::output::Out;
use crate::timestamp::Ctime;
use anyhow::Result;
use git2::{DiffFindOptions, DiffOptions, Oid, Patch, Repository};
use serde_json::json;

/// The `files` list of an `edit_files` event.
pub fn files_json(changes: &[Change]) -> Vec<FileChange> {
    changes.iter().map(file_json).collect()
}

/// One entry of that list.
fn file_json(c: &Change) -> FileChange {
    let old_mode = match (c.old, c.new) {
        (Some(a), Some(b)) if a.mode != b.mode => Some(format!("{:o}", a.mode)),
        _ => None,
    };
    FileChange {
        path: Text::from_bytes(&c.path),
        change: c.kind(),
        old: c.old.map(|e| e.oid.to_string()),
        new: c.new.map(|e| e.oid.to_string()),
        mode: format!("{:o}", c.new.or(c.old).map_or(MODE_FILE, |e| e.mode)),
        from: c.from.as_deref().map(Text::from_bytes),
        old_mode,
        extra: Default::default(),
    }
}

/// The changes listed in an `edit_files` event.
pub fn from_json(files: &[FileChange]) -> Vec<Change> {
    let mut out = Vec::new();
    for f in files {
        let Some(path) = f.path.bytes() else {
            continue;
        };
        let mode = |m: Option<&String>| m.and_then(|m| u32::from_str_radix(m, 8).ok());
        let new_mode = mode(Some(&f.mode)).unwrap_or(MODE_FILE);
        let old_mode = mode(f.old_mode.as_ref()).unwrap_or(new_mode);
        let entry = |oid: &Option<String>, mode: u32| {
            oid.as_deref()
                .and_then(|s| Oid::from_str(s).ok())
                .map(|oid| Entry { oid, mode })
        };
        out.push(Change {
            path,
            from: f.from.as_ref().and_then(Text::bytes),
            old: entry(&f.old, old_mode),
            new: entry(&f.new, new_mode),
            ctime: Ctime::EPOCH,
            after: Ctime::EPOCH,
            seen: Ctime::EPOCH,
            writes: 0,
            steps: Vec::new(),
        });
    }
    out
}

/// What changed from tree `old` (nothing, when None) to tree `new`, with
/// renames found as git finds them.
pub fn between_trees(repo: &Repository, old: Option<Oid>, new: Oid) -> Result<Vec<Change>> {
    let old = old.map(|o| repo.find_tree(o)).transpose()?;
    let new = repo.find_tree(new)?;
    let mut diff = repo.diff_tree_to_tree(old.as_ref(), Some(&new), None)?;
    diff.find_similar(Some(DiffFindOptions::new().renames(true)))?;
    let mut out = Vec::new();
    for d in diff.deltas() {
        let side = |f: git2::DiffFile| {
            (!f.id().is_zero() && f.mode() != git2::FileMode::Unreadable).then(|| Entry {
                oid: f.id(),
                mode: u32::from(f.mode()),
            })
        };
        let old_path = d.old_file().path_bytes().map(<[u8]>::to_vec);
        let new_path = d.new_file().path_bytes().map(<[u8]>::to_vec);
        let renamed = d.status() == git2::Delta::Renamed;
        out.push(Change {
            path: new_path.clone().or(old_path.clone()).unwrap_or_default(),
            from: if renamed { old_path } else { None },
            old: side(d.old_file()),
            new: side(d.new_file()),
            ctime: Ctime::EPOCH,
            after: Ctime::EPOCH,
            seen: Ctime::EPOCH,
            writes: 0,
            steps: Vec::new(),
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Patch,
    Stat,
    NameOnly,
    Json,
}

pub fn show_path(p: &[u8]) -> String {
    crate::output::printable(&String::from_utf8_lossy(p))
}

/// One file's diff body (hunks, no header) and its line counts.
pub struct Body {
    pub hunks: Vec<u8>,
    pub binary: bool,
    pub ins: usize,
    pub del: usize,
}

/// The diff of one change, or None when a side's content was not kept.
pub fn body(repo: &Repository, c: &Change) -> Result<Option<Body>> {
    let content = |e: Option<Entry>| -> Option<Vec<u8>> {
        match e {
            None => Some(Vec::new()),
            Some(e) if e.mode == MODE_TREE || e.mode == 0o160000 => Some(Vec::new()),
            Some(e) => repo.find_blob(e.oid).ok().map(|b| b.content().to_vec()),
        }
    };
    let (Some(old), Some(new)) = (content(c.old), content(c.new)) else {
        return Ok(None);
    };
    let mut opts = DiffOptions::new();
    opts.context_lines(3);
    let mut p = Patch::from_buffers(&old, None, &new, None, Some(&mut opts))?;
    let binary = p.delta().flags().is_binary();
    let (_, ins, del) = p.line_stats()?;
    let buf = p.to_buf()?;
    let hunks = match buf.windows(3).position(|w| w == b"\n@@") {
        Some(i) => buf[i + 1..].to_vec(),
        None if buf.starts_with(b"@@") => buf.to_vec(),
        None => Vec::new(),
    };
    Ok(Some(Body {
        hunks,
        binary,
        ins,
        del,
    }))
}

/// git's header lines for one change.
fn header(c: &Change) -> Vec<String> {
    let old = c.from.as_deref().unwrap_or(&c.path);
    let mut h = vec![format!(
        "diff --git a/{} b/{}",
        show_path(old),
        show_path(&c.path)
    )];
    match (c.old, c.new) {
        (None, Some(n)) => h.push(format!("new file mode {:o}", n.mode)),
        (Some(o), None) => h.push(format!("deleted file mode {:o}", o.mode)),
        (Some(o), Some(n)) if o.mode != n.mode => {
            h.push(format!("old mode {:o}", o.mode));
            h.push(format!("new mode {:o}", n.mode));
        }
        _ => {}
    }
    if let Some(f) = &c.from {
        h.push(format!("rename from {}", show_path(f)));
        h.push(format!("rename to {}", show_path(&c.path)));
    }
    let short =
        |e: Option<Entry>| e.map_or("0000000".to_owned(), |e| e.oid.to_string()[..7].to_owned());
    if c.old.map(|e| e.oid) != c.new.map(|e| e.oid) {
        let mode = match (c.old, c.new) {
            (Some(o), Some(n)) if o.mode == n.mode => format!(" {:o}", n.mode),
            _ => String::new(),
        };
        h.push(format!("index {}..{}{mode}", short(c.old), short(c.new)));
    }
    h
}

/// Prints `changes` in the chosen format.
pub fn render(repo: &Repository, changes: &[Change], fmt: Format, out: &mut Out) -> Result<()> {
    match fmt {
        Format::NameOnly => {
            for c in changes {
                out.raw(&c.path)?;
                out.raw(b"\n")?;
            }
        }
        Format::Json => {
            for c in changes {
                let mut o = file_json(c);
                let b = body(repo, c)?;
                let (ins, del, binary) = match &b {
                    Some(b) if b.binary => (None, None, true),
                    Some(b) => (Some(b.ins), Some(b.del), false),
                    None => (None, None, false),
                };
                o.extra.insert("insertions".into(), json!(ins));
                o.extra.insert("deletions".into(), json!(del));
                o.extra.insert("binary".into(), json!(binary));
                o.extra.insert("kept".into(), json!(b.is_some()));
                out.line(&serde_json::to_string(&o)?)?;
            }
        }
        Format::Stat => stat(repo, changes, out)?,
        Format::Patch => {
            for c in changes {
                for h in header(c) {
                    out.line(&out.paint("1", &h))?;
                }
                let old = c.from.as_deref().unwrap_or(&c.path);
                match body(repo, c)? {
                    Some(b) if b.binary => out.line(&format!(
                        "Binary files {} and {} differ",
                        if c.old.is_some() { format!("a/{}", show_path(old)) } else { "/dev/null".into() },
                        if c.new.is_some() { format!("b/{}", show_path(&c.path)) } else { "/dev/null".into() },
                    ))?,
                    Some(b) if !b.hunks.is_empty() => {
                        let a = if c.old.is_some() { format!("a/{}", show_path(old)) } else { "/dev/null".into() };
                        let n = if c.new.is_some() { format!("b/{}", show_path(&c.path)) } else { "/dev/null".into() };
                        out.line(&out.paint("1", &format!("--- {a}")))?;
                        out.line(&out.paint("1", &format!("+++ {n}")))?;
                        paint_hunks(&b.hunks, out)?;
                    }
                    Some(_) => {}
                    None => out.line(&out.dim(
                        "(contents not kept: the file was too large, or its objects are gone from the repository)",
                    ))?,
                }
            }
        }
    }
    Ok(())
}

/// The changes as a plain unified diff (git's format, no colour).
pub fn patch_text(repo: &Repository, changes: &[Change]) -> Result<String> {
    /// A writer into shared memory (the renderer owns its writer).
    #[derive(Clone, Default)]
    struct Memory(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);
    impl std::io::Write for Memory {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mem = Memory::default();
    {
        let mut out = Out::plain(Box::new(mem.clone()));
        render(repo, changes, Format::Patch, &mut out)?;
        out.flush()?;
    }
    let bytes = mem.0.borrow().clone();
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A diff cut at a line end within `max` bytes, with a marker saying how
/// much is left out (and `hint`: how to see more); true when cut.
pub fn cut(text: String, max: usize, hint: &str) -> (String, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let end = text[..end].rfind('\n').map_or(end, |i| i + 1);
    let rest = text.len() - end;
    let mut head = text[..end].to_owned();
    head.push_str(&format!(
        "[devtrace: diff cut here; {rest} more bytes: {hint}]\n"
    ));
    (head, true)
}

/// Hunk lines, coloured when on a terminal: `@@` cyan, additions green,
/// removals red.
fn paint_hunks(buf: &[u8], out: &mut Out) -> Result<()> {
    for line in buf.split_inclusive(|&b| b == b'\n') {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        let code = match body.first() {
            Some(b'@') => "36",
            Some(b'+') => "32",
            Some(b'-') => "31",
            _ => "",
        };
        if out.color && !code.is_empty() {
            out.raw(format!("\x1b[{code}m").as_bytes())?;
            out.raw(body)?;
            out.raw(b"\x1b[0m\n")?;
        } else {
            out.raw(body)?;
            out.raw(b"\n")?;
        }
    }
    Ok(())
}

fn stat(repo: &Repository, changes: &[Change], out: &mut Out) -> Result<()> {
    let mut rows = Vec::new();
    let (mut files, mut ins_total, mut del_total) = (0, 0, 0);
    for c in changes {
        let name = match &c.from {
            Some(f) => format!("{} => {}", show_path(f), show_path(&c.path)),
            None => show_path(&c.path),
        };
        let counts = match body(repo, c)? {
            Some(b) if !b.binary => Some((b.ins, b.del)),
            _ => None,
        };
        files += 1;
        if let Some((a, d)) = counts {
            ins_total += a;
            del_total += d;
        }
        rows.push((name, counts));
    }
    let name_w = rows
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    let max = rows
        .iter()
        .filter_map(|(_, c)| c.map(|(a, d)| a + d))
        .max()
        .unwrap_or(0);
    let width = out.width.unwrap_or(80);
    let bar_room = width.saturating_sub(name_w + 10).clamp(10, 50);
    for (name, counts) in rows {
        let line = match counts {
            Some((a, d)) => {
                let total = a + d;
                let (mut pa, mut pd) = (a, d);
                if max > bar_room {
                    pa = (a * bar_room).div_ceil(max.max(1));
                    pd = (d * bar_room).div_ceil(max.max(1));
                }
                format!(
                    " {name:<name_w$} | {total:>5} {}{}",
                    out.paint("32", &"+".repeat(pa)),
                    out.paint("31", &"-".repeat(pd))
                )
            }
            None => format!(" {name:<name_w$} |   Bin"),
        };
        out.line(&line)?;
    }
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    out.line(&format!(
        " {}, {}(+), {}(-)",
        plural(files, "file changed", "files changed"),
        plural(ins_total, "insertion", "insertions"),
        plural(del_total, "deletion", "deletions"),
    ))?;
    Ok(())
}
