"""A stand-in for the OpenAI Responses API on loopback, so that the real
Codex CLI spawns a subagent offline (multi-agent v2, its `collaboration`
tools): the root thread hands a file to a worker (`spawn_agent`, no
history passed on), waits for it (`wait_agent`) and answers; the worker,
whose requests offer no `spawn_agent` (one level deep), writes the file
with a shell call and answers. Prints the port it listens on; logs each
request's path, whose it is and how many calls it answers to the file named
by its first argument."""
import json
from stand_in import LOG, StandIn, serve



def message(text):
    return {"type": "message", "role": "assistant", "id": "msg",
            "content": [{"type": "output_text", "text": text}]}


def call(call_id, name, args, namespace=None):
    item = {"type": "function_call", "call_id": call_id, "name": name,
            "arguments": json.dumps(args)}
    if namespace:
        item["namespace"] = namespace
    return item


ROOT = [
    [message("I hand the file to a worker."),
     call("call_spawn", "spawn_agent",
          {"message": "Write child.txt", "task_name": "scribe", "fork_turns": "none"},
          "collaboration")],
    [call("call_wait", "wait_agent", {"timeout_ms": 30000}, "collaboration")],
    [message("The worker wrote child.txt.")],
]

WORKER = [
    [message("I write the file."),
     call("call_child", "exec_command", {"cmd": "printf 'from the worker\\n' > child.txt"})],
    [message("Wrote child.txt.")],
]


def can_spawn(body):
    return any(t.get("name") == "collaboration" for t in body.get("tools", []))


def answered(body):
    return sum(1 for item in body.get("input", [])
               if item.get("type") in ("function_call_output", "custom_tool_call_output"))


class Handler(StandIn):
    def do_POST(self):
        body = self.body()
        who, steps = ("root", ROOT) if can_spawn(body) else ("worker", WORKER)
        LOG.write(f"POST {self.path} {who} {answered(body)}\n")
        if not self.path.endswith("/responses"):
            return self.missing()
        step = min(answered(body), len(steps) - 1)
        rid = f"resp_{who}_{step}"
        events = [{"type": "response.created", "response": {"id": rid}}]
        for i, item in enumerate(steps[step]):
            item = dict(item, id=f"{item['id']}_{who}_{step}_{i}") if "id" in item else item
            events.append({"type": "response.output_item.done", "item": item})
        events.append({"type": "response.completed", "response": {
            "id": rid,
            "usage": {"input_tokens": 100, "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens": 10, "output_tokens_details": {"reasoning_tokens": 0},
                      "total_tokens": 110}}})
        data = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)
        self.send(200, "text/event-stream", data.encode())


serve(Handler)
