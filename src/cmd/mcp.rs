//! `devtrace mcp serve|proxy`: the MCP server and proxy (`src/mcp/`). The
//! tokio runtime the server runs on is built here, for this subcommand only.

use crate::cli::McpCmd;
use anyhow::{Context, Result};

pub fn run(c: McpCmd) -> Result<i32> {
    match c {
        McpCmd::Serve(store) => {
            let dir = crate::resolve::store_dir(&store)?;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("could not start the MCP server's runtime")?;
            rt.block_on(crate::mcp::server::serve(&dir))?;
            Ok(0)
        }
        McpCmd::Proxy { name, command } => crate::mcp::proxy::run(name, &command),
        McpCmd::Install {
            agent,
            wrap: false,
            unwrap: false,
            uninstall,
        } => crate::mcp::install::run(&agent, uninstall),
        McpCmd::Install { agent, unwrap, .. } => crate::mcp::wrap::run(&agent, unwrap),
    }
}
