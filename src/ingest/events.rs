//! What a shell's records become: the events of the contract (session
//! start and end in every store the session touched, one `run_command` per
//! command line), with ids derived from the session and the shell's own
//! sequence number so that a replay after a crash yields the same events.

use super::edits::Window;
use super::progress::Batch;
use super::route::Router;
use super::session::Session;
use crate::event::{bytes_value, Event, SCHEMA_VERSION};
use crate::runtime;
use crate::timefmt;
use crate::wire::Stamp;
use serde_json::json;
use std::path::PathBuf;

impl Session {
    pub(super) fn ensure_started(&mut self, store: &PathBuf, out: &mut Batch) {
        if self.state.stores.contains(store) {
            return;
        }
        self.state.stores.push(store.clone());
        let m = &self.meta;
        let repo = crate::ingest::route::repo_root(std::path::Path::new(&m.cwd));
        let mut data = json!({
            "shell": m.shell,
            "shell_pid": m.shell_pid,
            "host": m.host,
            "user": m.user,
            "tty": m.tty,
            "devtrace_version": m.devtrace_version,
        });
        // An agent's own session: which of the agent's sessions, on what model.
        if let Some(a) = &m.agent_session {
            data["agent_session"] = json!(a);
        }
        if let Some(model) = &m.model {
            data["model"] = json!(model);
        }
        out.push(
            store.clone(),
            Event {
                v: SCHEMA_VERSION,
                id: crate::ids::event_id(m.started_ms as u64, &m.session, "start"),
                session: m.session.clone(),
                seq: 1,
                kind: "session_start".into(),
                ts: timefmt::rfc3339_ms(m.started_ms),
                agent: m.agent.clone(),
                cwd: m.cwd.clone(),
                repo,
                data,
            },
        );
    }

    pub(super) fn end_events(&mut self, reason: &str, at_ms: i64, out: &mut Batch) {
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
                    id: crate::ids::event_id(at_ms as u64, &m.session, "end"),
                    session: m.session.clone(),
                    seq,
                    kind: "session_end".into(),
                    ts: timefmt::rfc3339_ms(at_ms),
                    agent: m.agent.clone(),
                    cwd: m.cwd.clone(),
                    repo: None,
                    data: json!({ "reason": reason }),
                },
            );
        }
    }

    pub(super) fn next_seq(&mut self) -> u64 {
        self.state.next_seq()
    }

    /// Milliseconds since the epoch for a stamp from this shell.
    pub(super) fn stamp_us(&self, s: Stamp) -> Option<i64> {
        match s {
            Stamp::EpochMicros(us) => Some(us),
            Stamp::UptimeCentis(cs) => match self.meta.boot_epoch_us {
                Some(b) => Some(b + cs * 10_000),
                None => self.meta.boot_epoch_cs.map(|b| (b + cs) * 10_000),
            },
            Stamp::Unknown => None,
        }
    }

    pub(super) fn stamp_ms(&self, s: Stamp) -> Option<i64> {
        self.stamp_us(s).map(|us| us / 1000)
    }

    pub(super) fn command_event(
        &mut self,
        n: u64,
        cmd: &crate::wire::CmdRecord,
        exit: Option<&crate::wire::ExitRecord>,
        text: &[u8],
        router: &mut Router,
    ) -> (Event, Option<Window>) {
        let start_us = self.stamp_us(cmd.at);
        let mut end_us = exit.and_then(|e| self.stamp_us(e.at));
        let stamped_end_us = end_us;
        let mut duration_ms = match (exit.and_then(|e| e.duration_ms), start_us, end_us) {
            (Some(d), _, _) => Some(d as i64),
            (None, Some(s), Some(e)) => Some(((e - s).max(0) + 500) / 1000),
            _ => None,
        };
        if let (Some(d), Some(s), Some(true)) = (
            exit.and_then(|e| e.duration_ms),
            start_us,
            exit.map(|e| matches!(e.at, Stamp::UptimeCentis(_))),
        ) {
            // fish: its own duration is exact; its clock is coarse.
            end_us = Some(s + d as i64 * 1000);
        }
        if duration_ms.is_some_and(|d| d < 0) {
            duration_ms = Some(0);
        }
        let start_ms = start_us.map(|u| u / 1000).unwrap_or_else(runtime::now_ms);
        let cwd = String::from_utf8_lossy(&cmd.cwd).into_owned();
        let coarse = matches!(cmd.at, Stamp::UptimeCentis(_));
        // fish's end: its exit record was stamped after the command ended,
        // up to 10 ms before the true time.
        let window_end = match (coarse, stamped_end_us) {
            (true, Some(e)) => end_us.map(|x| x.max(e + 10_000)),
            (true, None) => end_us.map(|x| x + 11_000),
            (false, _) => end_us,
        };
        let window = match (start_us, window_end) {
            (Some(s), Some(e)) => Some(Window::new(s, e)),
            _ => None,
        };
        let m = &self.meta;
        let (kind, data) = match cmd.source {
            crate::wire::TextSource::ToolCall => {
                // An agent's tool call: its own fields, and the outcome.
                let mut d: serde_json::Value =
                    serde_json::from_slice(text).unwrap_or_else(|_| json!({}));
                if !d.is_object() {
                    d = json!({});
                }
                d["is_error"] = json!(exit.and_then(|e| e.status).map(|s| s != 0));
                d["duration_ms"] = json!(duration_ms);
                d["started_at"] = json!(start_us.map(timefmt::rfc3339_us));
                d["ended_at"] = json!(end_us.map(timefmt::rfc3339_us));
                ("tool_call", d)
            }
            _ => (
                "run_command",
                json!({
                    "command": bytes_value(text),
                    "exit_code": exit.and_then(|e| e.status),
                    "pipestatus": exit.and_then(|e| e.pipestatus.clone()),
                    "duration_ms": duration_ms,
                    "started_at": start_us.map(timefmt::rfc3339_us),
                    "ended_at": end_us.map(timefmt::rfc3339_us),
                    "shell": m.shell,
                }),
            ),
        };
        let ev = Event {
            v: SCHEMA_VERSION,
            id: crate::ids::event_id(start_ms as u64, &m.session, &format!("c{n}")),
            session: m.session.clone(),
            // Numbered when it is pushed, after what it follows.
            seq: 0,
            kind: kind.into(),
            ts: timefmt::rfc3339_ms(start_ms),
            agent: m.agent.clone(),
            repo: router.repo_for(std::path::Path::new(&cwd)),
            cwd,
            data,
        };
        (ev, window)
    }

    /// An event a devtrace command sent through the shell's channel.
    pub(super) fn sent_event(
        &mut self,
        v: &crate::wire::EventRecord,
        router: &mut Router,
    ) -> Option<(PathBuf, Event)> {
        let data: serde_json::Value = serde_json::from_slice(&v.data).ok()?;
        if !crate::event::TYPES.contains(&v.kind.as_str()) || v.id.len() != 26 {
            return None;
        }
        let at_ms = self.stamp_ms(v.at).unwrap_or_else(runtime::now_ms);
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
                kind: v.kind.clone(),
                ts: timefmt::rfc3339_ms(at_ms),
                agent: self.meta.agent.clone(),
                cwd,
                repo,
                data,
            },
        ))
    }
}
