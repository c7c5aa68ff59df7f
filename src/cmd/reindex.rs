//! `devtrace reindex`: rebuilds a store's SQLite index from events.jsonl.

use crate::cli::StoreArgs;
use anyhow::Result;

pub fn run(a: StoreArgs) -> Result<i32> {
    let mut s = crate::resolve::open_store(&a)?;
    let skipped = s.reindex()?;
    let jsonl = s.dir().join(crate::store::JSONL);
    for (line, why) in &skipped.first {
        eprintln!(
            "devtrace: skipped line {line} of {}: {why}",
            jsonl.display()
        );
    }
    if skipped.count > skipped.first.len() {
        let more = (skipped.count - skipped.first.len()) as u64;
        eprintln!(
            "devtrace: skipped {}",
            crate::output::count(more, "more malformed line")
        );
    }
    println!(
        "devtrace: rebuilt the index of {} ({} events)",
        s.dir().display(),
        s.count_events()?
    );
    Ok(0)
}
