//! `devtrace snapshot`: the whole work tree's state, kept in DevTrace's own
//! object store, recorded as a `git_snapshot` event.

use crate::cli::SnapshotArgs;
use crate::worktree::Tracker;
use anyhow::Result;
use std::path::Path;

pub fn run(a: SnapshotArgs) -> Result<i32> {
    let cwd = crate::resolve::cwd()?;
    let store = crate::store::find_dir(Path::new(&cwd))
        .filter(|d| *d != crate::store::global_dir())
        .ok_or_else(|| {
            crate::fail(
                "no DevTrace store in this directory or above it",
                "run `devtrace init` in your repository first",
            )
        })?;
    let mut t = Tracker::open(&store)?;
    if let Err(why) = t.scan(None, &mut || {})? {
        return Err(crate::fail(
            format!("cannot snapshot {}: {why}", t.root.display()),
            "raise the limit with DEVTRACE_MAX_FILES, or ignore build output in .gitignore",
        ));
    }
    let label = a.label.unwrap_or_default();
    let snap = t.snapshot(&label, &[])?;
    let data = crate::ingest::snapshot_data(&label, &snap);
    let ev = crate::channel::send(&store, crate::event::Data::GitSnapshot(data), &cwd)?;
    if a.json {
        println!("{}", ev.to_line());
        return Ok(0);
    }
    let short = |o: git2::Oid| o.to_string()[..7].to_owned();
    let mut line = format!("snapshot {}", short(snap.commit));
    if !label.is_empty() {
        line.push_str(&format!(" \"{}\"", crate::output::printable(&label)));
    }
    match (snap.files_changed, snap.head) {
        (Some(n), Some(h)) => line.push_str(&format!(
            ": {n} file{} changed from {}{}",
            if n == 1 { "" } else { "s" },
            snap.branch
                .as_deref()
                .map(|b| format!("{b} @ "))
                .unwrap_or_default(),
            short(h)
        )),
        _ => line.push_str(&format!(
            ": {}",
            crate::output::count(t.files() as u64, "file")
        )),
    }
    println!("{line} (event {})", ev.id);
    Ok(0)
}
