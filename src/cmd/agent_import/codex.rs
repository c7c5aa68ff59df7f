//! One Codex CLI session file (`$CODEX_HOME/sessions/YYYY/MM/DD/
//! rollout-*.jsonl`, `$CODEX_HOME` defaulting to `~/.codex`) read whole, as
//! the events its hooks would have recorded. Each line is a `RolloutLine`
//! (openai/codex, codex-rs/protocol): `{"timestamp", "type", "payload"}`,
//! `type` one of `session_meta` (the session's `id` and `cwd`),
//! `turn_context` (`cwd`, `model`), `response_item` (`message`,
//! `reasoning`, `function_call`, `custom_tool_call`, `local_shell_call` and
//! their `*_output`s, paired by `call_id`), `event_msg` (`user_message`:
//! what the user typed; `token_count`: a model call's tokens), `compacted`.

use super::sink::{self, Sink};
use crate::cmd::agent_hook::{outcome, Hook, MAX_WORDS};
use crate::event::{Data, ToolCall, Usage};
use crate::timestamp::Timestamp;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The rollout files Codex keeps, active and archived, oldest first.
pub fn transcripts() -> Vec<PathBuf> {
    let home = std::env::var_os("CODEX_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| crate::paths::home_dir().join(".codex"));
    let mut files = Vec::new();
    for dir in ["sessions", "archived_sessions"] {
        rollouts(&home.join(dir), 0, &mut files);
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    files
}

/// `rollout-*.jsonl` files in `dir`, down to its day directories.
fn rollouts(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() && depth < 3 {
            rollouts(&p, depth + 1, out);
        } else if name.starts_with("rollout-") && name.ends_with(".jsonl") {
            out.push(p);
        }
    }
}

/// A tool call seen, its output not yet.
struct Open {
    call: ToolCall,
    at: Timestamp,
    cwd: String,
}

#[derive(Default)]
struct State {
    cwd: String,
    model: Option<String>,
    /// The assistant's texts and reasoning summaries since the last tool
    /// output: the next call's reasons.
    texts: Vec<String>,
    /// The assistant's texts alone since then: the turn's last message.
    said: Vec<String>,
    usage: Option<Usage>,
    /// Where the turn's end is recorded: its last line.
    last: Option<Timestamp>,
    open: HashMap<String, Open>,
}

/// Reads a rollout file into `sink`, naming the session after its
/// `session_meta` id.
pub fn read(text: &str, sink: &mut Sink) {
    let lines: Vec<(Timestamp, Value)> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| {
            let at = v["timestamp"].as_str().and_then(Timestamp::parse_rfc3339)?;
            Some((at, v))
        })
        .collect();
    // Older files have no `user_message` events: their prompts are the
    // user's messages themselves.
    let typed = lines
        .iter()
        .any(|(_, v)| v["type"] == "event_msg" && v["payload"]["type"] == "user_message");
    let mut st = State::default();
    for (at, v) in &lines {
        let p = &v["payload"];
        match v["type"].as_str() {
            Some("session_meta") => {
                if let Some(id) = p["id"].as_str() {
                    sink.rename(id);
                }
                st.cwd = p["cwd"].as_str().unwrap_or_default().to_owned();
            }
            Some("turn_context") => {
                st.cwd = p["cwd"].as_str().map_or(st.cwd, str::to_owned);
                st.model = p["model"].as_str().map(str::to_owned).or(st.model);
            }
            Some("event_msg") if p["type"] == "user_message" => {
                prompt(&mut st, *at, p["message"].as_str(), sink)
            }
            Some("event_msg") if p["type"] == "token_count" => count(&mut st, p),
            Some("response_item") => item(&mut st, *at, p, typed, sink),
            _ => {}
        }
        st.last = Some(*at);
    }
    end_turn(&mut st, sink);
}

fn prompt(st: &mut State, at: Timestamp, text: Option<&str>, sink: &mut Sink) {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return;
    };
    end_turn(st, sink);
    let p = sink::prompt(at, text.to_owned(), sink.session());
    sink.push(at, &st.cwd, p);
}

fn item(st: &mut State, at: Timestamp, p: &Value, typed: bool, sink: &mut Sink) {
    let texts = |key: &str, kind: &str| -> Vec<String> {
        let parts = p[key].as_array().into_iter().flatten();
        parts
            .filter(|c| c["type"] == kind)
            .filter_map(|c| c["text"].as_str().map(str::to_owned))
            .collect()
    };
    match (p["type"].as_str(), p["role"].as_str()) {
        (Some("message"), Some("assistant")) => {
            st.said.extend(texts("content", "output_text"));
            st.texts.extend(texts("content", "output_text"));
        }
        (Some("reasoning"), _) => st.texts.extend(texts("summary", "summary_text")),
        // The environment and the instructions Codex sends as the user's.
        (Some("message"), Some("user")) if !typed => {
            let t = texts("content", "input_text").join("\n");
            if !t.starts_with('<') && !t.starts_with("# AGENTS.md") {
                prompt(st, at, Some(&t), sink);
            }
        }
        (Some("function_call" | "custom_tool_call" | "local_shell_call"), _) => {
            call(st, at, p, sink.session())
        }
        (Some("function_call_output" | "custom_tool_call_output"), _) => {
            st.texts.clear();
            st.said.clear();
            result(st, at, p, sink);
        }
        _ => {}
    }
}

/// A call's tool and input, as Codex's hooks name them: a shell command is
/// `Bash` with its `command` as one line; a patch is `apply_patch` with the
/// patch as its `command`; any other tool keeps its name and arguments.
fn tool_and_input(p: &Value) -> (String, Value) {
    let name = p["name"].as_str().unwrap_or("?");
    let args = match p["type"].as_str() {
        Some("custom_tool_call") if name == "apply_patch" => json!({"command": p["input"]}),
        Some("custom_tool_call") => json!({"input": p["input"]}),
        Some("local_shell_call") => p["action"].clone(),
        _ => p["arguments"]
            .as_str()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_else(|| p["arguments"].clone()),
    };
    let command = match (&args["command"], &args["cmd"]) {
        (Value::Array(words), _) => Some(command_line(words)),
        (Value::String(c), _) | (_, Value::String(c)) => Some(c.clone()),
        _ => None,
    };
    match command {
        Some(command) if name != "apply_patch" => {
            let mut input = json!({"command": command});
            if let Some(w) = args["workdir"]
                .as_str()
                .or(args["working_directory"].as_str())
            {
                input["workdir"] = json!(w);
            }
            ("Bash".into(), input)
        }
        _ => (name.to_owned(), args),
    }
}

/// `["bash", "-lc", "cargo test"]` is `cargo test`; other words are
/// joined, each quoted where the shell would need it.
fn command_line(words: &[Value]) -> String {
    let words: Vec<&str> = words.iter().filter_map(Value::as_str).collect();
    match words.as_slice() {
        [sh, flag, script]
            if sh.ends_with("sh") && flag.starts_with('-') && flag.ends_with('c') =>
        {
            (*script).to_owned()
        }
        _ => words
            .iter()
            .map(|w| shell_quote(w))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn shell_quote(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        w.to_owned()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

fn call(st: &mut State, at: Timestamp, p: &Value, session: &str) {
    let Some(id) = p["call_id"].as_str().or(p["id"].as_str()) else {
        return;
    };
    let (tool, input) = tool_and_input(p);
    let reasoning = (!st.texts.is_empty()).then(|| st.texts.join("\n\n"));
    let call = ToolCall {
        tool,
        intent: input["justification"].as_str().map(str::to_owned),
        input: crate::event::bound_strings(input),
        reasoning: reasoning.map(|r| outcome::bound_to(&r, MAX_WORDS)),
        call_id: id.to_owned(),
        agent_session: Some(session.to_owned()),
        started_at: Some(at),
        extra: sink::imported(),
        ..ToolCall::default()
    };
    let cwd = st.cwd.clone();
    st.open.insert(id.to_owned(), Open { call, at, cwd });
}

/// A call's output closes it: what the tool returned, its exit code, how
/// long it ran. A shell's output is `{"output", "metadata": {"exit_code",
/// "duration_seconds"}}` as a string in older files, a header and
/// `Output:\n...` in newer ones (`said`).
fn result(st: &mut State, at: Timestamp, p: &Value, sink: &mut Sink) {
    let Some(mut o) = p["call_id"].as_str().and_then(|id| st.open.remove(id)) else {
        return;
    };
    let raw = match &p["output"] {
        Value::Array(parts) => Value::Array(parts.clone()),
        v => v.as_str().map_or(Value::Null, |s| {
            serde_json::from_str::<Value>(s)
                .ok()
                .filter(Value::is_object)
                .unwrap_or_else(|| json!(s))
        }),
    };
    let meta = &raw["metadata"];
    let (response, exit_code) = match (raw.get("output"), raw.as_str()) {
        (Some(out), _) => (json!({"output": out}), meta["exit_code"].as_i64()),
        (None, Some(s)) => said(s),
        _ => (raw.clone(), None),
    };
    let h = Hook {
        input: o.call.input.clone(),
        response,
        exit_code: exit_code.map(|c| c as i32),
        ..Hook::default()
    };
    let out = outcome::of(&h);
    o.call.is_error = Some(out.exit_code.is_some_and(|c| c != 0));
    o.call.output = out.output;
    o.call.exit_code = out.exit_code;
    o.call.ended_at = Some(at);
    let took = meta["duration_seconds"]
        .as_f64()
        .map(std::time::Duration::from_secs_f64)
        .unwrap_or_else(|| at.since(o.at));
    o.call.duration = Some(crate::timestamp::round_ms(took));
    sink.push(o.at, &o.cwd, Data::ToolCall(o.call));
}

/// A shell's or a patch's result as Codex words it for the model, a header
/// then `Output:\n` TEXT: `Exit code: N` first (apply_patch, older
/// shells), or unified exec's `Chunk ID: ...` with a `Process exited with
/// code N` line. The text and N.
fn said(s: &str) -> (Value, Option<i64>) {
    let (head, text) = s.split_once("\nOutput:\n").unwrap_or((s, s));
    let code_after = |line: &str, lead: &str| -> Option<i64> {
        let rest = line.strip_prefix(lead)?;
        let n = rest
            .split(|c: char| !c.is_ascii_digit() && c != '-')
            .next()?;
        n.parse().ok()
    };
    let code = if head.starts_with("Exit code: ") {
        code_after(head, "Exit code: ")
    } else if head.starts_with("Chunk ID: ") {
        head.lines()
            .find_map(|l| code_after(l, "Process exited with code "))
    } else {
        return (json!(s), None);
    };
    (json!(text), code)
}

fn count(st: &mut State, p: &Value) {
    let u = &p["info"]["last_token_usage"];
    if !u.is_object() {
        return;
    }
    let n = |k: &str| u[k].as_u64();
    st.usage.get_or_insert_with(Usage::default).add(&Usage {
        input_tokens: n("input_tokens"),
        output_tokens: n("output_tokens"),
        cache_read_tokens: n("cached_input_tokens"),
        ..Usage::default()
    });
}

fn end_turn(st: &mut State, sink: &mut Sink) {
    st.texts.clear();
    let texts = std::mem::take(&mut st.said);
    let usage = st.usage.take();
    let Some(at) = st.last else {
        return;
    };
    let message = (!texts.is_empty()).then(|| texts.join("\n\n"));
    let session = sink.session().to_owned();
    if let Some(d) = sink::turn_end(message, st.model.clone(), usage, &session) {
        sink.push(at, &st.cwd, d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_in_each_wording() {
        // Unified exec (Codex 0.171), apply_patch, and a bare text.
        let exec = "Chunk ID: 3a337a\nWall time: 0.0000 seconds\nProcess exited with code 2\n\
                    Original token count: 15\nOutput:\nls: no-such-file\n";
        assert_eq!(said(exec), (json!("ls: no-such-file\n"), Some(2)));
        let patch = "Exit code: 0\nWall time: 0 seconds\nOutput:\nSuccess.\n";
        assert_eq!(said(patch), (json!("Success.\n"), Some(0)));
        assert_eq!(said("Exit code: 1"), (json!("Exit code: 1"), Some(1)));
        assert_eq!(
            said("plain\nOutput:\nx"),
            (json!("plain\nOutput:\nx"), None)
        );
    }
}
