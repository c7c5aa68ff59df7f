//! The events the file changes become: one `edit_files` per group of
//! changes (with what made them: a command, one of several, or none), and
//! the `git_snapshot`s of a session's start and end.

use super::attribute::Outcome;
use super::edits::Edits;
use super::progress::Batch;
use crate::event::{Data, EditFiles, Event, GitSnapshot, SCHEMA_VERSION};
use crate::timestamp::Timestamp;
use crate::worktree::{diff, Change, Tracker};
use std::path::Path;

impl Edits<'_> {
    /// Pushes one group of changes, dated by the latest of them.
    pub(super) fn push_group(
        &mut self,
        store: &Path,
        cwd: &str,
        o: &Outcome,
        changes: &[Change],
        key: Option<&str>,
        out: &mut Batch,
    ) {
        let Some(at) = changes.iter().map(|c| c.ctime).max() else {
            return;
        };
        let ts = at.to_timestamp().floor_millis();
        self.push_group_at(store, cwd, o, changes, key, ts, None, out);
    }

    /// Pushes one group of changes as an `edit_files` dated `at`. `key`
    /// makes the event's id; without one, the latest change's time.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn push_group_at(
        &mut self,
        store: &Path,
        cwd: &str,
        o: &Outcome,
        changes: &[Change],
        key: Option<&str>,
        at: Timestamp,
        unchecked: Option<String>,
        out: &mut Batch,
    ) {
        let latest = changes.iter().map(|c| c.ctime).max().unwrap_or_default();
        let tag = match o {
            Outcome::Between => "p",
            Outcome::By(_) => "e",
            Outcome::Among(_) => "a",
        };
        // Steps of one change split among calls share their time: the
        // cause tells them apart.
        let by = match o {
            Outcome::By(id) => id.as_str(),
            _ => "",
        };
        let key = key.map_or_else(|| format!("{tag}{}{by}", latest.as_nanos()), str::to_owned);
        let e = self.edit_event(store, o, cwd, changes, at, &key, unchecked);
        out.push(store.to_path_buf(), e);
    }

    #[allow(clippy::too_many_arguments)]
    fn edit_event(
        &mut self,
        store: &Path,
        o: &Outcome,
        cwd: &str,
        changes: &[Change],
        at: Timestamp,
        key: &str,
        unchecked: Option<String>,
    ) -> Event {
        let (cause, causes) = match o {
            Outcome::Between => (None, None),
            Outcome::By(id) => (Some(id.clone()), None),
            Outcome::Among(ids) => (None, Some(ids.clone())),
        };
        let data = EditFiles {
            files: diff::files_json(changes),
            cause,
            causes,
            unchecked,
            extra: Default::default(),
        };
        // Changes found when the session began, made while nothing
        // recorded, are dated when they were found, not before the session.
        let at = at.max(self.meta.started);
        let seq = self.next_seq();
        let m = &self.meta;
        Event {
            v: SCHEMA_VERSION,
            id: crate::ids::event_id(at, &m.session, key),
            session: m.session.clone(),
            seq,
            ts: at,
            agent: self.meta.agent.clone(),
            cwd: cwd.to_owned(),
            repo: repo_of(store),
            data: Data::EditFiles(data),
        }
    }

    pub(super) fn snapshot_event(
        &mut self,
        t: &Tracker,
        label: &str,
        revert: &[Change],
        at: Timestamp,
        cwd: &str,
    ) -> Option<Event> {
        let snap =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.snapshot(label, revert)))
                .unwrap_or_else(|_| Err(anyhow::anyhow!("internal error")));
        let snap = match snap {
            Ok(s) => s,
            Err(e) => {
                *self
                    .state
                    .skipped
                    .entry(format!("snapshot failed: {e:#}"))
                    .or_default() += 1;
                return None;
            }
        };
        let seq = self.next_seq();
        let m = &self.meta;
        let key = format!("s{label}{}", t.root.display());
        Some(Event {
            v: SCHEMA_VERSION,
            id: crate::ids::event_id(at, &m.session, &key),
            session: m.session.clone(),
            seq,
            ts: at,
            agent: m.agent.clone(),
            cwd: cwd.to_owned(),
            repo: t
                .objects
                .user()
                .map(|_| t.root.to_string_lossy().into_owned()),
            data: Data::GitSnapshot(snapshot_data(label, &snap)),
        })
    }
}

/// The `data` of a `git_snapshot` event.
pub fn snapshot_data(label: &str, s: &crate::worktree::snapshot::SnapshotInfo) -> GitSnapshot {
    GitSnapshot {
        label: label.to_owned(),
        snapshot: s.commit.to_string(),
        head: s.head.map(|h| h.to_string()),
        branch: s.branch.clone(),
        files_changed: s.files_changed.map(|n| n as u64),
        tree: Some(s.tree.to_string()),
        extra: Default::default(),
    }
}

fn repo_of(store: &Path) -> Option<String> {
    let root = store.parent()?;
    root.join(".git")
        .exists()
        .then(|| root.to_string_lossy().into_owned())
}
