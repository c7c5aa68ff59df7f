//! What an event, two snapshots or a session changed, as file changes
//! (`worktree::Change`): `devtrace diff` and the MCP tool `get_diff`.

use crate::event::{Data, Event, GitSnapshot, Kind};
use crate::store::{EventFilter, Store};
use crate::worktree::diff;
use crate::worktree::{change, Change};
use anyhow::Result;
use git2::{Oid, Repository};
use std::collections::HashSet;

/// What a session changed, and why some of its files were not checked.
pub struct SessionChanges {
    pub changes: Vec<Change>,
    pub unchecked: Vec<String>,
}

/// The changes between two snapshot events.
pub fn between(store: &Store, repo: &Repository, x: &str, y: &str) -> Result<Vec<Change>> {
    let (x, y) = (find(store, x)?, find(store, y)?);
    diff::between_trees(
        repo,
        Some(snapshot_tree(repo, &x)?),
        snapshot_tree(repo, &y)?,
    )
}

pub fn find(store: &Store, id: &str) -> Result<Event> {
    store.resolve_event(id).map_err(|e| {
        // A session's id where an event's was expected.
        if let Ok(session) = store.resolve_session(id) {
            return crate::usage(
                format!("{id} is a session, not an event"),
                format!("a session's changes: devtrace diff --session {session}"),
            );
        }
        crate::fail(
            format!("{e:#}"),
            "see the event ids with `devtrace show --ids`",
        )
    })
}

/// The tree of a snapshot event.
fn snapshot_tree(repo: &Repository, ev: &Event) -> Result<Oid> {
    let Data::GitSnapshot(snap) = &ev.data else {
        return Err(crate::fail(
            format!("event {} is a {}, not a snapshot", ev.id, ev.type_name()),
            "comparing two events needs two git_snapshot events (`devtrace show --ids --type git_snapshot`)",
        ));
    };
    let id = Oid::from_str(&snap.snapshot)
        .ok()
        .ok_or_else(|| anyhow::anyhow!("snapshot event {} has no snapshot id", ev.id))?;
    let commit = repo.find_commit(id).map_err(|_| {
        crate::fail(
            format!(
                "the objects of snapshot {} are missing from .devtrace/git",
                ev.id
            ),
            "was .devtrace/git removed or copied without it?",
        )
    })?;
    Ok(commit.tree_id())
}

pub fn event_changes(store: &Store, repo: &Repository, ev: &Event) -> Result<Vec<Change>> {
    match &ev.data {
        Data::EditFiles(e) => Ok(diff::from_json(&e.files)),
        Data::RunCommand(_) => {
            let mut all = Vec::new();
            for e in store.edits_caused_by(&ev.session, &ev.id)? {
                all.extend(diff::from_json(files(&e)));
            }
            Ok(change::merge(all))
        }
        Data::GitSnapshot(GitSnapshot { head, .. }) => {
            let tree = snapshot_tree(repo, ev)?;
            let head = head.as_deref().and_then(|h| Oid::from_str(h).ok());
            // Outside a commit (no git, or none made yet): every file is new.
            let Some(head) = head else {
                return diff::between_trees(repo, None, tree);
            };
            let head_tree = repo.find_commit(head).map(|c| c.tree_id()).map_err(|_| {
                crate::fail(
                    format!(
                        "commit {head} of snapshot {} is no longer in the repository",
                        ev.id
                    ),
                    "compare it with another snapshot: devtrace diff SNAP_A SNAP_B",
                )
            })?;
            diff::between_trees(repo, Some(head_tree), tree)
        }
        other => Err(crate::fail(
            format!(
                "event {} is a {}; it changed no files",
                ev.id,
                other.type_name()
            ),
            "give an edit_files, run_command or git_snapshot event (`devtrace show --ids`)",
        )),
    }
}

/// A session's net change: from its first snapshot to its last, of the
/// files its own edits touched (the snapshots also hold what other
/// sessions wrote in between); without two snapshots, the sum of its edits.
pub fn session_changes(store: &Store, repo: &Repository, session: &str) -> Result<SessionChanges> {
    let events = store.events(&EventFilter {
        session: Some(session.to_owned()),
        types: vec![Kind::GitSnapshot.to_string(), Kind::EditFiles.to_string()],
        ..EventFilter::default()
    })?;
    let mut own = Vec::new();
    let mut unchecked = Vec::new();
    for (_, e) in &events {
        if let Data::EditFiles(edit) = &e.data {
            unchecked.extend(edit.unchecked.clone());
        }
        own.extend(diff::from_json(files(e)));
    }
    let done = |changes| {
        Ok(SessionChanges {
            changes,
            unchecked: unchecked.clone(),
        })
    };
    let snaps: Vec<&Event> = events
        .iter()
        .map(|(_, e)| e)
        .filter(|e| e.is(Kind::GitSnapshot))
        .collect();
    let (Some(first), Some(last)) = (snaps.first(), snaps.last()) else {
        return done(change::merge(own));
    };
    if snaps.len() < 2 {
        return done(change::merge(own));
    }
    let touched: HashSet<&[u8]> = own
        .iter()
        .flat_map(|c| std::iter::once(c.path.as_slice()).chain(c.from.as_deref()))
        .collect();
    let net = diff::between_trees(
        repo,
        Some(snapshot_tree(repo, first)?),
        snapshot_tree(repo, last)?,
    )?;
    done(
        net.into_iter()
            .filter(|c| {
                touched.contains(c.path.as_slice())
                    || c.from.as_deref().is_some_and(|f| touched.contains(f))
            })
            .collect(),
    )
}

/// The files an `edit_files` event lists (none for other events).
fn files(ev: &Event) -> &[crate::event::FileChange] {
    match &ev.data {
        Data::EditFiles(e) => &e.files,
        _ => &[],
    }
}
