//! MCP: the read-only provenance server (`devtrace mcp serve`, `server.rs`
//! on the tools of `tools/`), the byte-transparent proxy that records an
//! agent's MCP tool calls (`devtrace mcp proxy`, `proxy.rs`), and the
//! agents' MCP configuration (`install.rs`; `wrap.rs` puts their
//! servers behind the proxy). Reached only from
//! `cmd/mcp.rs`, which builds the tokio runtime the server needs; nothing
//! else in DevTrace starts one.

pub mod framing;
pub mod install;
pub mod proxy;
pub mod record;
pub mod server;
pub mod tools;
pub mod wrap;
