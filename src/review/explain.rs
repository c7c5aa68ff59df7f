//! From a file (or one of its lines) back to the recorded change that last
//! touched it, the command or tool call that made that change, and the
//! prompt before it: `devtrace explain` and the MCP tool `explain`.

use crate::event::{ChangeKind, Data, Event, FileChange, Kind};
use crate::store::{EventFilter, Store};
use crate::worktree::objects::Objects;
use anyhow::Result;
use git2::{DiffOptions, Oid, Patch, Repository};
use std::path::Path;

/// What is known of a line's last change: the change, what made it, and
/// the prompt before.
pub struct Explained {
    pub rel: Vec<u8>,
    pub line: Option<usize>,
    pub found: Found,
    pub cause: Option<Event>,
    /// When one of several commands made it: those commands.
    pub causes: Vec<Event>,
    /// Recording was paused in the session when the change was made.
    pub paused: bool,
    pub prompt: Option<Event>,
}

pub fn gather(store: &Store, rel: &[u8], line: Option<usize>) -> Result<Option<Explained>> {
    let root = store
        .dir()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let repo = Objects::open(store.dir(), &root)?.reader()?;
    let Some(found) = last_change(store, &repo, rel, line)? else {
        return Ok(None);
    };
    let cause = match found.edit.cause() {
        Some(id) => store.resolve_event(id).ok(),
        None => None,
    };
    let causes: Vec<Event> = found
        .edit
        .causes()
        .iter()
        .filter_map(|id| store.resolve_event(id).ok())
        .collect();
    let paused = crate::pause::load(&crate::runtime::dir())
        .iter()
        .any(|p| p.covers(&found.edit.session, found.edit.ts));
    let prompt = prompt_before(
        store,
        cause.as_ref().or(causes.last()).unwrap_or(&found.edit),
    )?;
    Ok(Some(Explained {
        rel: rel.to_vec(),
        line,
        found,
        cause,
        causes,
        paused,
        prompt,
    }))
}

pub struct Found {
    pub edit: Event,
    /// The line's number in that change's version of the file.
    pub line: Option<usize>,
}

/// The newest recorded change to `path` (to its line `line`, followed back
/// through later changes that moved it), across renames.
fn last_change(
    store: &Store,
    repo: &Repository,
    path: &[u8],
    line: Option<usize>,
) -> Result<Option<Found>> {
    let edits = store.events(&EventFilter {
        types: vec![Kind::EditFiles.to_string()],
        ..EventFilter::default()
    })?;
    let mut path = path.to_vec();
    let mut line = line;
    for (_, ev) in edits.iter().rev() {
        let Some(f) = change_of(ev, &path) else {
            continue;
        };
        let Some(l) = line else {
            return Ok(Some(Found {
                edit: ev.clone(),
                line: None,
            }));
        };
        if f.change == ChangeKind::Deleted {
            continue;
        }
        let old = blob(repo, &f.old);
        let new = blob(repo, &f.new).unwrap_or_default();
        match trace_line(old.as_deref(), &new, l)? {
            None => {
                return Ok(Some(Found {
                    edit: ev.clone(),
                    line: Some(l),
                }))
            }
            Some(before) => line = Some(before),
        }
        if let Some(from) = f.from.as_ref().and_then(|t| t.bytes()) {
            path = from;
        }
    }
    Ok(None)
}

/// What the edit event `ev` says of the file at `path`, if it changed it.
pub(super) fn change_of<'a>(ev: &'a Event, path: &[u8]) -> Option<&'a FileChange> {
    let Data::EditFiles(edit) = &ev.data else {
        return None;
    };
    edit.files
        .iter()
        .find(|f| f.path.bytes().as_deref() == Some(path))
}

/// A blob's contents, by its id as events record it.
pub(super) fn blob(repo: &Repository, oid: &Option<String>) -> Option<Vec<u8>> {
    let oid = Oid::from_str(oid.as_deref()?).ok()?;
    repo.find_blob(oid).ok().map(|b| b.content().to_vec())
}

/// Where line `l` of `new` was in `old`, or None when this change wrote it.
fn trace_line(old: Option<&[u8]>, new: &[u8], l: usize) -> Result<Option<usize>> {
    let Some(old) = old else {
        return Ok(None); // the file was made here: every line is new
    };
    Ok(trace(&hunks(old, new)?, l))
}

/// The hunks of a change from `old` to `new` without context: each as
/// (new start, new lines, old lines).
pub(crate) fn hunks(old: &[u8], new: &[u8]) -> Result<Vec<(usize, usize, usize)>> {
    let mut opts = DiffOptions::new();
    opts.context_lines(0);
    let patch = Patch::from_buffers(old, None, new, None, Some(&mut opts))?;
    let mut out = Vec::with_capacity(patch.num_hunks());
    for h in 0..patch.num_hunks() {
        let (hunk, _) = patch.hunk(h)?;
        out.push((
            hunk.new_start() as usize,
            hunk.new_lines() as usize,
            hunk.old_lines() as usize,
        ));
    }
    Ok(out)
}

/// Where line `l` of a change's new side was on its old side, or None when
/// one of the change's hunks wrote it.
pub(crate) fn trace(hunks: &[(usize, usize, usize)], l: usize) -> Option<usize> {
    let mut shift: i64 = 0;
    for &(new_start, new_lines, old_lines) in hunks {
        let new_end = new_start + new_lines;
        if l < new_start || (new_lines == 0 && l == new_start) {
            break;
        }
        if l < new_end {
            return None; // one of the lines this change wrote
        }
        shift += new_lines as i64 - old_lines as i64;
    }
    Some((l as i64 - shift).max(1) as usize)
}

/// The newest prompt of `ev`'s session before it.
pub(crate) fn prompt_before(store: &Store, ev: &Event) -> Result<Option<Event>> {
    let prompts = store.events(&EventFilter {
        session: Some(ev.session.clone()),
        types: vec![Kind::Prompt.to_string()],
        ..EventFilter::default()
    })?;
    Ok(prompts
        .into_iter()
        .map(|(_, e)| e)
        .rfind(|p| p.seq < ev.seq))
}
