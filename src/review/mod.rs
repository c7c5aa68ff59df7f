//! The readers that the review commands (`cmd/`) and the MCP server
//! (`mcp/`) share: what a search finds, what an event or session changed,
//! which change is behind a line. They return values; printing is the
//! caller's.

pub mod blame;
pub mod changes;
pub mod explain;
pub mod search;
