//! One export to one endpoint: read a batch past the cursor, map it to
//! spans, post them, advance the cursor; until the store is drained, or,
//! with `--follow`, until stopped.

use super::attrs::Policy;
use super::cursor;
use super::endpoint::Endpoint;
use super::send::{SendError, Sender};
use super::source::Source;
use crate::config::Pattern;
use crate::event::Event;
use crate::store::Store;
use crate::timestamp::Timestamp;
use anyhow::Result;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often `--follow` looks for new events.
const POLL: Duration = Duration::from_millis(200);

pub struct Job {
    pub dir: PathBuf,
    pub endpoint: Endpoint,
    pub policy: Policy,
    pub patterns: Vec<Pattern>,
    pub since_ms: Option<i64>,
    /// One session, sent whole, without the cursor.
    pub session: Option<String>,
    pub batch: usize,
    pub timeout: Duration,
    pub follow: bool,
    pub stop: Arc<AtomicBool>,
}

/// What an export sent.
#[derive(Debug, Default)]
pub struct Sent {
    pub events: u64,
    pub spans: u64,
}

impl Job {
    fn wanted(&self, ev: &Event) -> bool {
        self.since_ms.is_none_or(|s| ev.ts.as_millis() >= s)
            && self.session.as_ref().is_none_or(|s| *s == ev.session)
    }

    /// Where to start: the cursor's event, found by its id.
    fn start(&self, store: &Store) -> Result<i64> {
        if self.session.is_some() {
            return Ok(0);
        }
        let state = cursor::load(&self.dir)?;
        let Some(c) = state.endpoints.get(&self.endpoint.url) else {
            return Ok(0);
        };
        Ok(match &c.id {
            Some(id) => store.position(id)?.unwrap_or(c.n),
            None => c.n,
        })
    }

    fn record_error(&self, why: &str) {
        if self.session.is_none() {
            let _ = cursor::update(&self.dir, &self.endpoint.url, |c| {
                c.last_error = Some(why.to_owned());
                c.last_error_at = Some(Timestamp::now().rfc3339_ms());
            });
        }
    }

    /// The object store the file changes name, when diffs are sent.
    fn objects(&self) -> Result<Option<git2::Repository>> {
        if !self.policy.diffs {
            return Ok(None);
        }
        let root = self.dir.parent().unwrap_or(&self.dir);
        let objects = crate::worktree::objects::Objects::open(&self.dir, root)?;
        Ok(Some(objects.reader()?))
    }

    pub fn run(&self) -> Result<Sent> {
        let _running = cursor::running(&self.dir, &self.endpoint.url)?;
        let mut store = Store::open(&self.dir)?;
        let mut pos = self.start(&store)?;
        let sender = Sender::new(self.endpoint.timeout);
        let resource = super::otlp::resource();
        let mut sent = Sent::default();
        let mut caches = super::source::Caches::default();
        let objects = self.objects()?;
        loop {
            // Ctrl-C or SIGTERM: stop between batches; the cursor is saved.
            if self.stop.load(std::sync::atomic::Ordering::Relaxed) {
                return Ok(sent);
            }
            let (events, last) = {
                let source = Source::new(&store, &self.patterns, &mut caches, None);
                source.batch(pos, self.batch.max(1))?
            };
            if events.is_empty() {
                if !self.follow || !super::send::sleep(POLL, &self.stop) {
                    return Ok(sent);
                }
                // The index may have been rebuilt under us: open it again.
                store = Store::open(&self.dir)?;
                continue;
            }
            let wanted: Vec<Event> = events.into_iter().filter(|e| self.wanted(e)).collect();
            let spans = {
                let mut source = Source::new(&store, &self.patterns, &mut caches, objects.as_ref());
                super::map::batch_spans(&super::map::Batch::new(&wanted), &mut source, &self.policy)
            };
            self.deliver(&sender, &spans, &resource)?;
            pos = last;
            sent.events += wanted.len() as u64;
            sent.spans += spans.len() as u64;
            self.advance(&store, pos, wanted.len() as u64, spans.len() as u64)?;
        }
    }

    fn deliver(
        &self,
        sender: &Sender,
        spans: &[super::span::Span],
        resource: &[(String, String)],
    ) -> Result<()> {
        if spans.is_empty() {
            return Ok(());
        }
        let body = super::otlp::encode(spans, resource);
        let deadline = (!self.follow).then(|| Instant::now() + self.timeout);
        let url = &self.endpoint.url;
        let mut on_fail = |why: &str| {
            if self.follow {
                eprintln!("devtrace: export to {url}: {why}; retrying");
            }
            self.record_error(why);
        };
        match sender.post(&self.endpoint, &body, deadline, &self.stop, &mut on_fail) {
            Ok(resp) => {
                if let Some((n, msg)) = super::otlp::rejected(&resp) {
                    eprintln!("devtrace: {url} rejected {n} spans: {msg}");
                }
                Ok(())
            }
            Err(SendError::Stopped) => Err(crate::fail("stopped", "run it again to send the rest")),
            Err(SendError::GaveUp { last, attempts }) => Err(crate::fail(
                format!(
                    "could not export to {url}: {last} ({attempts} attempts in {:.0} s)",
                    self.timeout.as_secs_f64()
                ),
                "what was acknowledged is kept; the rest is sent next time (see `devtrace export status`)",
            )),
            Err(SendError::Refused(why)) => {
                self.record_error(&why);
                Err(crate::fail(
                    format!("{url} refused the spans: {why}"),
                    "check the endpoint's URL and its authentication headers",
                ))
            }
        }
    }

    fn advance(&self, store: &Store, pos: i64, events: u64, spans: u64) -> Result<()> {
        if self.session.is_some() {
            return Ok(());
        }
        let id = store.id_at(pos)?;
        cursor::update(&self.dir, &self.endpoint.url, |c| {
            c.n = pos;
            c.id = id;
            c.events += events;
            c.spans += spans;
            c.last_ok = Some(Timestamp::now().rfc3339_ms());
            c.last_error = None;
            c.last_error_at = None;
        })
    }
}
