//! Which subagent a Codex `spawn_agent` call started. Its multi-agent v1
//! returns the new thread's id (`{"agent_id", "nickname"}`); its v2 (the
//! `collaboration` namespace, `collaborationspawn_agent` in the hooks)
//! returns only the task's path (`{"task_name": "/root/NAME"}`). The id is
//! then found in the session file Codex writes for each thread, beside its
//! parent's: its first line, `session_meta`, names the thread (`id`), its
//! `parent_thread_id`, its `agent_path` and its `agent_role`.
//!
//! Sources: openai/codex, codex-rs/core/src/tools/handlers/multi_agents/
//! spawn.rs and multi_agents_v2/spawn.rs (the results), and the
//! `session_meta` of a v2 subagent's session file written by Codex 0.171.

use super::input::{text, unstring, Hook};
use crate::event::Subagent;
use serde_json::Value;
use std::io::{BufRead, Read};
use std::path::Path;

/// How many of the newest session files beside the parent's are looked at.
const NEWEST: usize = 64;
/// The most of a session file's first line read (it holds the thread's
/// instructions).
const FIRST_LINE: u64 = 256 * 1024;

/// The subagent a finished `spawn_agent` call started, if it says which.
pub fn started(h: &Hook, session: &str) -> Option<Subagent> {
    let r = unstring(h.response.clone());
    // An untyped subagent's hooks name it "default".
    let kind = text(&h.input, "agent_type").unwrap_or_else(|| "default".into());
    if let Some(id) = text(&r, "agent_id").filter(|id| !id.is_empty()) {
        return Some(Subagent {
            id,
            kind: Some(kind),
            ..Default::default()
        });
    }
    let task = text(&r, "task_name")?;
    // The spawning thread: a subagent's own, else the root's.
    let parent = h.subagent.as_ref().map_or(session, |s| s.id.as_str());
    let dir = Path::new(h.transcript.as_deref()?).parent()?;
    let meta = thread_of(dir, parent, &task)?;
    Some(Subagent {
        id: text(&meta, "id")?,
        kind: Some(text(&meta, "agent_role").unwrap_or(kind)),
        ..Default::default()
    })
}

/// The `session_meta` of the thread `parent` spawned as `task`, among the
/// newest session files in `dir`.
fn thread_of(dir: &Path, parent: &str, task: &str) -> Option<Value> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("rollout-") && n.ends_with(".jsonl"))
        })
        .collect();
    // Named by when they began: the newest last.
    files.sort();
    files.iter().rev().take(NEWEST).find_map(|p| {
        let meta = first_line(p)?;
        let m = &meta["payload"];
        (meta["type"] == "session_meta"
            && m["parent_thread_id"] == parent
            && m["agent_path"] == task)
            .then(|| m.clone())
    })
}

fn first_line(path: &Path) -> Option<Value> {
    let f = std::fs::File::open(path).ok()?;
    let mut line = String::new();
    std::io::BufReader::new(f.take(FIRST_LINE))
        .read_line(&mut line)
        .ok()?;
    serde_json::from_str(&line).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spawn(response: Value, transcript: Option<String>) -> Hook {
        Hook {
            tool: Some("spawn_agent".into()),
            input: json!({"message": "go"}),
            response,
            transcript,
            ..Hook::default()
        }
    }

    #[test]
    fn a_spawn_names_its_thread_by_id_or_by_task() {
        // v1: the id, as the JSON text the model reads.
        let h = spawn(json!(r#"{"agent_id":"t2","nickname":"Ada"}"#), None);
        let s = started(&h, "t1").unwrap();
        assert_eq!((s.id.as_str(), s.kind.as_deref()), ("t2", Some("default")));
        // v2: the task's path, found in the child's session file.
        let dir = tempfile::tempdir().unwrap();
        let meta = |id: &str, parent: &str, path: &str| {
            let m = json!({"type": "session_meta", "payload": {"id": id,
                "parent_thread_id": parent, "agent_path": path, "agent_role": null}});
            format!("{m}\n{{\"type\":\"turn_context\"}}\n")
        };
        let file = |n: &str| {
            dir.path()
                .join(format!("rollout-2026-01-01T00-00-0{n}.jsonl"))
        };
        std::fs::write(file("0-t1"), "{\"type\":\"session_meta\"}\n").unwrap();
        std::fs::write(file("1-t3"), meta("t3", "t9", "/root/a")).unwrap();
        std::fs::write(file("2-t2"), meta("t2", "t1", "/root/a")).unwrap();
        let parent = file("0-t1").to_string_lossy().into_owned();
        let h = spawn(json!(r#"{"task_name":"/root/a"}"#), Some(parent.clone()));
        let s = started(&h, "t1").unwrap();
        assert_eq!((s.id.as_str(), s.kind.as_deref()), ("t2", Some("default")));
        // Another thread's task of the same name is not this one's.
        let h = spawn(json!(r#"{"task_name":"/root/b"}"#), Some(parent));
        assert!(started(&h, "t1").is_none());
    }
}
