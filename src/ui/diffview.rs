//! A change as the page shows it: each file's diff as rows (kind, old and
//! new line numbers, highlighted HTML), which the page lays out unified or
//! side by side. Binary files and contents not kept say so.

use super::highlight::Lines;
use crate::review::changes::event_changes;
use crate::store::Store;
use crate::worktree::diff::{body, show_path};
use crate::worktree::objects::Objects;
use crate::worktree::Change;
use anyhow::Result;
use serde_json::{json, Value};

/// Most rows of one file's diff the page gets.
const ROWS_MAX: usize = 5000;

/// What the event `id` changed, file by file.
pub fn event_diff(store: &Store, id: &str) -> Result<Value> {
    let ev = store.resolve_event(id)?;
    let root = store
        .dir()
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let repo = Objects::open(store.dir(), &root)?.reader()?;
    let changes = event_changes(store, &repo, &ev)?;
    let mut files = Vec::new();
    for c in &changes {
        files.push(file_diff(&repo, c)?);
    }
    Ok(json!({ "event": ev.id, "files": files }))
}

fn kind(c: &Change) -> &'static str {
    match (c.old, c.new, &c.from) {
        (None, Some(_), _) => "added",
        (Some(_), None, _) => "deleted",
        (_, _, Some(_)) => "renamed",
        _ => "modified",
    }
}

fn file_diff(repo: &git2::Repository, c: &Change) -> Result<Value> {
    let path = show_path(&c.path);
    let mut out = json!({
        "path": path,
        "from": c.from.as_deref().map(show_path),
        "change": kind(c),
        "kept": false,
        "binary": false,
        "not_utf8": false,
        "rows": [],
    });
    let Some(b) = body(repo, c)? else {
        return Ok(out);
    };
    out["kept"] = json!(true);
    if b.binary {
        out["binary"] = json!(true);
        return Ok(out);
    }
    let (rows, not_utf8, cut) = rows(&path, &b.hunks);
    out["rows"] = json!(rows);
    out["not_utf8"] = json!(not_utf8);
    out["insertions"] = json!(b.ins);
    out["deletions"] = json!(b.del);
    out["cut"] = json!(cut);
    Ok(out)
}

/// The rows of a diff body: `@` for a hunk's head, ` `, `+`, `-`; old and
/// new sides highlighted each in its own order.
fn rows(path: &str, hunks: &[u8]) -> (Vec<Value>, bool, bool) {
    let (mut old_hl, mut new_hl) = (Lines::for_path(path), Lines::for_path(path));
    let (mut o, mut n) = (0usize, 0usize);
    let mut not_utf8 = false;
    let mut out = Vec::new();
    for raw in hunks.split(|&b| b == b'\n') {
        if out.len() >= ROWS_MAX {
            return (out, not_utf8, true);
        }
        let Some((&mark, rest)) = raw.split_first() else {
            continue;
        };
        let text = match std::str::from_utf8(rest) {
            Ok(t) => t.to_owned(),
            Err(_) => {
                not_utf8 = true;
                String::from_utf8_lossy(rest).into_owned()
            }
        };
        match mark {
            b'@' => {
                let (a, b) = hunk_starts(&text);
                (o, n) = (a, b);
                out.push(json!({"k": "@", "h": super::highlight::escape(&format!("@{text}"))}));
            }
            b' ' => {
                old_hl.line(&text);
                out.push(json!({"k": " ", "o": o, "n": n, "h": new_hl.line(&text)}));
                o += 1;
                n += 1;
            }
            b'-' => {
                out.push(json!({"k": "-", "o": o, "h": old_hl.line(&text)}));
                o += 1;
            }
            b'+' => {
                out.push(json!({"k": "+", "n": n, "h": new_hl.line(&text)}));
                n += 1;
            }
            _ => out.push(json!({"k": "\\", "h": super::highlight::escape(&text)})),
        }
    }
    (out, not_utf8, false)
}

/// The old and new start lines of `@ -a,b +c,d @@`.
fn hunk_starts(head: &str) -> (usize, usize) {
    let mut parts = head.split_whitespace();
    let mut num = |sign: char| {
        parts
            .find(|p| p.starts_with(sign))
            .and_then(|p| p[1..].split(',').next()?.parse().ok())
            .unwrap_or(1)
    };
    let a = num('-');
    (a, num('+'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_number_both_sides() {
        let (rows, not_utf8, cut) = rows(
            "a.rs",
            b"@@ -2,2 +2,2 @@\n fn a() {}\n-fn b() {}\n+fn b2() {}\n",
        );
        assert!(!not_utf8 && !cut);
        let kinds: Vec<_> = rows
            .iter()
            .map(|r| r["k"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(kinds, ["@", " ", "-", "+"]);
        assert_eq!(
            (rows[1]["o"].as_u64(), rows[1]["n"].as_u64()),
            (Some(2), Some(2))
        );
        assert_eq!(rows[2]["o"].as_u64(), Some(3));
        assert_eq!(rows[3]["n"].as_u64(), Some(3));
        assert!(rows[3]["h"].as_str().unwrap().contains("b2"));
    }

    #[test]
    fn text_that_is_not_utf8_is_flagged() {
        let (rows, not_utf8, _) = rows("a.txt", b"@@ -1 +1 @@\n-caf\xe9\n+cafe\n");
        assert!(not_utf8);
        assert!(rows[1]["h"].as_str().unwrap().contains('\u{fffd}'));
    }
}
