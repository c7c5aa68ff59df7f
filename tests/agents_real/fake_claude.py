"""A stand-in for the Anthropic Messages API on loopback, so that the real
Claude Code runs a whole turn offline: it answers a prompt with a Bash call
that writes a file, then a Bash call that fails, then a Write of a new
file, then a last message, each streamed as Claude Code reads it
(server-sent events). Prints the port it listens on; logs each request to
the file named by its first argument. Its second names the directory the
Write goes to (Claude Code takes absolute paths only)."""
import json
import os
import sys
from stand_in import LOG, StandIn, serve

NOTES = os.path.join(sys.argv[2], "notes.txt")


def text(t):
    return {"type": "text", "text": t}


def tool(call_id, name, args):
    return {"type": "tool_use", "id": call_id, "name": name, "input": args}


STEPS = [
    [text("I will write the file."),
     tool("toolu_write", "Bash", {"command": "printf 'hi\\n' > made.txt",
                                  "description": "Write the file"})],
    [text("Now I check a file that is not there."),
     tool("toolu_ls", "Bash", {"command": "ls no-such-file",
                               "description": "Look for the missing file"})],
    [text("Then I write the notes."),
     tool("toolu_notes", "Write", {"file_path": NOTES, "content": "made.txt says hi\n"})],
    [text("Made the file and the notes; no-such-file is missing.")],
]


def answered(body):
    return sum(1 for m in body.get("messages", []) if isinstance(m.get("content"), list)
               for b in m["content"] if b.get("type") == "tool_result")


def stream(step, blocks, stop, model):
    events = [{"type": "message_start", "message": {
        "id": f"msg_{step}", "type": "message", "role": "assistant", "model": model,
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 100, "output_tokens": 1}}}]
    for i, b in enumerate(blocks):
        if b["type"] == "text":
            events.append({"type": "content_block_start", "index": i,
                           "content_block": {"type": "text", "text": ""}})
            events.append({"type": "content_block_delta", "index": i,
                           "delta": {"type": "text_delta", "text": b["text"]}})
        else:
            events.append({"type": "content_block_start", "index": i,
                           "content_block": dict(b, input={})})
            events.append({"type": "content_block_delta", "index": i,
                           "delta": {"type": "input_json_delta",
                                     "partial_json": json.dumps(b["input"])}})
        events.append({"type": "content_block_stop", "index": i})
    events.append({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                   "usage": {"output_tokens": 10}})
    events.append({"type": "message_stop"})
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)


class Handler(StandIn):
    MISSING = ("application/json", b"{}")

    def do_POST(self):
        body = self.body()
        LOG.write(f"POST {self.path} {body.get('model')} tools={len(body.get('tools', []))} "
                  f"answered={answered(body)}\n")
        if "/count_tokens" in self.path:
            return self.send(200, "application/json", b'{"input_tokens": 10}')
        if not self.path.startswith("/v1/messages"):
            return self.missing()
        step = min(answered(body), len(STEPS) - 1)
        if body.get("tools"):
            blocks = STEPS[step]
        else:
            # Claude Code's own helpers (titles and the like): plain text.
            step, blocks = "helper", [text("Stand-in")]
        stop = "tool_use" if blocks[-1]["type"] == "tool_use" else "end_turn"
        model = body.get("model") or "claude"
        if body.get("stream"):
            return self.send(200, "text/event-stream", stream(step, blocks, stop, model).encode())
        message = {"id": f"msg_{step}", "type": "message", "role": "assistant", "model": model,
                   "content": blocks, "stop_reason": stop, "stop_sequence": None,
                   "usage": {"input_tokens": 100, "output_tokens": 10}}
        self.send(200, "application/json", json.dumps(message).encode())


serve(Handler)
