//! `devtrace reindex`: rebuilds a store's SQLite index from events.jsonl.

use crate::cli::StoreArgs;
use anyhow::Result;

pub fn run(a: StoreArgs) -> Result<i32> {
    let mut s = crate::resolve::open_store(&a)?;
    s.reindex()?;
    println!(
        "devtrace: rebuilt the index of {} ({} events)",
        s.dir().display(),
        s.count_events()?
    );
    Ok(0)
}
