"""A stand-in for the OpenAI Responses API on loopback, so that the real
Codex CLI runs a whole turn offline: it answers a prompt with a shell call
that writes a file, then a shell call that fails, then an apply_patch edit,
then a last message, each streamed as Codex reads it (server-sent events).
Prints the port it listens on; logs each request's path to the file named
by its first argument."""
import json
from stand_in import LOG, StandIn, serve


PATCH = ("*** Begin Patch\n*** Update File: made.txt\n@@\n-hi\n+hello\n"
         "*** End Patch\n")


def reasoning(text):
    return {"type": "reasoning", "id": "rs", "summary": [{"type": "summary_text", "text": text}]}


def message(text):
    return {"type": "message", "role": "assistant", "id": "msg",
            "content": [{"type": "output_text", "text": text}]}


def shell(call_id, cmd):
    return {"type": "function_call", "call_id": call_id, "name": "exec_command",
            "arguments": json.dumps({"cmd": cmd})}


STEPS = [
    [reasoning("**Planning the change**\n\nThe file is written first."),
     message("I will write the file."),
     shell("call_write", "printf 'hi\\n' > made.txt")],
    [message("Now I check a file that is not there."),
     shell("call_ls", "ls no-such-file")],
    [message("Then I change the file."),
     {"type": "custom_tool_call", "call_id": "call_patch", "name": "apply_patch", "input": PATCH}],
    [message("Made the file; no-such-file is missing.")],
]


def answered(body):
    return sum(1 for item in body.get("input", [])
               if item.get("type") in ("function_call_output", "custom_tool_call_output"))


class Handler(StandIn):
    def do_POST(self):
        body = self.body()
        LOG.write(f"POST {self.path} {answered(body)}\n")
        if not self.path.endswith("/responses"):
            return self.missing()
        step = min(answered(body), len(STEPS) - 1)
        events = [{"type": "response.created", "response": {"id": f"resp_{step}"}}]
        for i, item in enumerate(STEPS[step]):
            item = dict(item, id=f"{item['id']}_{step}_{i}") if "id" in item else item
            events.append({"type": "response.output_item.done", "item": item})
        events.append({"type": "response.completed", "response": {
            "id": f"resp_{step}",
            "usage": {"input_tokens": 100, "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens": 10, "output_tokens_details": {"reasoning_tokens": 0},
                      "total_tokens": 110}}})
        data = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)
        self.send(200, "text/event-stream", data.encode())


serve(Handler)
