//! What may reach a store: events of a paused shell, commands matching an
//! ignore pattern and anything in an ignored directory are dropped; every
//! other event is redacted with the built-in rules and the user's patterns.
//! Configuration is re-read when its files change (checked once a second).

use crate::config::{self, Config};
use crate::event::{Data, Event, Kind};
use crate::pause::Pauses;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime};

const TTL: Duration = Duration::from_secs(1);

type Stamp = Vec<Option<(SystemTime, u64)>>;

struct Cached {
    checked: Instant,
    stamp: Stamp,
    config: Rc<Config>,
}

#[derive(Default)]
pub struct Policy {
    configs: HashMap<PathBuf, Cached>,
    pauses: Pauses,
    /// When each store's retention was last looked at.
    retention_checked: HashMap<PathBuf, Instant>,
    /// Running `devtrace gc --auto` processes, reaped as they end.
    gc: Vec<std::process::Child>,
    /// Configuration errors to report (once per change of the files).
    pub errors: Vec<String>,
    /// Commands left out lately: changes found later that name them are
    /// changes between commands (a command's changes may be stored after
    /// it, in a later batch).
    dropped_ids: HashSet<String>,
    dropped_order: std::collections::VecDeque<String>,
}

/// Ids of left-out commands remembered at most.
const DROPPED_KEPT: usize = 10_000;

/// Why an event is left out, if it is.
fn drop_reason(cfg: &Config, pauses: &Pauses, ev: &Event) -> Option<&'static str> {
    if matches!(ev.kind(), Some(Kind::SessionStart | Kind::SessionEnd)) {
        return None;
    }
    // Files changed while paused are still recorded, as changes between
    // commands (the commands that made them are not).
    if !ev.is(Kind::EditFiles) && pauses.covers(&ev.session, ev.ts.floor_millis()) {
        return Some("recording paused");
    }
    let text = ev.command_text();
    cfg.ignores(&ev.cwd, text.as_deref())
}

impl Policy {
    /// The configuration of the store in `dir`: the last one that loaded
    /// (an unreadable change keeps the one before and is reported).
    pub fn config(&mut self, dir: &Path) -> Rc<Config> {
        if let Some(c) = self.configs.get(dir) {
            if c.checked.elapsed() < TTL {
                return c.config.clone();
            }
        }
        let stamp = config::stamp(Some(dir));
        if let Some(c) = self.configs.get_mut(dir) {
            c.checked = Instant::now();
            if c.stamp == stamp {
                return c.config.clone();
            }
        }
        let config = match config::load(Some(dir)) {
            Ok(c) => Rc::new(c),
            Err(e) => {
                self.errors
                    .push(format!("{e:#}; using the configuration before it"));
                self.configs
                    .get(dir)
                    .map(|c| c.config.clone())
                    .unwrap_or_default()
            }
        };
        self.configs.insert(
            dir.to_path_buf(),
            Cached {
                checked: Instant::now(),
                stamp,
                config: config.clone(),
            },
        );
        config
    }

    /// Starts `devtrace gc --auto` for the store in `dir` when it has a
    /// retention setting and was not looked at in the last hour (gc itself
    /// runs at most once a day per store).
    pub fn retention(&mut self, dir: &Path) -> Option<String> {
        self.gc
            .retain_mut(|c| !matches!(c.try_wait(), Ok(Some(_)) | Err(_)));
        if self
            .retention_checked
            .get(dir)
            .is_some_and(|t| t.elapsed() < Duration::from_secs(3600))
        {
            return None;
        }
        self.retention_checked
            .insert(dir.to_path_buf(), Instant::now());
        let cfg = self.config(dir);
        if cfg.keep_days.value == 0 && cfg.max_events.value == 0 {
            return None;
        }
        // The full binary (ingest may run from devtrace-ingest), which
        // checks that it comes from this build.
        let exe = crate::runtime::core_exe().ok()?;
        let mut c = std::process::Command::new(exe);
        c.args(["gc", "--auto"])
            .env(crate::build::FRONT_VAR, crate::build::ID)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if dir == crate::store::global_dir() {
            c.arg("--global");
        } else {
            c.current_dir(dir.parent()?);
        }
        match c.spawn() {
            Ok(child) => {
                self.gc.push(child);
                None
            }
            Err(e) => Some(format!(
                "could not start devtrace gc for {}: {e}",
                dir.display()
            )),
        }
    }

    /// Drops what must not be recorded, redacts the rest. Returns the
    /// dropped events' sessions with the reason, for the counters.
    pub fn apply(
        &mut self,
        runtime_dir: &Path,
        store_dir: &Path,
        events: &mut Vec<Event>,
    ) -> Vec<(String, &'static str)> {
        self.pauses.refresh(runtime_dir);
        let cfg = self.config(store_dir);
        let mut dropped = Vec::new();
        let mut ids = Vec::new();
        events.retain(|ev| match drop_reason(&cfg, &self.pauses, ev) {
            Some(why) => {
                dropped.push((ev.session.clone(), why));
                ids.push(ev.id.clone());
                false
            }
            None => true,
        });
        for id in ids {
            if self.dropped_ids.insert(id.clone()) {
                self.dropped_order.push_back(id);
            }
        }
        while self.dropped_order.len() > DROPPED_KEPT {
            if let Some(old) = self.dropped_order.pop_front() {
                self.dropped_ids.remove(&old);
            }
        }
        let dropped_ids = &self.dropped_ids;
        for ev in events.iter_mut() {
            // Changes made by a command that is not recorded are changes
            // between commands.
            if let Data::EditFiles(e) = &mut ev.data {
                if e.cause.as_ref().is_some_and(|c| dropped_ids.contains(c)) {
                    e.cause = None;
                }
                if let Some(c) = &mut e.causes {
                    c.retain(|id| !dropped_ids.contains(id));
                    if c.is_empty() {
                        e.causes = None;
                    }
                }
            }
            crate::redact::event_with(ev, &cfg.redact_patterns);
        }
        dropped
    }
}
