//! `devtrace mcp serve`: the MCP server over stdio, on rmcp. It answers
//! both protocol generations (rmcp negotiates them): the `initialize`
//! handshake of 2025-11-25 and earlier clients, and the 2026-07-28
//! revision's `server/discover` and per-request `_meta`. The tools are
//! `tools/`'s; this file only describes them and carries their results.

use super::tools::{self, Ctx, ToolError};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListResourcesResult, ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams,
    ReadResourceResponse, ReadResourceResult, Resource, ResourceContents, ServerCapabilities,
    ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use schemars::JsonSchema;
use std::path::Path;
use std::sync::Arc;

/// What the server tells agents about itself.
pub const INSTRUCTIONS: &str =
    "DevTrace records what people and AI agents ran and changed in this \
repository: shell commands with exit codes and durations, the files each command or tool call \
changed, agents' prompts and tool calls. Use it to answer what happened and why: list_sessions \
then list_events for a session's timeline; search_commands to find when a command ran, whether \
it failed and what it changed; get_diff for the changes of an event or session; explain for the \
change, command and prompt behind a line of a file. Everything is read-only and redacted.";

/// Serves the store `store_dir` on standard input and output until the
/// client leaves. Only JSON-RPC reaches standard output.
pub async fn serve(store_dir: &Path) -> anyhow::Result<()> {
    let server = Server {
        ctx: Arc::new(Ctx::new(store_dir)),
    };
    let running = server.serve(rmcp::transport::stdio()).await?;
    running.waiting().await?;
    Ok(())
}

#[derive(Clone)]
struct Server {
    ctx: Arc<Ctx>,
}

/// Every tool: its name, description, and argument and result types.
fn tool_list() -> Vec<Tool> {
    vec![
        tool::<tools::SessionsArgs, tools::SessionsOut>(
            "list_sessions",
            "List the recorded sessions (shells, agents' sessions), newest first: who, when, \
             where, how many commands and failures. Paged: pass next_cursor back as cursor.",
        ),
        tool::<tools::EventsArgs, tools::EventsOut>(
            "list_events",
            "One session's events in order: commands with exit codes, file changes, prompts, \
             tool calls, notes, snapshots. Paged: pass next_after_seq back as after_seq.",
        ),
        tool::<tools::DiffArgs, tools::DiffOut>(
            "get_diff",
            "The unified diff of what an event (edit_files, run_command, git_snapshot), a whole \
             session, or two snapshots (from, to) changed; optionally one path; cut at max_bytes.",
        ),
        tool::<tools::SearchArgs, tools::SearchOut>(
            "search_commands",
            "Find commands by their text: each hit with exit code, duration, directory, time, \
             who ran it, the agent's stated intent and the files it changed.",
        ),
        tool::<tools::ExplainArgs, tools::ExplainOut>(
            "explain",
            "Why a file or one of its lines is as it is: the recorded change behind it, the \
             command or tool call that made it, the prompt and the agent's stated reason.",
        ),
    ]
}

fn tool<A: JsonSchema + 'static, O: JsonSchema + 'static>(
    name: &'static str,
    description: &'static str,
) -> Tool {
    Tool::new(name, description, Arc::new(serde_json::Map::new()))
        .with_input_schema::<A>()
        .with_output_schema::<O>()
        .annotate(
            ToolAnnotations::new()
                .read_only(true)
                .open_world(false)
                .destructive(false)
                .idempotent(true),
        )
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("devtrace", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tool_list()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if !tool_list().iter().any(|t| t.name == request.name) {
            return Err(ErrorData::invalid_params(
                format!("no tool named '{}'", request.name),
                None,
            ));
        }
        let args = request.arguments.unwrap_or_default();
        let result = match self.ctx.call(&request.name, args) {
            Ok(value) => CallToolResult::structured(value),
            Err(ToolError(why)) => CallToolResult::error(vec![ContentBlock::text(why)]),
        };
        Ok(result.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let args = serde_json::json!({ "limit": 50 });
        let page = self
            .ctx
            .call(
                "list_sessions",
                args.as_object().cloned().unwrap_or_default(),
            )
            .map_err(|ToolError(e)| ErrorData::internal_error(e, None))?;
        let resources = page["sessions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| {
                let id = s["session"].as_str()?;
                let who = s["agent"].as_str().unwrap_or("person");
                Some(
                    Resource::new(format!("{URI_PREFIX}{id}"), format!("session {id}"))
                        .with_description(format!(
                            "{who}, started {}",
                            s["started_at"].as_str().unwrap_or("?")
                        ))
                        .with_mime_type("application/json"),
                )
            })
            .collect();
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let not_found =
            || ErrorData::resource_not_found(format!("no resource at {}", request.uri), None);
        let id = request.uri.strip_prefix(URI_PREFIX).ok_or_else(not_found)?;
        let args = serde_json::json!({ "session": id, "limit": 200 });
        let page = self
            .ctx
            .call("list_events", args.as_object().cloned().unwrap_or_default())
            .map_err(|_| not_found())?;
        let text = page.to_string();
        Ok(ReadResourceResult::new(
            vec![ResourceContents::text(text, request.uri.clone())]
                .into_iter()
                .map(|c| match c {
                    ResourceContents::TextResourceContents {
                        uri, text, meta, ..
                    } => ResourceContents::TextResourceContents {
                        uri,
                        mime_type: Some("application/json".into()),
                        text,
                        meta,
                    },
                    other => other,
                })
                .collect(),
        )
        .into())
    }
}

/// Sessions as resources: `devtrace://session/ID`.
const URI_PREFIX: &str = "devtrace://session/";

#[cfg(test)]
mod tests {
    #[test]
    fn every_tool_is_read_only_with_both_schemas() {
        for t in super::tool_list() {
            let a = t.annotations.clone().expect("annotations");
            assert_eq!(a.read_only_hint, Some(true), "{}", t.name);
            assert_eq!(a.open_world_hint, Some(false), "{}", t.name);
            assert!(t.output_schema.is_some(), "{}", t.name);
            assert_eq!(t.input_schema["type"], "object", "{}", t.name);
        }
    }
}
