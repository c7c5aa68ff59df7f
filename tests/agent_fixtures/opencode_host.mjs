// Loads DevTrace's opencode plugin the way opencode does (an ES module
// exporting plugin functions, each called with the project's context) and
// calls its hooks with the inputs and outputs opencode's plugin API gives
// them (packages/plugin/src/index.ts: `chat.message`, `tool.execute.before`,
// `tool.execute.after`, `event`), for one session: a prompt, an edit, a
// shell call, a tool that throws, the session going idle, then deleted.
// Usage: node opencode_host.mjs PLUGIN REPO
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [plugin, repo] = process.argv.slice(2);
const mod = await import(pathToFileURL(plugin).href);
const sessionID = "ses_7c2e9d1aB3";
for (const make of Object.values(mod)) {
  const h = await make({ directory: repo, worktree: repo, project: { id: "p" }, client: {}, $: null });
  await h["chat.message"](
    { sessionID, agent: "build", model: { providerID: "anthropic", modelID: "claude-sonnet-4-5" }, messageID: "msg_1" },
    { message: { id: "msg_1", role: "user", sessionID }, parts: [{ type: "text", text: "Rename total to sum in billing.rs and run the tests" }] },
  );
  const edit = { filePath: `${repo}/billing.rs`, oldString: "fn total() {}", newString: "fn sum() {}" };
  await h["tool.execute.before"]({ tool: "edit", sessionID, callID: "toolu_e1" }, { args: edit });
  writeFileSync(`${repo}/billing.rs`, "fn sum() {}\n");
  await h["tool.execute.after"](
    { tool: "edit", sessionID, callID: "toolu_e1", args: edit },
    { title: "billing.rs", output: "", metadata: { diff: "-fn total() {}\n+fn sum() {}\n" } },
  );
  const grep = { command: "grep -rn sum .", description: "Find the callers" };
  await h["tool.execute.before"]({ tool: "bash", sessionID, callID: "toolu_b2" }, { args: grep });
  await h["tool.execute.after"](
    { tool: "bash", sessionID, callID: "toolu_b2", args: grep },
    { title: "grep -rn sum .", output: "./billing.rs:1:fn sum() {} // zebrafish\n", metadata: { exit: 0 } },
  );
  const test = { command: "cargo test", description: "Run the test suite" };
  await h["tool.execute.before"]({ tool: "bash", sessionID, callID: "toolu_b3" }, { args: test });
  await h.event({ event: { type: "message.part.updated", properties: { part: {
    id: "prt_3", sessionID, messageID: "msg_2", type: "tool", callID: "toolu_b3", tool: "bash",
    state: { status: "error", input: test, error: "error[E0425]: cannot find function `total` in this scope", time: { start: 1, end: 2 } },
  } } } });
  await h.event({ event: { type: "session.idle", properties: { sessionID } } });
  await h.event({ event: { type: "session.deleted", properties: { info: { id: sessionID } } } });
}
