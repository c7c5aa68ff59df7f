//! `devtrace man`: the manual pages, generated from the clap definitions.

use anyhow::Result;
use clap::CommandFactory;
use std::path::PathBuf;

pub fn run(out_dir: Option<PathBuf>) -> Result<i32> {
    // As generate_to builds it, so both print the same top page.
    let mut cli = crate::cli::Cli::command().disable_help_subcommand(true);
    cli.build();
    match out_dir {
        Some(d) => clap_mangen::generate_to(cli, d)?,
        None => clap_mangen::Man::new(cli).render(&mut std::io::stdout())?,
    }
    Ok(0)
}
