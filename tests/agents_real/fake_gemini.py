"""A stand-in for the Gemini API on loopback, so that the real Gemini CLI
runs a whole turn offline: it answers a prompt with a shell call that
writes a file, then a shell call that fails, then a last message. Prints
the port it listens on; logs each request's path to the file named by its
first argument."""
import json
from stand_in import LOG, StandIn, serve


STEPS = [
    [
        {"text": "**Planning the change**\n\nThe file is written first.", "thought": True},
        {"text": "I will write the file."},
        {"functionCall": {"name": "run_shell_command",
                          "args": {"command": "printf 'hi\\n' > made.txt",
                                   "description": "Write the file"}}},
    ],
    [
        {"text": "Now I check a file that is not there."},
        {"functionCall": {"name": "run_shell_command",
                          "args": {"command": "ls no-such-file",
                                   "description": "Look for the missing file"}}},
    ],
    [{"text": "Made the file; no-such-file is missing."}],
]


def answered(body):
    return sum(1 for c in body.get("contents", []) for p in c.get("parts", [])
               if "functionResponse" in p)


class Handler(StandIn):
    def do_POST(self):
        body = self.body()
        LOG.write(f"POST {self.path}\n")
        if ":countTokens" in self.path:
            return self.send(200, "application/json", b'{"totalTokens": 10}')
        if ":generateContent" not in self.path and ":streamGenerateContent" not in self.path:
            return self.missing()
        config = body.get("generationConfig", {})
        if config.get("responseJsonSchema") or config.get("responseSchema"):
            # Gemini's own helpers (routing, next speaker): a plain choice.
            parts = [{"text": json.dumps({"reasoning": "plain", "next_speaker": "user",
                                          "model_choice": "pro", "complexity_reasoning": "plain",
                                          "complexity_score": 1})}]
        else:
            parts = STEPS[min(answered(body), len(STEPS) - 1)]
        answer = {
            "candidates": [{"content": {"role": "model", "parts": parts},
                            "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 10,
                              "totalTokenCount": 110},
            "modelVersion": "gemini-fake",
        }
        if ":streamGenerateContent" in self.path:
            return self.send(200, "text/event-stream",
                             f"data: {json.dumps(answer)}\r\n\r\n".encode())
        self.send(200, "application/json", json.dumps(answer).encode())


serve(Handler)
