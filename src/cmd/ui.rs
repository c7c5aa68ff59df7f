//! `devtrace ui`: the local web timeline (`src/ui/`). The tokio runtime the
//! server runs on is built here, for this subcommand only.

use crate::cli::UiArgs;
use anyhow::{Context, Result};

pub fn run(a: UiArgs) -> Result<i32> {
    let stores = if a.global {
        let all = crate::store::known();
        if all.is_empty() {
            return Err(crate::fail(
                "no store has been recorded into on this machine yet",
                "run `devtrace init` in a repository and use a shell there",
            ));
        }
        all
    } else {
        vec![crate::resolve::store_dir(&crate::cli::StoreArgs::default())?]
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the web server's runtime")?;
    rt.block_on(crate::ui::server::serve(crate::ui::server::Options {
        stores,
        port: a.port,
        open: !a.no_open,
    }))?;
    Ok(0)
}
