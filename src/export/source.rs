//! The events an export reads, through redaction: batches in store order,
//! and the lookups the span mapping makes (a session's start, the prompt
//! a turn began with, what happened inside a turn), cached per session.

use super::map::Lookup;
use crate::config::Pattern;
use crate::event::{Data, Event, FileChange, SessionStart};
use crate::store::{EventFilter, Store};
use anyhow::Result;
use rusqlite::types::Value as SqlValue;
use std::collections::HashMap;

/// What the lookups remember from batch to batch.
#[derive(Default)]
pub struct Caches {
    starts: HashMap<String, Option<SessionStart>>,
    /// Per session: the last prompt before sequence number `.1`.
    turns: HashMap<String, (Option<Event>, u64)>,
}

/// A file change's diff is cut after this many bytes, with a marker.
pub const DIFF_MAX: usize = 8 * 1024;

pub struct Source<'a> {
    pub store: &'a Store,
    patterns: &'a [Pattern],
    caches: &'a mut Caches,
    /// The objects that file changes name, when diffs are sent.
    objects: Option<&'a git2::Repository>,
}

impl<'a> Source<'a> {
    pub fn new(
        store: &'a Store,
        patterns: &'a [Pattern],
        caches: &'a mut Caches,
        objects: Option<&'a git2::Repository>,
    ) -> Source<'a> {
        Source {
            store,
            patterns,
            caches,
            objects,
        }
    }

    fn redacted(&self, mut evs: Vec<Event>) -> Vec<Event> {
        for ev in &mut evs {
            crate::redact::event_with(ev, self.patterns);
        }
        evs
    }

    /// Up to `count` events past position `after` (and the changes stored
    /// right after the last of them that its commands caused, so that a
    /// command and its changes stay in one batch), with the last position.
    pub fn batch(&self, after: i64, count: usize) -> Result<(Vec<Event>, i64)> {
        let all = EventFilter::default();
        let mut page = self.store.events_page(&all, after, count)?;
        let Some(mut last) = page.last().map(|(n, _)| *n) else {
            return Ok((Vec::new(), after));
        };
        loop {
            let next = self.store.events_page(&all, last, 16)?;
            let ids: std::collections::HashSet<&str> =
                page.iter().map(|(_, e)| e.id.as_str()).collect();
            let follows = |e: &Event| matches!(&e.data, Data::EditFiles(f) if f.cause.as_deref().is_some_and(|c| ids.contains(c)));
            let take = next.iter().take_while(|(_, e)| follows(e)).count();
            if take == 0 {
                break;
            }
            let more: Vec<(i64, Event)> = next.into_iter().take(take).collect();
            last = more.last().map_or(last, |(n, _)| *n);
            page.extend(more);
        }
        let evs = page.into_iter().map(|(_, e)| e).collect();
        Ok((self.redacted(evs), last))
    }

    /// After an event was mapped: keep the session's turn cache current.
    fn note_seen(&mut self, ev: &Event) {
        let is_prompt = matches!(ev.data, Data::Prompt(_));
        match self.caches.turns.get_mut(&ev.session) {
            Some(t) if is_prompt => *t = (Some(ev.clone()), ev.seq + 1),
            Some(t) => t.1 = t.1.max(ev.seq + 1),
            None if is_prompt => {
                self.caches
                    .turns
                    .insert(ev.session.clone(), (Some(ev.clone()), ev.seq + 1));
            }
            None => {}
        }
    }

    fn select(&self, cond: &str, args: Vec<SqlValue>) -> Vec<Event> {
        let evs = self.store.select_events(cond, args).unwrap_or_default();
        self.redacted(evs)
    }
}

impl Lookup for Source<'_> {
    fn session_start(&mut self, session: &str) -> Option<SessionStart> {
        if let Some(s) = self.caches.starts.get(session) {
            return s.clone();
        }
        let found = self
            .select(
                "session = ?1 AND type = 'session_start'",
                vec![SqlValue::Text(session.to_owned())],
            )
            .into_iter()
            .find_map(|e| match e.data {
                Data::SessionStart(s) => Some(s),
                _ => None,
            });
        self.caches.starts.insert(session.to_owned(), found.clone());
        found
    }

    fn turn_of(&mut self, session: &str, seq: u64) -> Option<Event> {
        if let Some((p, upto)) = self.caches.turns.get(session) {
            let from = p.as_ref().map_or(0, |p| p.seq);
            if from < seq && seq <= *upto {
                return p.clone();
            }
        }
        let found = self
            .select(
                "n = (SELECT n FROM events WHERE session = ?1 AND type = 'prompt' AND seq < ?2 \
                 ORDER BY seq DESC LIMIT 1)",
                vec![
                    SqlValue::Text(session.to_owned()),
                    SqlValue::Integer(seq as i64),
                ],
            )
            .into_iter()
            .next();
        self.caches
            .turns
            .insert(session.to_owned(), (found.clone(), seq));
        found
    }

    fn saw(&mut self, ev: &Event) {
        self.note_seen(ev);
    }

    fn diff(&mut self, f: &FileChange) -> Option<String> {
        let repo = self.objects?;
        let changes = crate::worktree::diff::from_json(std::slice::from_ref(f));
        let text = crate::worktree::diff::patch_text(repo, &changes).ok()?;
        let text = crate::redact::text_with(&text, self.patterns).into_owned();
        let hint = "see it whole with `devtrace diff`";
        Some(crate::worktree::diff::cut(text, DIFF_MAX, hint).0)
    }

    fn between(&mut self, session: &str, after: u64, before: u64) -> Vec<Event> {
        self.select(
            "session = ?1 AND seq > ?2 AND seq < ?3",
            vec![
                SqlValue::Text(session.to_owned()),
                SqlValue::Integer(after as i64),
                SqlValue::Integer(before as i64),
            ],
        )
    }
}
