//! What an agent's edit says it did, checked against the tree.
//!
//! Claude Code's Write, Edit and MultiEdit name the file and the text:
//! the whole new text, or the replacements made in the old. When a change
//! found by a look could be one of several calls' (a quick agent, a look
//! that came late) and exactly one of them says it made this very change
//! (its replacements turn the old contents into the new, or its text is
//! the new contents), the change is that call's. A claim the tree does not
//! bear out (a bounded or redacted input, another writer) counts for
//! nothing, and the evidence of times decides alone.

use crate::worktree::change::Entry;
use crate::worktree::{Change, Tracker};
use git2::{ObjectType, Oid};
use serde_json::Value;
use std::path::Path;

/// A file and what a call says it wrote to it.
#[derive(Debug, Clone)]
pub struct Claim {
    /// Relative to the work tree's root.
    path: Vec<u8>,
    edit: Edit,
}

#[derive(Debug, Clone)]
enum Edit {
    /// The file's whole new text.
    Write(String),
    /// Replacements made in turn in the old text.
    Replace(Vec<Replace>),
}

#[derive(Debug, Clone)]
struct Replace {
    old: String,
    new: String,
    all: bool,
}

impl Claim {
    /// The claim of a call of `tool` with `input`, run in `cwd`, for a file
    /// under `root`; None for other tools, or a file elsewhere.
    pub fn of(tool: &str, input: &Value, cwd: &str, root: &Path) -> Option<Claim> {
        let file = Path::new(cwd).join(input["file_path"].as_str()?);
        let rel = file.strip_prefix(root).ok()?;
        let path = rel.as_os_str().as_encoded_bytes().to_vec();
        if path.is_empty() {
            return None;
        }
        let edit = match tool {
            "Write" => Edit::Write(input["content"].as_str()?.to_owned()),
            "Edit" => Edit::Replace(vec![replace(input)?]),
            "MultiEdit" => Edit::Replace(
                input["edits"]
                    .as_array()?
                    .iter()
                    .map(replace)
                    .collect::<Option<_>>()?,
            ),
            _ => return None,
        };
        Some(Claim { path, edit })
    }

    /// The file's text after the call, from its text before (None: no
    /// file); None when the call cannot have been made on that text.
    fn after(&self, before: Option<&str>) -> Option<String> {
        match &self.edit {
            Edit::Write(text) => Some(text.clone()),
            Edit::Replace(steps) => {
                let mut text = before?.to_owned();
                for s in steps {
                    text = apply(&text, s)?;
                }
                Some(text)
            }
        }
    }
}

/// Splits `ch` among the calls that say they edited its file (`claims`,
/// in the order the calls began) when, made in that order on the old
/// contents, their edits give exactly the new: each call gets the step it
/// made (the contents between steps are stored). None when they do not
/// add up, or when the change is no edit of one file's text.
pub fn split(ch: &Change, claims: &[(&str, &Claim)], t: &Tracker) -> Option<Vec<(String, Change)>> {
    let new = ch.new.filter(|_| ch.from.is_none())?;
    let mine: Vec<&(&str, &Claim)> = claims.iter().filter(|(_, c)| c.path == ch.path).collect();
    if mine.is_empty() {
        return None;
    }
    let mut text: Option<String> = match ch.old {
        None => None,
        Some(o) => Some(String::from_utf8(t.objects.read(o.oid)?.1).ok()?),
    };
    let mut steps: Vec<(&str, String)> = Vec::new();
    for (id, claim) in mine {
        let next = claim.after(text.as_deref())?;
        if text.as_deref() != Some(next.as_str()) {
            steps.push((id, next.clone()));
            text = Some(next);
        }
    }
    let last = steps.last()?;
    let oid = Oid::hash_object(ObjectType::Blob, last.1.as_bytes()).ok()?;
    if oid != new.oid {
        return None;
    }
    let mut old = ch.old;
    let mut out = Vec::new();
    for (i, (id, text)) in steps.iter().enumerate() {
        let entry = if i + 1 == steps.len() {
            new
        } else {
            Entry {
                oid: t.objects.write(ObjectType::Blob, text.as_bytes()).ok()?,
                mode: new.mode,
            }
        };
        let mut piece = ch.clone();
        piece.old = old;
        piece.new = Some(entry);
        piece.writes = 0;
        piece.steps.clear();
        out.push((id.to_string(), piece));
        old = Some(entry);
    }
    Some(out)
}

fn replace(v: &Value) -> Option<Replace> {
    Some(Replace {
        old: v["old_string"].as_str()?.to_owned(),
        new: v["new_string"].as_str()?.to_owned(),
        all: v["replace_all"].as_bool().unwrap_or(false),
    })
}

/// One replacement, as the Edit tool makes it: every occurrence with
/// `all`, else the one and only (an ambiguous or missing text fails).
fn apply(text: &str, r: &Replace) -> Option<String> {
    if r.old.is_empty() {
        return None;
    }
    match (r.all, text.matches(r.old.as_str()).count()) {
        (_, 0) => None,
        (true, _) => Some(text.replace(r.old.as_str(), &r.new)),
        (false, 1) => Some(text.replacen(r.old.as_str(), &r.new, 1)),
        (false, _) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claims_of_claude_edits_and_none_of_others() {
        let root = Path::new("/w");
        let c = Claim::of(
            "Edit",
            &json!({"file_path": "/w/src/a.rs", "old_string": "x", "new_string": "y"}),
            "/w",
            root,
        )
        .unwrap();
        assert_eq!(c.path, b"src/a.rs");
        let rel = Claim::of(
            "Write",
            &json!({"file_path": "b.txt", "content": "hi"}),
            "/w/sub",
            root,
        )
        .unwrap();
        assert_eq!(rel.path, b"sub/b.txt");
        assert!(Claim::of("Bash", &json!({"command": "ls"}), "/w", root).is_none());
        let elsewhere = json!({"file_path": "/etc/passwd", "content": ""});
        assert!(Claim::of("Write", &elsewhere, "/w", root).is_none());
    }

    #[test]
    fn replacements_as_the_edit_tool_makes_them() {
        let r = |old: &str, new: &str, all| Replace {
            old: old.into(),
            new: new.into(),
            all,
        };
        assert_eq!(apply("a b a", &r("b", "c", false)).unwrap(), "a c a");
        assert_eq!(apply("a b a", &r("a", "c", true)).unwrap(), "c b c");
        assert!(apply("a b a", &r("a", "c", false)).is_none(), "ambiguous");
        assert!(apply("a b a", &r("z", "c", false)).is_none(), "missing");
    }
}
