//! The tools of `devtrace mcp serve`, as plain functions over the store:
//! arguments in (typed, their JSON Schema generated), a JSON object out.
//! Each result is redacted and bounded here; a bad argument is a
//! [`ToolError`] that says what was wrong. The protocol is `server.rs`'s.

mod common;
mod diff;
mod events;
mod explain;
mod search;
mod sessions;

pub use diff::{DiffArgs, DiffOut};
pub use events::{EventsArgs, EventsOut};
pub use explain::{ExplainArgs, ExplainOut};
pub use search::{SearchArgs, SearchOut};
pub use sessions::{SessionsArgs, SessionsOut};

pub use common::{Ctx, ToolError, ToolResult};

use common::{out, parse};
use serde_json::{Map, Value};

impl Ctx {
    /// Runs tool `name` on its arguments; the result is a redacted object.
    pub fn call(&self, name: &str, args: Map<String, Value>) -> ToolResult<Value> {
        let mut out = match name {
            "list_sessions" => out(sessions::run(self, parse(args)?)?),
            "list_events" => out(events::run(self, parse(args)?)?),
            "get_diff" => out(diff::run(self, parse(args)?)?),
            "search_commands" => out(search::run(self, parse(args)?)?),
            "explain" => out(explain::run(self, parse(args)?)?),
            other => Err(ToolError(format!("no tool named '{other}'"))),
        }?;
        self.redact(&mut out);
        Ok(out)
    }
}
