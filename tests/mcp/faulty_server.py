"""An MCP server written with the official SDK, for driving rill's MCP client through its faults.

    python tests/mcp/faulty_server.py              # stdio
    python tests/mcp/faulty_server.py http PORT    # streamable HTTP on 127.0.0.1:PORT/mcp

Tools: `echo` (text), `header` (an HTTP request header, to check `headers`), `weather` (structured
content), `picture` (text, an image and a resource link), `broken` (an error result), `crash` (the
process dies mid-call), `hang` (never answers; writes "started" to its marker file, then "cancelled"
when the call is cancelled).
With FAULTY_FAIL_START=1 in the environment it writes a reason to stderr and exits before serving;
with FAULTY_START_GATE=PATH it waits for that file to exist before serving (a slow start, held by the test).
"""

from __future__ import annotations

import base64
import os
import sys
import time
from pathlib import Path

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ContentBlock, ImageContent, ResourceLink, TextContent

server = MCPServer("faulty")
PICTURE = bytes(range(256)) * 8  # 2048 bytes


@server.tool()
def echo(text: str) -> str:
    """Say the text back."""
    return f"echo: {text}"


@server.tool()
def header(name: str, ctx: Context) -> str:
    """The value of one HTTP header of this request ("" on stdio, or when it is not there)."""
    return (ctx.headers or {}).get(name.lower(), "")


@server.tool()
def weather(city: str) -> dict[str, object]:
    """The weather in a city, as structured content."""
    return {"city": city, "temperature_c": 21, "sky": "clear"}


@server.tool()
def picture() -> list[ContentBlock]:
    """A chart with a caption and a link to its data."""
    return [
        TextContent(text="Here is the chart."),
        ImageContent(data=base64.b64encode(PICTURE).decode(), mime_type="image/png"),
        ResourceLink(name="sales.csv", uri="file:///data/sales.csv", mime_type="text/csv", size=1234),
    ]


@server.tool()
def broken() -> str:
    """Always fails."""
    raise ToolError("the database is on fire")


@server.tool()
def crash() -> str:
    """Kills the server mid-call."""
    print("faulty: crashing on purpose", file=sys.stderr, flush=True)
    os._exit(3)


@server.tool()
async def hang(marker: str) -> str:
    """Never answers until cancelled."""
    Path(marker).write_text("started")
    try:
        await anyio.sleep(3600)
    except anyio.get_cancelled_exc_class():
        Path(marker).write_text("cancelled")
        raise
    return "woke up"


def main() -> None:
    print(f"faulty: starting pid={os.getpid()}", file=sys.stderr, flush=True)
    if os.environ.get("FAULTY_FAIL_START"):
        print("faulty: cannot open the database /nowhere/db.sqlite", file=sys.stderr, flush=True)
        sys.exit(1)
    gate = os.environ.get("FAULTY_START_GATE")
    while gate and not Path(gate).exists():
        time.sleep(0.05)
    if len(sys.argv) > 2 and sys.argv[1] == "http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()


if __name__ == "__main__":
    main()
