// Drives `devtrace mcp serve` (or the server DEVTRACE_SERVER_CMD names, a
// JSON list) with the TypeScript MCP SDK (the initialize handshake), and
// prints a report of what the client saw: the tools and the results of the
// calls given as JSON on stdin ([[tool, args], ...]).
// The SDK validates each structured result against the tool's outputSchema.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { readFileSync } from "node:fs";

const calls = JSON.parse(readFileSync(0, "utf8"));
const server = process.env.DEVTRACE_SERVER_CMD
  ? JSON.parse(process.env.DEVTRACE_SERVER_CMD)
  : [process.env.DEVTRACE_BIN, "mcp", "serve"];
const transport = new StdioClientTransport({
  command: server[0],
  args: server.slice(1),
  cwd: process.env.DEVTRACE_REPO,
  env: process.env,
});
const client = new Client({ name: "devtrace-ts-test", version: "1.0.0" });
await client.connect(transport);
const tools = (await client.listTools()).tools;
const results = [];
// `"$N.key"` in an argument: `key` of call N's structured result.
const resolve = (args) =>
  Object.fromEntries(Object.entries(args).map(([k, v]) => {
    if (typeof v === "string" && v.startsWith("$")) {
      const [n, key] = v.slice(1).split(".");
      return [k, results[Number(n)].structured[key]];
    }
    return [k, v];
  }));
for (const [name, args] of calls) {
  try {
    const r = await client.callTool({ name, arguments: resolve(args) });
    results.push({
      is_error: Boolean(r.isError),
      structured: r.structuredContent ?? null,
      text: r.content.map((c) => c.text ?? "").join("\n"),
    });
  } catch (e) {
    results.push({ protocol_error: String(e) });
  }
}
console.log(JSON.stringify({
  protocol_version: transport._protocolVersion ?? client.getServerVersion()?.version ?? null,
  server: client.getServerVersion(),
  instructions: client.getInstructions(),
  tools: tools.map((t) => t.name),
  results,
}));
await client.close();
