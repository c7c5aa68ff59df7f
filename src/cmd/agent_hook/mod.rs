//! `devtrace agent hook claude-code|gemini-cli`: one call of an agent's
//! hook. Reads the hook's JSON from standard input and turns it into records
//! of a DevTrace session linked to the agent's session: the user's prompts
//! (`prompt`, the "why"), each tool call as a `tool_call` spanning its
//! before and after hooks (so the files it changed are its `edit_files`),
//! and the end. It never fails and never changes what the agent does: any
//! problem is swallowed, the exit status is 0, and the output is what the
//! agent reads as "no opinion" (nothing for Claude Code, `{}` for Gemini).

mod input;

use crate::event::{Data, Prompt};
use crate::runtime::{self, Channel};
use crate::timestamp::Timestamp;
use crate::wire::{CmdRecord, EndRecord, EventRecord, ExitRecord, Record, Stamp, TextSource};
use anyhow::{Context, Result};
use fs2::FileExt;
use input::{step, HookInput, Step, ToolCallStart};
use serde_json::Value;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;

/// Longest string kept from a tool's input (a Write's whole file, say).
const MAX_STRING: usize = 4096;

/// How long a tool call's hook waits for ingest to look at the tree, so
/// that the call's changes are told apart from the next call's. Past it,
/// the changes are still recorded, for the calls together if need be.
const CHECKPOINT: std::time::Duration = std::time::Duration::from_millis(200);

/// How long a session's first hook waits for ingest's first look at the
/// tree (it sets up what tells one tool call's changes from the next's).
const FIRST_LOOK: std::time::Duration = std::time::Duration::from_secs(1);

pub fn run(agent: &str) -> Result<i32> {
    if !super::agent_install::AGENTS.contains(&agent) {
        return Err(crate::usage(
            format!("no hooks for the agent '{agent}'"),
            format!("supported: {}", super::agent_install::AGENTS.join(", ")),
        ));
    }
    let _ = std::panic::catch_unwind(|| handle(agent));
    if agent == "gemini-cli" {
        // Gemini reads a hook's standard output as JSON.
        println!("{{}}");
    }
    Ok(0)
}

/// One hook call: what the agent sent, the session it belongs to, and the
/// record it becomes.
struct Call {
    v: HookInput,
    session: String,
    cwd: String,
    chan: Channel,
    at: Timestamp,
}

fn handle(agent: &str) -> Result<()> {
    let call = gather(agent)?;
    match step(agent, &call.v) {
        Step::Prompt => prompt(&call),
        Step::ToolStart => tool_start(call),
        Step::ToolEnd { failed } => tool_end(&call, failed),
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
fn gather(agent: &str) -> Result<Call> {
    let mut buf = Vec::new();
    std::io::stdin()
        .take(8 << 20)
        .read_to_end(&mut buf)
        .context("no hook input")?;
    let v: HookInput = serde_json::from_slice(&buf).context("hook input is not JSON")?;
    let session = v.session_id.clone().context("no session_id")?;
    let cwd = v
        .cwd
        .clone()
        .or_else(|| crate::resolve::cwd().ok())
        .unwrap_or_else(|| "/".into());
    let dir = runtime::ensure_dir()?;
    let key = format!("{agent} {session}");
    let link = Some((session.clone(), v.model()));
    let chan =
        crate::channel::session_for(&dir, &key, agent, agent_process(), Some(agent.into()), link)?;
    Ok(Call {
        v,
        session,
        cwd,
        chan,
        at: Timestamp::now(),
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

fn tool_start(c: Call) -> Result<()> {
    let seq = crate::channel::next_seq(&c.chan)?;
    let call_id = c.v.call_id();
    remember_call(&c.chan, &call_id, seq)?;
    let mut start = ToolCallStart {
        tool: c.v.tool_name.clone().unwrap_or_else(|| "?".into()),
        input: bound(c.v.tool_input.clone()),
        intent: c.v.intent(),
        call_id,
        agent_session: c.session.clone(),
    };
    // Secrets never reach the disk, not even the channel.
    crate::redact::value(&mut start.input);
    if let Some(i) = &mut start.intent {
        *i = crate::redact::text(i).into_owned();
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

fn tool_end(c: &Call, failed: bool) -> Result<()> {
    let Some(seq) = recall_call(&c.chan, &c.v.call_id())? else {
        return Ok(()); // its start was not seen
    };
    let rec = Record::Exit(ExitRecord {
        seq,
        at: Stamp::EpochMicros(c.at.as_micros()),
        status: Some(i32::from(failed)),
        pipestatus: None,
        duration: None,
    });
    let end = crate::channel::append_spool(&c.chan, &crate::wire::encode(&rec))?;
    checkpoint(&c.chan, end);
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

/// Strings cut to a readable length, so that a tool's input (a file's whole
/// content) does not fill the store.
fn bound(v: Value) -> Value {
    match v {
        Value::String(s) if s.len() > MAX_STRING => {
            let mut cut = MAX_STRING;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            Value::String(format!("{}… [{} bytes]", &s[..cut], s.len()))
        }
        Value::Array(a) => Value::Array(a.into_iter().map(bound).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, bound(v))).collect()),
        other => other,
    }
}

fn calls_file(chan: &Channel) -> Result<std::fs::File> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(chan.calls())?;
    f.lock_exclusive()?;
    Ok(f)
}

fn remember_call(chan: &Channel, call_id: &str, seq: u64) -> Result<()> {
    let mut f = calls_file(chan)?;
    writeln!(f, "{call_id} {seq}")?;
    Ok(())
}

/// The number of the oldest open call with this id (one Gemini tool run
/// twice with the same input ends in order), which is then closed.
fn recall_call(chan: &Channel, call_id: &str) -> Result<Option<u64>> {
    let mut f = calls_file(chan)?;
    let mut text = String::new();
    f.read_to_string(&mut text)?;
    let mut lines: Vec<&str> = text.lines().collect();
    let hit = lines.iter().position(|l| {
        l.rsplit_once(' ')
            .is_some_and(|(id, seq)| id == call_id && seq.parse::<u64>().is_ok())
    });
    let Some(i) = hit else {
        return Ok(None);
    };
    let seq = lines[i].rsplit_once(' ').and_then(|(_, s)| s.parse().ok());
    lines.remove(i);
    f.set_len(0)?;
    let mut rest = lines.join("\n");
    if !rest.is_empty() {
        rest.push('\n');
    }
    f.write_all(rest.as_bytes())?;
    Ok(seq)
}

/// The agent's own process: the nearest ancestor that is not a shell (Claude
/// runs hooks through one). The session ends when it exits.
fn agent_process() -> i32 {
    let mut pid = nix::unistd::getppid().as_raw();
    for _ in 0..6 {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            break;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            break;
        };
        let comm = &stat[open + 1..close];
        if !matches!(
            comm,
            "sh" | "bash" | "dash" | "zsh" | "fish" | "env" | "timeout"
        ) {
            return pid;
        }
        let ppid = stat[close + 1..]
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        if ppid <= 1 {
            break;
        }
        pid = ppid;
    }
    pid
}
