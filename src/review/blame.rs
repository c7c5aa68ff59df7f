//! A whole file back to its recorded changes, line by line: what
//! `explain FILE:LINE` answers, for every line at once (`devtrace ui`'s
//! file view). One pass over the file's changes, newest first, each diffed
//! once.

use super::explain::{blob, change_of, hunks, prompt_before, trace};
use crate::event::{ChangeKind, Event, Kind};
use crate::store::{EventFilter, Store};
use crate::worktree::objects::Objects;
use anyhow::Result;
use std::collections::HashMap;
use std::path::Path;

/// Each line's last change, and what is known of each such change.
pub struct Blame {
    /// For line `i + 1` of the file: the id of the change that wrote it,
    /// or None when no recorded change did.
    pub lines: Vec<Option<String>>,
    pub changes: HashMap<String, Behind>,
}

/// One change and what made it: a command or tool call (or the several
/// it was one of), and the prompt before.
pub struct Behind {
    pub edit: Event,
    pub cause: Option<Event>,
    pub causes: Vec<Event>,
    pub prompt: Option<Event>,
}

/// The change behind each of the `count` lines of the file `rel` (relative
/// to the store's root), as it is now.
pub fn gather(store: &Store, rel: &[u8], count: usize) -> Result<Blame> {
    let root = store
        .dir()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let repo = Objects::open(store.dir(), &root)?.reader()?;
    let edits = store.events(&EventFilter {
        types: vec![Kind::EditFiles.to_string()],
        ..EventFilter::default()
    })?;
    let mut lines: Vec<Option<String>> = vec![None; count];
    // (line of the file now, where it is in the version being looked at)
    let mut pending: Vec<(usize, usize)> = (1..=count).map(|l| (l, l)).collect();
    let mut path = rel.to_vec();
    let mut used: HashMap<String, Event> = HashMap::new();
    for (_, ev) in edits.iter().rev() {
        if pending.is_empty() {
            break;
        }
        let Some(f) = change_of(ev, &path) else {
            continue;
        };
        if f.change == ChangeKind::Deleted {
            continue;
        }
        let old = blob(&repo, &f.old);
        let new = blob(&repo, &f.new).unwrap_or_default();
        let hs = match &old {
            Some(old) => Some(hunks(old, &new)?),
            None => None, // made here: every line is new
        };
        pending.retain_mut(
            |(now, then)| match hs.as_deref().and_then(|hs| trace(hs, *then)) {
                Some(before) => {
                    *then = before;
                    true
                }
                None => {
                    lines[*now - 1] = Some(ev.id.clone());
                    used.entry(ev.id.clone()).or_insert_with(|| ev.clone());
                    false
                }
            },
        );
        if let Some(from) = f.from.as_ref().and_then(|t| t.bytes()) {
            path = from;
        }
    }
    let mut changes = HashMap::new();
    for (id, edit) in used {
        changes.insert(id, behind(store, edit)?);
    }
    Ok(Blame { lines, changes })
}

fn behind(store: &Store, edit: Event) -> Result<Behind> {
    let cause = edit.cause().and_then(|id| store.resolve_event(id).ok());
    let causes: Vec<Event> = edit
        .causes()
        .iter()
        .filter_map(|id| store.resolve_event(id).ok())
        .collect();
    let prompt = prompt_before(store, cause.as_ref().or(causes.last()).unwrap_or(&edit))?;
    Ok(Behind {
        edit,
        cause,
        causes,
        prompt,
    })
}
