//! `devtrace diff`: what an event, two snapshots, or a session changed.

use crate::cli::DiffArgs;
use crate::event::{Data, Event};
use crate::output::Out;
use crate::review::changes;
use crate::store::Store;
use crate::worktree::diff::{self, Format};
use crate::worktree::objects::Objects;
use anyhow::Result;

pub fn run(a: DiffArgs) -> Result<i32> {
    let store = crate::resolve::open_store(&a.store)?;
    let root = store
        .dir()
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let repo = Objects::open(store.dir(), &root)?.reader()?;
    let mut notes = Vec::new();
    let changes = match (a.events.as_slice(), &a.session) {
        ([], session) => {
            let wanted = session.as_deref().unwrap_or("latest");
            let id = crate::resolve::session_id(&store, wanted)?;
            let s = changes::session_changes(&store, &repo, &id)?;
            for why in &s.unchecked {
                eprintln!(
                    "devtrace: some files of this session were not checked ({why}); their changes are not in this diff"
                );
            }
            s.changes
        }
        ([one], _) => {
            let ev = changes::find(&store, one)?;
            notes = uncertain(&store, &ev)?;
            changes::event_changes(&store, &repo, &ev)?
        }
        ([x, y], _) => changes::between(&store, &repo, x, y)?,
        _ => unreachable!("clap allows at most two events"),
    };
    let fmt = if a.stat {
        Format::Stat
    } else if a.name_only {
        Format::NameOnly
    } else if a.json {
        Format::Json
    } else {
        Format::Patch
    };
    let mut out = Out::paged(a.json)?;
    if changes.is_empty() && fmt != Format::Json {
        eprintln!("devtrace: no file changes");
    }
    diff::render(&repo, &changes, fmt, &mut out)?;
    out.flush()?;
    for n in notes {
        eprintln!("devtrace: {n}");
    }
    Ok(0)
}

/// A command's changes are those made by it for certain; says where the
/// changes are that it may have made, with others, and which of them.
fn uncertain(store: &Store, ev: &Event) -> Result<Vec<String>> {
    if !matches!(ev.data, Data::RunCommand(_) | Data::ToolCall(_)) {
        return Ok(Vec::new());
    }
    let mut notes = Vec::new();
    for e in store.edits_maybe_by(&ev.id)? {
        let Data::EditFiles(f) = &e.data else {
            continue;
        };
        let (n, files) = (e.causes().len(), f.files.len());
        let s = if files == 1 { "" } else { "s" };
        let whose = match n {
            1 => "this command's, or made just before it".to_owned(),
            n => format!("this command's or one of {} others'", n - 1),
        };
        notes.push(format!(
            "{files} more file{s} changed may be {whose} (cannot tell which): devtrace diff {}",
            e.id
        ));
    }
    Ok(notes)
}
