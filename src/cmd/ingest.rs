//! `devtrace ingest`: runs the ingest process, or (`--spawn`) makes sure one
//! runs and prints its pid.

use anyhow::Result;

pub fn run(spawn: bool) -> Result<i32> {
    if spawn {
        let dir = crate::runtime::ensure_dir()?;
        let pid = crate::ingest::ensure(&dir)?;
        println!("{pid}");
    } else {
        crate::ingest::run()?;
    }
    Ok(0)
}
