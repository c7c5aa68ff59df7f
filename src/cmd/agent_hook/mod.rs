//! `devtrace agent hook NAME`: one call of an agent's
//! hook. Reads the hook's JSON from standard input and turns it into records
//! of a DevTrace session linked to the agent's session: the user's prompts
//! (`prompt`, the "why"), each tool call as a `tool_call` spanning its
//! before and after hooks (so the files it changed are its `edit_files`),
//! and the end. It never fails and never changes what the agent does: any
//! problem is swallowed, the exit status is 0, and the output is what the
//! agent reads as "no opinion" (nothing for Claude Code, Codex, Copilot
//! and opencode; `{}` for Gemini and Cursor; `{"cancel":false}` for Cline).

mod calls;
mod claude;
mod codex_threads;
mod copilot_log;
pub mod gemini_chat;
mod input;
mod opencode_db;
mod others;
pub mod outcome;
mod transcript;

use crate::event::{Data, Prompt, TurnEnd};
use crate::runtime::{self, Channel};
use crate::timestamp::Timestamp;
use crate::wire::{CmdRecord, EndRecord, EventRecord, ExitRecord, Record, Stamp, TextSource};
use anyhow::{Context, Result};
use calls::{agent_process, recall_call, remember_call};
pub use input::Hook;
use input::{Step, ToolCallStart};
use serde_json::Value;
use std::io::Read;

/// The most kept of the agent's own words before a call, or of a turn's
/// last message.
pub const MAX_WORDS: usize = 8 * 1024;

/// How long a tool call's hook waits for ingest to look at the tree, so
/// that the call's changes are told apart from the next call's. Past it,
/// the changes are still recorded, for the calls together if need be.
const CHECKPOINT: std::time::Duration = std::time::Duration::from_millis(200);

/// How long a call's end waits at most for the words before the call to
/// reach the agent's transcript, and how long the transcript must stay as
/// it is, with the call in it, for the words to count as none (see
/// `reasoning_at_end`).
const TRANSCRIPT_WAIT: std::time::Duration = std::time::Duration::from_millis(250);
const TRANSCRIPT_QUIET: std::time::Duration = std::time::Duration::from_millis(10);

/// How long a session's first hook waits for ingest's first look at the
/// tree (it sets up what tells one tool call's changes from the next's).
const FIRST_LOOK: std::time::Duration = std::time::Duration::from_secs(1);

pub fn run(agent: &str, event: Option<&str>) -> Result<i32> {
    if !super::agent_install::AGENTS.contains(&agent) {
        return Err(crate::usage(
            format!("no hooks for the agent '{agent}'"),
            format!("supported: {}", super::agent_install::AGENTS.join(", ")),
        ));
    }
    let _ = std::panic::catch_unwind(|| handle(agent, event));
    // What each agent reads on standard output as "no opinion".
    match agent {
        "gemini-cli" | "cursor" => println!("{{}}"),
        "cline" => println!("{{\"cancel\":false}}"),
        _ => {}
    }
    Ok(0)
}

/// One hook call: what the agent sent, the session it belongs to, and the
/// record it becomes.
struct Call {
    agent: String,
    v: Hook,
    session: String,
    cwd: String,
    chan: Channel,
    at: Timestamp,
}

fn handle(agent: &str, event: Option<&str>) -> Result<()> {
    let call = gather(agent, event)?;
    match call.v.step {
        Step::Prompt => prompt(&call),
        Step::ToolStart => tool_start(call),
        Step::ToolEnd { failed } => tool_end(&call, failed),
        Step::TurnEnd => turn_end(&call),
        Step::End => end(&call),
        // Nothing to record: gathering registered the session.
        // The session's first hook: ingest takes its first look at the
        // tree now (once; a large tree takes a moment), before any tool.
        Step::Other => {
            if let Ok(dir) = runtime::ensure_dir() {
                crate::channel::wait_read(&call.chan, &dir, 0, FIRST_LOOK);
            }
            Ok(())
        }
    }
}

/// Reads the hook's input and finds (or starts) the DevTrace session of the
/// agent's session.
fn gather(agent: &str, event: Option<&str>) -> Result<Call> {
    let mut buf = Vec::new();
    std::io::stdin()
        .take(8 << 20)
        .read_to_end(&mut buf)
        .context("no hook input")?;
    let v = read(agent, event, &buf).context("hook input is not a JSON object")?;
    let owner = agent_process();
    // An agent that names no session (older Copilot CLIs): its process is one.
    let session = v.session.clone().unwrap_or_else(|| format!("pid-{owner}"));
    let cwd = v
        .cwd
        .clone()
        .or_else(|| crate::resolve::cwd().ok())
        .unwrap_or_else(|| "/".into());
    let dir = runtime::ensure_dir()?;
    let key = format!("{agent} {session}");
    let link = Some((session.clone(), v.model.clone()));
    let chan = crate::channel::session_for(&dir, &key, agent, owner, Some(agent.into()), link)?;
    Ok(Call {
        agent: agent.to_owned(),
        v,
        session,
        cwd,
        chan,
        at: Timestamp::now(),
    })
}

/// Reads one hook call's payload for `agent`.
pub fn read(agent: &str, event: Option<&str>, bytes: &[u8]) -> Option<Hook> {
    let v: Value = serde_json::from_slice(bytes).ok()?;
    if !v.is_object() {
        return None;
    }
    Some(match agent {
        "cursor" => others::cursor(v),
        "copilot" => others::copilot(v, event),
        "cline" => others::cline(v),
        "opencode" => others::opencode(v),
        _ => claude::read(agent, v),
    })
}

fn prompt(c: &Call) -> Result<()> {
    let p = Prompt {
        text: c.v.prompt.clone().unwrap_or_default(),
        prompt_id: crate::ids::new_session_id(c.at),
        agent_session: Some(c.session.clone()),
        extra: Default::default(),
    };
    let end = send_event(&c.chan, c.at, &c.cwd, Data::Prompt(p))?;
    // What was changed before the prompt is not the turn's.
    checkpoint(&c.chan, end);
    Ok(())
}

/// A tool call begins (PreToolUse and its equivalents): its command record.
fn tool_start(c: Call) -> Result<()> {
    let seq = crate::channel::next_seq(&c.chan)?;
    let call_id = c.v.call_key();
    remember_call(&c.chan, &call_id, seq)?;
    let mut start = ToolCallStart {
        tool: c.v.tool.clone().unwrap_or_else(|| "?".into()),
        input: crate::event::bound_strings(c.v.input.clone()),
        intent: c.v.intent(),
        reasoning: reasoning(&c),
        call_id,
        agent_session: c.session.clone(),
        subagent: c.v.subagent.clone(),
    };
    // Secrets never reach the disk, not even the channel.
    crate::redact::value(&mut start.input);
    for t in [&mut start.intent, &mut start.reasoning]
        .into_iter()
        .flatten()
    {
        *t = crate::redact::text(t).into_owned();
    }
    let rec = Record::Cmd(CmdRecord {
        seq,
        at: Stamp::EpochMicros(c.at.as_micros()),
        cwd: c.cwd.into_bytes(),
        source: TextSource::ToolCall,
        text: serde_json::to_vec(&start)?,
    });
    let end = crate::channel::append_spool(&c.chan, &crate::wire::encode(&rec))?;
    checkpoint(&c.chan, end);
    Ok(())
}

/// Waits (bounded) until ingest has looked at the tree after this hook's
/// record: before a tool runs, so that what changed earlier is not its;
/// after it ran, so that what it changed is not given to the next call.
fn checkpoint(chan: &Channel, end: u64) {
    if let Ok(dir) = runtime::ensure_dir() {
        crate::channel::wait_read(chan, &dir, end, CHECKPOINT);
    }
}

/// The agent's words before the call, from its transcript (a subagent's
/// own, where it has one).
fn reasoning(c: &Call) -> Option<String> {
    if c.agent == "copilot" {
        // No transcript path in its payloads: the session's own log.
        let path = copilot_log::path(&c.session)?;
        let r = copilot_log::reasoning(&path, c.v.tool.as_deref()?, &c.v.input)?;
        return Some(outcome::bound_to(&r, MAX_WORDS));
    }
    if c.agent == "opencode" {
        // The parts opencode has written of this session.
        let r = opencode_db::reasoning(&c.session, c.v.call_id.as_deref()?)?;
        return Some(outcome::bound_to(&r, MAX_WORDS));
    }
    let path = c.v.transcript.as_deref()?;
    if c.agent == "gemini-cli" {
        // Its calls have no id: the newest answer, if it made this call.
        let tool = c.v.tool.as_deref()?;
        let r = gemini_chat::reasoning(path, tool, &c.v.input)?;
        return Some(outcome::bound_to(&r, MAX_WORDS));
    }
    let id = c.v.call_id.as_deref()?;
    let path = call_transcript(c, path)?;
    transcript::reasoning(&path, id).map(|r| outcome::bound_to(&r, MAX_WORDS))
}

/// The transcript that holds the call of `c` (Claude Code, Codex), given
/// the session's: a subagent's words are in its own, never the session's
/// (Claude Code keeps it beside the session's; Codex's hooks name it).
fn call_transcript(c: &Call, session_path: &str) -> Option<String> {
    match c.v.subagent.as_ref() {
        Some(s) if c.agent != "codex" => transcript::subagent_path(session_path, &c.session, &s.id),
        _ => Some(session_path.to_owned()),
    }
}

/// [`reasoning`] at a call's end. Claude Code writes its transcript in
/// batches: the words before a call can reach it after the call's hooks
/// have run (2.1.332, on an idle machine), a few milliseconds after the
/// call's own line. Until the words are there, the hook looks again every
/// 5 ms; it stops once the call is in the transcript and the file has not
/// grown for [`TRANSCRIPT_QUIET`] (a call with no words before it), or
/// after [`TRANSCRIPT_WAIT`].
fn reasoning_at_end(c: &Call) -> Option<String> {
    let start = std::time::Instant::now();
    let (Some(session_path), Some(id)) = (c.v.transcript.as_deref(), c.v.call_id.as_deref()) else {
        return reasoning(c);
    };
    let path = call_transcript(c, session_path);
    let size = || {
        path.as_deref()
            .and_then(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
    };
    let mut last = (size(), start);
    loop {
        let r = reasoning(c);
        let now = std::time::Instant::now();
        if r.is_some() || now - start >= TRANSCRIPT_WAIT || path.is_none() {
            return r;
        }
        let grown = size();
        if grown != last.0 {
            last = (grown, now);
        } else if now - last.1 >= TRANSCRIPT_QUIET
            && path.as_deref().is_some_and(|p| transcript::has_call(p, id))
        {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// A tool call ends (PostToolUse and its equivalents): its outcome record,
/// with what the call returned.
fn tool_end(c: &Call, failed: bool) -> Result<()> {
    let Some(seq) = recall_call(&c.chan, &c.v.call_key())? else {
        return Ok(()); // its start was not seen
    };
    let mut outcome = outcome::of(&c.v);
    if c.agent == "codex"
        && c.v
            .tool
            .as_deref()
            .is_some_and(|t| t.ends_with("spawn_agent"))
    {
        outcome.started_subagent = codex_threads::started(&c.v, &c.session);
    }
    let mut failed = failed;
    if c.agent == "codex" && outcome.exit_code.is_none() {
        outcome.exit_code = codex_exit_code(c);
        failed |= outcome.exit_code.is_some_and(|code| code != 0);
    }
    if matches!(c.agent.as_str(), "claude-code" | "codex") {
        // Claude Code may write a call to its transcript only after its
        // PreToolUse has run.
        outcome.reasoning = reasoning_at_end(c).map(|r| crate::redact::text(&r).into_owned());
    }
    let rec = Record::Exit(ExitRecord {
        seq,
        at: Stamp::EpochMicros(c.at.as_micros()),
        status: Some(i32::from(failed)),
        pipestatus: None,
        // The agent's own measure, where it gives one.
        duration: c.v.duration_ms.map(std::time::Duration::from_millis),
        outcome: Some(serde_json::to_vec(&outcome)?),
    });
    let end = crate::channel::append_spool(&c.chan, &crate::wire::encode(&rec))?;
    checkpoint(&c.chan, end);
    Ok(())
}

/// Codex's hook gives a shell's output alone; its session file, the exit
/// code.
fn codex_exit_code(c: &Call) -> Option<i32> {
    transcript::exit_code(c.v.transcript.as_deref()?, c.v.call_id.as_deref()?)
}

/// A turn ends (Stop, SubagentStop and their equivalents): the assistant's
/// last message, the model and the tokens used, from the hook or the
/// agent's transcript.
fn turn_end(c: &Call) -> Result<()> {
    let read = match c.agent.as_str() {
        "gemini-cli" => gemini_chat::turn,
        _ => transcript::turn,
    };
    let from = c.v.transcript.as_deref().map(read).unwrap_or_default();
    let t = TurnEnd {
        message: c
            .v
            .message
            .clone()
            .or(from.message)
            .map(|m| outcome::bound_to(&m, MAX_WORDS)),
        model: from.model.or_else(|| c.v.model.clone()),
        usage: from.usage,
        agent_session: Some(c.session.clone()),
        subagent: c.v.subagent.clone(),
        extra: Default::default(),
    };
    if t.message.is_none() && t.usage.is_none() {
        return Ok(());
    }
    send_event(&c.chan, c.at, &c.cwd, Data::TurnEnd(t))?;
    Ok(())
}

fn end(c: &Call) -> Result<()> {
    let rec = Record::End(EndRecord {
        seq: 0,
        at: Stamp::EpochMicros(c.at.as_micros()),
        reason: c.v.reason.clone().unwrap_or_else(|| "exit".into()),
    });
    crate::channel::append_spool(&c.chan, &crate::wire::encode(&rec))?;
    Ok(())
}

fn send_event(chan: &Channel, at: Timestamp, cwd: &str, mut data: Data) -> Result<u64> {
    crate::redact::data(&mut data);
    let rec = Record::Event(EventRecord {
        seq: 0,
        at: Stamp::EpochMicros(at.as_micros()),
        id: crate::ids::new_session_id(at),
        kind: data.type_name().into(),
        cwd: cwd.as_bytes().to_vec(),
        data: serde_json::to_vec(&data)?,
    });
    crate::channel::append_spool(chan, &crate::wire::encode(&rec))
}
