"""Drives server-everything (or server-filesystem) with the Python MCP SDK,
directly or through `devtrace mcp proxy`, and reports what the client saw.

Usage: proxy_client.py direct|proxy [everything|filesystem] > report.json
The server sends progress notifications, a sampling request (answered by
the callback below) and structured content; `get-env` returns the server's
environment, which holds a secret the test put there.
"""

import json
import os
import sys

import anyio
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client


def server_params(mode, which):
    repo = os.environ["DEVTRACE_REPO"]
    if which == "filesystem":
        server = [os.environ["DEVTRACE_NODE"], os.environ["DEVTRACE_FILESYSTEM"], repo]
    else:
        server = [os.environ["DEVTRACE_NODE"], os.environ["DEVTRACE_EVERYTHING"], "stdio"]
    if mode == "proxy":
        server = [os.environ["DEVTRACE_BIN"], "mcp", "proxy", "--name", which, "--"] + server
    return StdioServerParameters(
        command=server[0], args=server[1:], cwd=os.environ["DEVTRACE_REPO"], env=dict(os.environ)
    )


async def sampling(context, params):
    return types.CreateMessageResult(
        role="assistant",
        content=types.TextContent(type="text", text="sampled: 42"),
        model="test-model",
        stop_reason="endTurn",
    )


FS_CALLS = lambda repo: [
    ("list_allowed_directories", {}),
    ("list_directory", {"path": repo}),
    ("read_text_file", {"path": os.path.join(repo, "notes.txt")}),
    ("read_text_file", {"path": "/etc/passwd"}),
]

CALLS = [
    ("echo", {"message": "hello through the proxy"}),
    ("get-sum", {"a": 2, "b": 40}),
    ("get-structured-content", {"location": "Chicago"}),
    ("trigger-long-running-operation", {"duration": 0.3, "steps": 3}),
    ("trigger-sampling-request", {"prompt": "the answer?", "maxTokens": 5}),
    ("get-env", {}),
    ("get-sum", {"a": "not a number", "b": 1}),
]


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


async def main(mode, which):
    progress = []
    calls = FS_CALLS(os.environ["DEVTRACE_REPO"]) if which == "filesystem" else CALLS

    async def on_progress(p, total, message):
        progress.append([p, total])

    async with stdio_client(server_params(mode, which)) as (read, write):
        async with ClientSession(read, write, sampling_callback=sampling) as s:
            init = await s.initialize()
            tools = sorted(t.name for t in (await s.list_tools()).tools)
            results = []
            for name, args in calls:
                try:
                    r = dump(await s.call_tool(name, args, progress_callback=on_progress))
                    if name == "get-env":
                        # The order of an environment is the OS's, not the relay's.
                        text = r["content"][0]["text"]
                        r["content"][0]["text"] = json.dumps(json.loads(text), sort_keys=True)
                    results.append(r)
                except Exception as e:
                    results.append({"protocol_error": str(e)})
    return {
        "protocol_version": init.protocol_version,
        "tools": tools,
        "results": results,
        "progress": progress,
        "calls": [name for name, _ in calls],
    }


which = sys.argv[2] if len(sys.argv) > 2 else "everything"
print(json.dumps(anyio.run(main, sys.argv[1], which)))
