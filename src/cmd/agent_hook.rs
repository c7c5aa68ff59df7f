//! `devtrace agent hook claude-code`: one of Claude Code's hooks. Reads the
//! hook's JSON from standard input and turns it into records of a DevTrace
//! session linked to Claude's session: the user's prompts (`prompt`, the
//! "why"), each tool call as a `tool_call` spanning PreToolUse to
//! PostToolUse (so the files it changed are its `edit_files`), and the end.
//! It prints nothing, never fails, and never changes what Claude does: any
//! problem is swallowed and the exit status is 0.

use crate::runtime::{self, Channel};
use crate::wire::{CmdRecord, EndRecord, EventRecord, ExitRecord, Record, Stamp, TextSource};
use anyhow::{Context, Result};
use fs2::FileExt;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;

/// Longest string kept from a tool's input (a Write's whole file, say).
const MAX_STRING: usize = 4096;

pub fn run(agent: &str) -> Result<i32> {
    let _ = std::panic::catch_unwind(|| handle(agent));
    Ok(0)
}

fn handle(agent: &str) -> Result<()> {
    let mut buf = Vec::new();
    std::io::stdin()
        .take(8 << 20)
        .read_to_end(&mut buf)
        .context("no hook input")?;
    let v: Value = serde_json::from_slice(&buf).context("hook input is not JSON")?;
    let event = v["hook_event_name"].as_str().unwrap_or_default();
    let session = v["session_id"].as_str().context("no session_id")?;
    let cwd = v["cwd"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| super::cwd().ok())
        .unwrap_or_else(|| "/".into());
    let dir = runtime::ensure_dir()?;
    let key = format!("{agent} {session}");
    let chan = super::exec::session_for(&dir, &key, agent, agent_process(), Some(agent.into()))?;
    let now = now_us();
    match event {
        "UserPromptSubmit" => {
            let text = v["prompt"].as_str().unwrap_or_default();
            send_event(
                &chan,
                now,
                "prompt",
                &cwd,
                json!({
                    "text": text,
                    "prompt_id": crate::ids::new_session_id((now / 1000) as u64),
                    "agent_session": session,
                }),
            )?;
        }
        "PreToolUse" => {
            let seq = super::exec::next_seq(&chan)?;
            let call_id = v["tool_use_id"].as_str().unwrap_or_default();
            remember_call(&chan, call_id, seq)?;
            let tool = v["tool_name"].as_str().unwrap_or("?");
            let input = bound(v["tool_input"].clone());
            let intent = v["tool_input"]["description"].clone();
            let data = json!({
                "tool": tool,
                "input": input,
                "intent": intent,
                "call_id": call_id,
                "agent_session": session,
            });
            let rec = Record::Cmd(CmdRecord {
                seq,
                at: Stamp::EpochMicros(now),
                cwd: cwd.into_bytes(),
                source: TextSource::ToolCall,
                text: serde_json::to_vec(&data)?,
            });
            super::send::append_spool(&chan, &crate::wire::encode(&rec))?;
        }
        "PostToolUse" | "PostToolUseFailure" => {
            let call_id = v["tool_use_id"].as_str().unwrap_or_default();
            let Some(seq) = recall_call(&chan, call_id)? else {
                return Ok(()); // its PreToolUse was not seen
            };
            let failed = event == "PostToolUseFailure"
                || v["tool_response"]["is_error"].as_bool() == Some(true);
            let rec = Record::Exit(ExitRecord {
                seq,
                at: Stamp::EpochMicros(now),
                status: Some(i32::from(failed)),
                pipestatus: None,
                duration_ms: None,
            });
            super::send::append_spool(&chan, &crate::wire::encode(&rec))?;
        }
        "SessionEnd" => {
            let reason = v["reason"].as_str().unwrap_or("exit");
            let rec = Record::End(EndRecord {
                seq: 0,
                at: Stamp::EpochMicros(now),
                reason: reason.into(),
            });
            super::send::append_spool(&chan, &crate::wire::encode(&rec))?;
        }
        // SessionStart registered the session above; Stop needs nothing.
        _ => {}
    }
    Ok(())
}

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

fn send_event(chan: &Channel, at: i64, kind: &str, cwd: &str, data: Value) -> Result<()> {
    let rec = Record::Event(EventRecord {
        seq: 0,
        at: Stamp::EpochMicros(at),
        id: crate::ids::new_session_id((at / 1000) as u64),
        kind: kind.into(),
        cwd: cwd.as_bytes().to_vec(),
        data: serde_json::to_vec(&data)?,
    });
    super::send::append_spool(chan, &crate::wire::encode(&rec))
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

fn recall_call(chan: &Channel, call_id: &str) -> Result<Option<u64>> {
    let mut f = calls_file(chan)?;
    let mut text = String::new();
    f.read_to_string(&mut text)?;
    Ok(text.lines().rev().find_map(|l| {
        let (id, seq) = l.rsplit_once(' ')?;
        (id == call_id).then(|| seq.parse().ok()).flatten()
    }))
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
