// DevTrace's plugin for opencode: added by `devtrace agent install opencode`,
// removed by its --uninstall. Hands each prompt, tool call and session event
// to `devtrace agent hook opencode` (JSON on its standard input), in order,
// and never changes what opencode does.
import { spawnSync } from "node:child_process";

export const DevTrace = async ({ directory }) => {
  const send = (payload) => {
    try {
      spawnSync("devtrace", ["agent", "hook", "opencode"], {
        input: JSON.stringify({ cwd: directory, ...payload }),
        stdio: ["pipe", "ignore", "ignore"],
        timeout: 2000,
      });
    } catch {
      // Recording never gets in opencode's way.
    }
  };
  return {
    "chat.message": async (input, output) => {
      const text = (output.parts || [])
        .filter((p) => p.type === "text" && !p.synthetic)
        .map((p) => p.text)
        .join("\n");
      const model = input.model ? `${input.model.providerID}/${input.model.modelID}` : undefined;
      send({ hook_event_name: "chat.message", session_id: input.sessionID, prompt: text, model });
    },
    "tool.execute.before": async (input, output) => {
      send({
        hook_event_name: "tool.execute.before",
        session_id: input.sessionID,
        tool_name: input.tool,
        tool_use_id: input.callID,
        tool_input: output.args,
      });
    },
    "tool.execute.after": async (input, output) => {
      send({
        hook_event_name: "tool.execute.after",
        session_id: input.sessionID,
        tool_name: input.tool,
        tool_use_id: input.callID,
        tool_response: { output: output.output, title: output.title, metadata: output.metadata },
      });
    },
    event: async ({ event }) => {
      const p = event.properties || {};
      if (event.type === "message.part.updated" && p.part && p.part.type === "tool"
          && p.part.state && p.part.state.status === "error") {
        // A tool that threw: opencode runs no tool.execute.after for it.
        send({
          hook_event_name: "tool.execute.after",
          session_id: p.part.sessionID,
          tool_name: p.part.tool,
          tool_use_id: p.part.callID,
          error: String(p.part.state.error),
        });
      } else if (event.type === "session.idle") {
        send({ hook_event_name: "session.idle", session_id: p.sessionID });
      } else if (event.type === "session.deleted") {
        send({ hook_event_name: "session.deleted", session_id: p.info && p.info.id, reason: "deleted" });
      }
    },
  };
};
