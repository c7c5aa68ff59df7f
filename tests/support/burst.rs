//! What the attribution tests and benchmark share: a repository of many
//! files, the truth of what each pasted command wrote, and the score of the
//! recorded changes against it (exact, uncertain, wrong).

use super::World;
use git2::{ObjectType, Oid};
use serde_json::Value;
use std::collections::BTreeMap;

/// A world whose repository holds `n` committed files (in 100 directories)
/// before `devtrace init`.
pub fn world_with_files(n: usize) -> World {
    let w = World::new();
    for i in 0..n {
        let dir = w.repo.join(format!("d{:02}", i % 100));
        if i < 100 {
            std::fs::create_dir_all(&dir).unwrap();
        }
        std::fs::write(dir.join(format!("f{i}.txt")), format!("{i}\n")).unwrap();
    }
    std::fs::write(w.repo.join("q.txt"), "start\n").unwrap();
    for args in [&["add", "-A"][..], &["commit", "-qm", "files"]] {
        let out = w
            .cmd_in("git", &w.repo)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@t")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@t")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    w.write_rc("", "", "");
    let out = w.devtrace(&["init"], &w.repo);
    assert!(out.status.success(), "{out:?}");
    w
}

pub fn blob(text: &str) -> String {
    Oid::hash_object(ObjectType::Blob, text.as_bytes())
        .unwrap()
        .to_string()
}

/// What each command truly did: for each file, its content before and
/// after each command that wrote it, in order.
#[derive(Default)]
pub struct Truth {
    /// path → [(command text, before, after)]
    pub steps: BTreeMap<String, Vec<(String, String, String)>>,
    /// The content of each file now.
    pub now: BTreeMap<String, String>,
}

impl Truth {
    /// Files as they are before the session: made by no command (a step
    /// of its own, for the session's first look).
    pub fn new(files: &[(&str, &str)]) -> Truth {
        let mut t = Truth::default();
        for (p, c) in files {
            // Made by no command, from no content any look can see.
            t.steps.entry(p.to_string()).or_default().push((
                String::new(),
                "before the session".into(),
                blob(c),
            ));
            t.now.insert(p.to_string(), c.to_string());
        }
        t
    }

    /// `cmd` wrote `path`, leaving `content`.
    pub fn wrote(&mut self, cmd: &str, path: &str, content: String) {
        let before = self.now.get(path).cloned().unwrap_or_default();
        self.steps.entry(path.to_owned()).or_default().push((
            cmd.to_owned(),
            blob(&before),
            blob(&content),
        ));
        self.now.insert(path.to_owned(), content);
    }

    /// The three lines of a burst that write `q.txt`, with what they do
    /// (`tag` makes each burst's contents its own).
    pub fn burst(&mut self, tag: &str, round: usize, n: usize) -> Vec<String> {
        let mut lines = Vec::new();
        for i in 0..n {
            let word = ["one", "two", "three"]
                .get(i)
                .map_or(format!("l{i}"), |w| (*w).to_owned());
            let text = format!("{tag}{round}-{word}");
            let (op, content) = if i == 0 {
                (">", format!("{text}\n"))
            } else {
                let mut c = self.now["q.txt"].clone();
                c.push_str(&format!("{text}\n"));
                (">>", c)
            };
            let line = format!("echo {text} {op} q.txt");
            self.wrote(&line, "q.txt", content);
            lines.push(line);
        }
        lines
    }
}

/// How the recorded changes compare with the truth.
#[derive(Debug, Default)]
pub struct Score {
    pub exact: usize,
    pub uncertain: usize,
    pub wrong: Vec<String>,
    /// Steps of the truth no change accounts for.
    pub missing: usize,
}

/// Checks every recorded change of the files the truth knows: one named
/// command must have made exactly it; one of several (`causes`) must
/// include every command that wrote the file between its old and new
/// content; a change made by a command is never "between commands".
pub fn score(evs: &[Value], truth: &Truth) -> Score {
    let text_of: BTreeMap<&str, &str> = evs
        .iter()
        .filter(|e| e["type"] == "run_command" || e["type"] == "tool_call")
        .map(|e| {
            let text = match e["type"].as_str() {
                Some("tool_call") => e["data"]["call_id"].as_str().unwrap_or("?"),
                _ => e["data"]["command"].as_str().unwrap_or("?"),
            };
            (e["id"].as_str().unwrap(), text)
        })
        .collect();
    let name = |id: &'_ Value| -> String {
        let id = id.as_str().unwrap();
        text_of.get(id).copied().unwrap_or(id).to_owned()
    };
    let mut s = Score::default();
    // The (file, command) steps some recorded change accounts for.
    let mut accounted: std::collections::BTreeSet<(String, String)> = Default::default();
    for e in evs.iter().filter(|e| e["type"] == "edit_files") {
        let cause = e["data"].get("cause").filter(|c| !c.is_null()).map(name);
        let causes: Vec<String> = e["data"]["causes"]
            .as_array()
            .map(|a| a.iter().map(name).collect())
            .unwrap_or_default();
        let causes: Vec<&str> = causes.iter().map(String::as_str).collect();
        for f in e["data"]["files"].as_array().unwrap() {
            let path = f["path"].as_str().unwrap_or("?");
            let Some(steps) = truth.steps.get(path) else {
                continue;
            };
            let made_by = match made_by(steps, f) {
                Ok(m) => m,
                Err(why) => {
                    s.wrong.push(format!("{path}: {why}: {e}"));
                    continue;
                }
            };
            for c in made_by.iter().chain(&causes).chain(cause.as_deref().iter()) {
                accounted.insert((path.to_owned(), c.to_string()));
            }
            if std::env::var_os("DEVTRACE_TEST_VERBOSE").is_some() {
                eprintln!("{path}: by {cause:?} among {causes:?}; made by {made_by:?}");
            }
            judge(&mut s, path, cause.as_deref(), &causes, &made_by);
        }
    }
    s.missing = truth
        .steps
        .iter()
        .flat_map(|(p, steps)| steps.iter().map(move |(c, _, _)| (p, c)))
        .filter(|(p, c)| !c.is_empty() && !accounted.contains(&(p.to_string(), c.to_string())))
        .count();
    s
}

/// The commands that truly made the change `f` of a file with `steps`:
/// from the step that left its old content to the one that made its new.
/// A look in the middle of a command sees a state no step left (`>` has
/// emptied the file, `echo` not yet written): the change then begins or
/// ends inside that command.
fn made_by<'a>(steps: &'a [(String, String, String)], f: &Value) -> Result<Vec<&'a str>, String> {
    let old = f["old"].as_str().map_or(blob(""), str::to_owned);
    let new = f["new"].as_str().unwrap_or("").to_owned();
    let first = steps.iter().position(|(_, b, _)| *b == old);
    let last = steps.iter().rposition(|(_, _, a)| *a == new);
    let (first, last) = match (first, last) {
        (Some(f), Some(l)) => (f, l),
        (Some(f), None) => (f, f),
        // Begun inside a command that emptied the file (`>`): the last
        // such command up to `l`.
        (None, Some(l)) if old == blob("") => {
            let k = steps[..=l]
                .iter()
                .rposition(|(c, _, _)| c.contains(" > "))
                .unwrap_or(l);
            (k, l)
        }
        (None, Some(l)) => (l, l),
        (None, None) => return Err(format!("{old}→{new} matches no step")),
    };
    if last < first {
        // What the file held before the session (an empty file, say).
        if steps[last].0.is_empty() {
            return Ok(Vec::new());
        }
        return Err("steps out of order".into());
    }
    Ok(steps[first..=last]
        .iter()
        .map(|(c, _, _)| c.as_str())
        .filter(|c| !c.is_empty())
        .collect())
}

/// Counts one file's change as exact, uncertain or wrong.
fn judge(s: &mut Score, path: &str, cause: Option<&str>, causes: &[&str], made_by: &[&str]) {
    match cause {
        None if made_by.is_empty() => {} // before the session
        _ if made_by.is_empty() => s.wrong.push(format!("{path}: no command made it")),
        Some(c) if made_by == [c] => s.exact += 1,
        Some(c) => s
            .wrong
            .push(format!("{path} given to {c:?}, made by {made_by:?}")),
        None if causes.is_empty() => s
            .wrong
            .push(format!("{path} between commands, made by {made_by:?}")),
        None if made_by.iter().all(|m| causes.contains(m)) => s.uncertain += 1,
        None => s
            .wrong
            .push(format!("{path} one of {causes:?}, made by {made_by:?}")),
    }
}

/// Every event, one line each, when DEVTRACE_TEST_VERBOSE is set.
pub fn dump_if_verbose(evs: &[Value]) {
    if std::env::var_os("DEVTRACE_TEST_VERBOSE").is_some() {
        for e in evs {
            eprintln!("EV {} {} {}", e["type"], e["id"], e["data"]);
        }
    }
}

pub fn report(what: &str, s: &Score) {
    eprintln!(
        "{what}: {} exact, {} uncertain, {} wrong, {} steps unaccounted",
        s.exact,
        s.uncertain,
        s.wrong.len(),
        s.missing
    );
    assert!(
        s.wrong.is_empty(),
        "{what}: wrong attributions: {:#?}",
        s.wrong
    );
}
