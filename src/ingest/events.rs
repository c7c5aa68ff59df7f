//! What a shell's records become: the events of the contract (session
//! start and end in every store the session touched, one `run_command` per
//! command line), with ids derived from the session and the shell's own
//! sequence number so that a replay after a crash yields the same events.

use super::edits::Window;
use super::progress::Batch;
use super::route::Router;
use super::session::Session;
use crate::event::SCHEMA_VERSION;
use crate::event::{Data, Event, Kind, RunCommand, SessionEnd, SessionStart, Text, ToolCall};
use crate::timestamp::{round_ms, Ctime, Timestamp};
use crate::wire::Stamp;
use std::path::PathBuf;
use std::time::Duration;

impl Session {
    pub(super) fn ensure_started(&mut self, store: &PathBuf, out: &mut Batch) {
        if self.state.stores.contains(store) {
            return;
        }
        self.state.stores.push(store.clone());
        let m = &self.meta;
        let repo = crate::ingest::route::repo_root(std::path::Path::new(&m.cwd));
        let data = SessionStart {
            shell: Some(m.shell.clone()),
            shell_pid: Some(m.shell_pid),
            host: m.host.clone(),
            user: m.user.clone(),
            tty: m.tty.clone(),
            devtrace_version: m.devtrace_version.clone(),
            // An agent's own session: which of the agent's sessions, on what model.
            agent_session: m.agent_session.clone(),
            model: m.model.clone(),
            extra: Default::default(),
        };
        out.push(
            store.clone(),
            Event {
                v: SCHEMA_VERSION,
                id: crate::ids::event_id(m.started, &m.session, "start"),
                session: m.session.clone(),
                seq: 1,
                ts: m.started,
                agent: m.agent.clone(),
                cwd: m.cwd.clone(),
                repo,
                data: Data::SessionStart(data),
            },
        );
    }

    pub(super) fn end_events(&mut self, reason: &str, at: Timestamp, out: &mut Batch) {
        if self.state.closed {
            return;
        }
        self.state.closed = true;
        let seq = self.next_seq();
        let m = &self.meta;
        for store in &self.state.stores {
            out.push(
                store.clone(),
                Event {
                    v: SCHEMA_VERSION,
                    id: crate::ids::event_id(at, &m.session, "end"),
                    session: m.session.clone(),
                    seq,
                    ts: at,
                    agent: m.agent.clone(),
                    cwd: m.cwd.clone(),
                    repo: None,
                    data: Data::SessionEnd(SessionEnd {
                        reason: reason.to_owned(),
                        extra: Default::default(),
                    }),
                },
            );
        }
    }

    pub(super) fn next_seq(&mut self) -> u64 {
        self.state.next_seq()
    }

    /// The wall-clock time of a stamp from this shell (fish's stamps count
    /// from boot).
    pub(super) fn stamp(&self, s: Stamp) -> Option<Timestamp> {
        match s {
            Stamp::EpochMicros(us) => Some(Timestamp::from_micros(us)),
            // Uptime, in centiseconds (the wire's unit), after boot.
            Stamp::UptimeCentis(cs) => self
                .meta
                .boot
                .or(self.meta.boot_coarse)
                .map(|b| Timestamp::from_micros(b.as_micros() + cs * 10_000)),
            Stamp::Unknown => None,
        }
    }

    pub(super) fn command_event(
        &mut self,
        n: u64,
        cmd: &crate::wire::CmdRecord,
        exit: Option<&crate::wire::ExitRecord>,
        text: &[u8],
        router: &mut Router,
    ) -> (Event, Option<Window>) {
        let times = self.times(cmd, exit);
        let m = &self.meta;
        let cwd = String::from_utf8_lossy(&cmd.cwd).into_owned();
        let data = match cmd.source {
            // An agent's tool call: its own fields, and the outcome.
            crate::wire::TextSource::ToolCall => {
                let mut d: ToolCall = serde_json::from_slice(text).unwrap_or_default();
                d.is_error = exit.and_then(|e| e.status).map(|s| s != 0);
                if let Some(o) = exit.and_then(|e| e.outcome.as_deref()) {
                    outcome(&mut d, o);
                }
                d.duration = times.duration;
                d.started_at = times.start;
                d.ended_at = times.end;
                Data::ToolCall(d)
            }
            _ => Data::RunCommand(RunCommand {
                command: Text::from_bytes(text),
                exit_code: exit.and_then(|e| e.status),
                pipestatus: exit.and_then(|e| e.pipestatus.clone()),
                duration: times.duration,
                started_at: times.start,
                ended_at: times.end,
                shell: m.shell.clone(),
                extra: Default::default(),
            }),
        };
        let at = times.start.unwrap_or_else(Timestamp::now).floor_millis();
        let ev = Event {
            v: SCHEMA_VERSION,
            id: crate::ids::event_id(at, &m.session, &format!("c{n}")),
            session: m.session.clone(),
            // Numbered when it is pushed, after what it follows.
            seq: 0,
            ts: at,
            agent: m.agent.clone(),
            repo: router.repo_for(std::path::Path::new(&cwd)),
            cwd,
            data,
        };
        (ev, times.window)
    }

    /// When a command ran, from its records' stamps.
    fn times(&self, cmd: &crate::wire::CmdRecord, exit: Option<&crate::wire::ExitRecord>) -> Times {
        let start = self.stamp(cmd.at);
        let stamped_end = exit.and_then(|e| self.stamp(e.at));
        let own = exit.and_then(|e| e.duration);
        let duration = match (own, start, stamped_end) {
            (Some(d), _, _) => Some(d),
            (None, Some(s), Some(e)) => Some(round_ms(e.since(s))),
            _ => None,
        };
        let coarse = matches!(cmd.at, Stamp::UptimeCentis(_));
        let end = match (own, start) {
            // fish: its own duration is exact; its clock is coarse.
            (Some(d), Some(s)) if exit.is_some_and(|e| matches!(e.at, Stamp::UptimeCentis(_))) => {
                Some(s.saturating_add(d))
            }
            _ => stamped_end,
        };
        // fish's end: its exit record was stamped after the command ended,
        // up to 10 ms before the true time.
        let window_end = match (coarse, stamped_end) {
            (true, Some(e)) => end.map(|x| x.max(e.saturating_add(Duration::from_millis(10)))),
            (true, None) => end.map(|x| x.saturating_add(Duration::from_millis(11))),
            (false, _) => end,
        };
        let window = match (start, window_end) {
            (Some(s), Some(e)) => Some(Window::new(s, e)),
            _ => None,
        };
        Times {
            start,
            end,
            duration,
            window,
        }
    }

    /// The id a command's event gets, and when it began (None: no start
    /// known, so no span of its own).
    /// `n`: the command's number (see `Pairing::number_of`).
    pub(super) fn command_id(
        &self,
        n: u64,
        cmd: &crate::wire::CmdRecord,
    ) -> Option<(String, Timestamp)> {
        let start = self.stamp(cmd.at)?;
        let id = crate::ids::event_id(start.floor_millis(), &self.meta.session, &format!("c{n}"));
        Some((id, start))
    }

    /// A command record was read: its span opens in its store.
    pub(super) fn command_seen(
        &mut self,
        n: u64,
        cmd: &crate::wire::CmdRecord,
        router: &mut Router,
        trackers: &mut super::edits::Trackers,
    ) {
        let Some((id, start)) = self.command_id(n, cmd) else {
            return;
        };
        if works_through_subagents(cmd) {
            // Its subagent's own calls make the changes: not a candidate.
            return;
        }
        let store = router.store_for_bytes(&cmd.cwd);
        let coarse = matches!(cmd.at, Stamp::UptimeCentis(_));
        self.edits()
            .command_seen(&store, &id, start, coarse, trackers);
    }

    /// A new prompt at `at`: the agent's calls of the turn before that never
    /// ended (interrupted) are over; they are stored without an outcome,
    /// and what comes after is no longer theirs.
    pub(super) fn close_calls(
        &mut self,
        at: Timestamp,
        router: &mut Router,
        trackers: &mut super::edits::Trackers,
        out: &mut Batch,
    ) {
        let open = self.state.pairing.take_open_calls();
        let mut done = Vec::new();
        for (n, cmd) in open {
            if let Some((id, _)) = self.command_id(n, &cmd) {
                let store = router.store_for_bytes(&cmd.cwd);
                self.edits().call_ended(&store, &id, at, trackers);
            }
            done.push(super::pairing::Done::Command { n, cmd, exit: None });
        }
        self.push_done(done, None, router, trackers, out);
    }

    /// A command that is not stored: what it changed counts as made between
    /// commands.
    pub(super) fn command_unrecorded(
        &mut self,
        n: u64,
        cmd: &crate::wire::CmdRecord,
        exit: Option<&crate::wire::ExitRecord>,
        router: &mut Router,
        trackers: &mut super::edits::Trackers,
    ) {
        let Some((id, start)) = self.command_id(n, cmd) else {
            return;
        };
        let store = router.store_for_bytes(&cmd.cwd);
        let (end, to) = match self.times(cmd, exit).window {
            Some(w) => (Ctime::from(w.end), w.to),
            None => (Ctime::from(start), Ctime::from(start)),
        };
        if let Some(spans) = trackers.spans.get_mut(&store) {
            spans.close(&id, end, to, false);
        }
    }

    /// An event a devtrace command sent through the shell's channel.
    pub(super) fn sent_event(
        &mut self,
        v: &crate::wire::EventRecord,
        router: &mut Router,
    ) -> Option<(PathBuf, Event)> {
        let data: serde_json::Value = serde_json::from_slice(&v.data).ok()?;
        if Kind::parse(&v.kind).is_none() || v.id.len() != 26 {
            return None;
        }
        let at = self.stamp(v.at).unwrap_or_else(Timestamp::now);
        let cwd = String::from_utf8_lossy(&v.cwd).into_owned();
        let store = router.store_for(std::path::Path::new(&cwd));
        let repo = router.repo_for(std::path::Path::new(&cwd));
        Some((
            store,
            Event {
                v: SCHEMA_VERSION,
                id: v.id.clone(),
                session: self.meta.session.clone(),
                seq: 0,
                ts: Timestamp::from_millis(at.as_millis()),
                agent: self.meta.agent.clone(),
                cwd,
                repo,
                data: Data::from_value(&v.kind, data),
            },
        ))
    }
}

/// When a command ran.
struct Times {
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    duration: Option<Duration>,
    /// The span in which its file changes are its own.
    window: Option<Window>,
}

/// What an agent's tool call returned (its hook's `O` record), merged into
/// the call: already redacted and bounded by the hook.
fn outcome(d: &mut ToolCall, bytes: &[u8]) {
    #[derive(serde::Deserialize)]
    struct Outcome {
        output: Option<String>,
        exit_code: Option<i32>,
        reasoning: Option<String>,
        started_subagent: Option<crate::event::Subagent>,
    }
    if let Ok(o) = serde_json::from_slice::<Outcome>(bytes) {
        d.output = o.output;
        d.exit_code = o.exit_code;
        // The reasons the call's start found, else those its end did.
        d.reasoning = d.reasoning.take().or(o.reasoning);
        d.started_subagent = d.started_subagent.take().or(o.started_subagent);
    }
}

/// Whether a call hands its work to subagents, whose own calls are hooked
/// apart: Claude Code's Task (Agent as newer versions name it); Codex's
/// `spawn_agent` and, open while they work, its multi-agent v2's
/// `wait_agent` (both namespaced there: `collaborationwait_agent`).
fn works_through_subagents(cmd: &crate::wire::CmdRecord) -> bool {
    if cmd.source != crate::wire::TextSource::ToolCall {
        return false;
    }
    serde_json::from_slice::<ToolCall>(&cmd.text).is_ok_and(|c| {
        matches!(c.tool.as_str(), "Task" | "Agent")
            || c.tool.ends_with("spawn_agent")
            || c.tool.ends_with("wait_agent")
    })
}
