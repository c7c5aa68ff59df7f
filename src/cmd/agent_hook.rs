//! `devtrace agent hook claude-code|gemini-cli`: one call of an agent's
//! hook. Reads the hook's JSON from standard input and turns it into records
//! of a DevTrace session linked to the agent's session: the user's prompts
//! (`prompt`, the "why"), each tool call as a `tool_call` spanning its
//! before and after hooks (so the files it changed are its `edit_files`),
//! and the end. It never fails and never changes what the agent does: any
//! problem is swallowed, the exit status is 0, and the output is what the
//! agent reads as "no opinion" (nothing for Claude Code, `{}` for Gemini).

use crate::runtime::{self, Channel};
use crate::wire::{CmdRecord, EndRecord, EventRecord, ExitRecord, Record, Stamp, TextSource};
use anyhow::{Context, Result};
use fs2::FileExt;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;

/// Longest string kept from a tool's input (a Write's whole file, say).
const MAX_STRING: usize = 4096;

/// What an agent's hook events mean to us.
enum Step {
    Prompt,
    ToolStart,
    ToolEnd { failed: bool },
    End,
    Other,
}

fn step(agent: &str, event: &str, v: &Value) -> Step {
    match (agent, event) {
        ("claude-code", "UserPromptSubmit") | ("gemini-cli", "BeforeAgent") => Step::Prompt,
        ("claude-code", "PreToolUse") | ("gemini-cli", "BeforeTool") => Step::ToolStart,
        ("claude-code", "PostToolUse") => Step::ToolEnd {
            failed: v["tool_response"]["is_error"].as_bool() == Some(true),
        },
        ("claude-code", "PostToolUseFailure") => Step::ToolEnd { failed: true },
        ("gemini-cli", "AfterTool") => Step::ToolEnd {
            failed: !matches!(&v["tool_response"]["error"], Value::Null)
                && v["tool_response"]["error"] != json!(""),
        },
        (_, "SessionEnd") => Step::End,
        _ => Step::Other,
    }
}

/// The id that ties a tool call's two hooks together: Claude gives one;
/// Gemini's are tied by the tool and its exact input.
fn call_id(v: &Value) -> String {
    if let Some(id) = v["tool_use_id"].as_str() {
        return id.to_owned();
    }
    let key = format!("{}\0{}", v["tool_name"], v["tool_input"]);
    git2::Oid::hash_object(git2::ObjectType::Blob, key.as_bytes())
        .map(|o| o.to_string()[..16].to_owned())
        .unwrap_or_default()
}

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
        .or_else(|| crate::resolve::cwd().ok())
        .unwrap_or_else(|| "/".into());
    let dir = runtime::ensure_dir()?;
    let key = format!("{agent} {session}");
    let model = v["model"]
        .as_str()
        .or_else(|| v["model"]["id"].as_str())
        .map(str::to_owned);
    let link = Some((session.to_owned(), model));
    let chan =
        crate::channel::session_for(&dir, &key, agent, agent_process(), Some(agent.into()), link)?;
    let now = runtime::now_us();
    match step(agent, event, &v) {
        Step::Prompt => {
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
        Step::ToolStart => {
            let seq = crate::channel::next_seq(&chan)?;
            let call_id = call_id(&v);
            remember_call(&chan, &call_id, seq)?;
            let tool = v["tool_name"].as_str().unwrap_or("?");
            let input = bound(v["tool_input"].clone());
            let intent = v["tool_input"]["description"].clone();
            let mut data = json!({
                "tool": tool,
                "input": input,
                "intent": intent,
                "call_id": call_id,
                "agent_session": session,
            });
            // Secrets never reach the disk, not even the channel.
            crate::redact::value(&mut data["input"]);
            crate::redact::value(&mut data["intent"]);
            let rec = Record::Cmd(CmdRecord {
                seq,
                at: Stamp::EpochMicros(now),
                cwd: cwd.into_bytes(),
                source: TextSource::ToolCall,
                text: serde_json::to_vec(&data)?,
            });
            crate::channel::append_spool(&chan, &crate::wire::encode(&rec))?;
        }
        Step::ToolEnd { failed } => {
            let Some(seq) = recall_call(&chan, &call_id(&v))? else {
                return Ok(()); // its start was not seen
            };
            let rec = Record::Exit(ExitRecord {
                seq,
                at: Stamp::EpochMicros(now),
                status: Some(i32::from(failed)),
                pipestatus: None,
                duration_ms: None,
            });
            crate::channel::append_spool(&chan, &crate::wire::encode(&rec))?;
        }
        Step::End => {
            let reason = v["reason"].as_str().unwrap_or("exit");
            let rec = Record::End(EndRecord {
                seq: 0,
                at: Stamp::EpochMicros(now),
                reason: reason.into(),
            });
            crate::channel::append_spool(&chan, &crate::wire::encode(&rec))?;
        }
        // The session start registered the session above.
        Step::Other => {}
    }
    Ok(())
}

fn send_event(chan: &Channel, at: i64, kind: &str, cwd: &str, mut data: Value) -> Result<()> {
    crate::redact::value(&mut data);
    let rec = Record::Event(EventRecord {
        seq: 0,
        at: Stamp::EpochMicros(at),
        id: crate::ids::new_session_id((at / 1000) as u64),
        kind: kind.into(),
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
