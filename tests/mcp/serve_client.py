"""Drives `devtrace mcp serve` with the Python MCP SDK, as an agent would.

Usage: serve_client.py MODE < calls.json > report.json
MODE is `legacy` (the initialize handshake, ClientSession over stdio_client)
or `modern` (mcp.Client pinned to 2026-07-28: server/discover, per-request
_meta). calls.json is a list of [tool, arguments]. The report says what the
client saw; the Rust test decides what is right. Schemas are checked here,
with the jsonschema package: every tool's input and output schema is a valid
JSON Schema, and every structured result matches its tool's outputSchema.
"""

import asyncio
import json
import os
import sys

import jsonschema
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def server_params():
    return StdioServerParameters(
        command=os.environ["DEVTRACE_BIN"],
        args=["mcp", "serve"],
        cwd=os.environ["DEVTRACE_REPO"],
        env=dict(os.environ),
    )


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def check_tools(tools):
    out = []
    for t in tools:
        d = dump(t)
        jsonschema.Draft202012Validator.check_schema(d["inputSchema"])
        jsonschema.Draft202012Validator.check_schema(d["outputSchema"])
        out.append(d)
    return out


def call_report(result, schema):
    d = dump(result)
    texts = [c.get("text", "") for c in d.get("content", []) if c.get("type") == "text"]
    report = {"is_error": bool(d.get("isError")), "text": "\n".join(texts)}
    if "structuredContent" in d:
        report["structured"] = d["structuredContent"]
        jsonschema.validate(d["structuredContent"], schema)
        report["text_is_structured"] = json.loads(report["text"]) == d["structuredContent"]
    return report


def resolve(args, results):
    """`"$N.key"` in an argument: `key` of call N's structured result."""
    out = {}
    for k, v in args.items():
        if isinstance(v, str) and v.startswith("$"):
            n, key = v[1:].split(".", 1)
            v = results[int(n)]["structured"][key]
        out[k] = v
    return out


async def run_calls(call, tools, calls):
    schemas = {t["name"]: t["outputSchema"] for t in tools}
    results = []
    for name, args in calls:
        args = resolve(args, results)
        try:
            result = await call(name, args)
            results.append(call_report(result, schemas.get(name, {})))
        except Exception as e:  # a protocol error: the report says so
            results.append({"protocol_error": repr(e)})
    return results


async def legacy(calls):
    async with stdio_client(server_params()) as (read, write):
        async with ClientSession(read, write) as s:
            init = await s.initialize()
            tools = check_tools((await s.list_tools()).tools)
            resources = [dump(r) for r in (await s.list_resources()).resources]
            read_back = None
            if resources:
                read_back = dump(await s.read_resource(resources[0]["uri"]))
            results = await run_calls(s.call_tool, tools, calls)
            # The server keeps serving after bad calls.
            await s.send_ping()
            return {
                "protocol_version": init.protocol_version,
                "server_name": init.server_info.name,
                "instructions": init.instructions,
                "tools": tools,
                "resources": resources,
                "resource_read": read_back,
                "results": results,
            }


async def modern(calls):
    from mcp import Client

    async with Client(server_params(), mode="auto") as c:
        tools = check_tools((await c.list_tools()).tools)
        results = await run_calls(c.call_tool, tools, calls)
        return {
            "protocol_version": c.protocol_version,
            "tools": tools,
            "results": results,
        }


def main():
    mode = sys.argv[1]
    calls = json.load(sys.stdin)
    run = legacy if mode == "legacy" else modern
    report = asyncio.run(run(calls))
    json.dump(report, sys.stdout)


main()
