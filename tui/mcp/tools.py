"""MCP tools as `tui.stream.tools.Tool`s: the names the model sees, the policy, the call.

Names. A tool keeps its own name when no other tool (built-in or from another server) has it and the
providers accept it (`TOOL_NAME`: letters, digits, `_` and `-`, at most 64; OpenAI and Anthropic
refuse dots). Where names clash, each MCP tool of that name is shown as `server.tool`, and sent to
the model as `server__tool` (any other character becomes `_`; a name too long is cut and given a
short hash so it stays unique). `label` is the readable name for the tool pane, the confirmation and
`rill mcp list`; `name` is the one on the wire and in history.

Policy. `[mcp.servers.NAME.tools] TOOL = "..."` if set, else the server's `policy`, else `ask`:
`ask` tools need the person's consent for each call (or "allow for this conversation"), `allow`
tools run at once, `deny` tools are not offered to the model at all.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import mcp_types

from tui.config import McpServerSettings, Policy
from tui.mcp.hub import McpHub, McpServer
from tui.stream.tools import TOOL_NAME, Tool, ToolResult, clean_schema

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def policy_for(settings: McpServerSettings, tool: str) -> Policy:
    return settings.tools.get(tool, settings.policy)


class McpTool(Tool):
    """One tool of one MCP server, run by the hub. Behaves like any `Tool` in a tool round."""

    def __init__(
        self, hub: McpHub, server: McpServer, remote: mcp_types.Tool, *, name: str, label: str, policy: Policy
    ) -> None:  # no super().__init__: the schema comes from the server, not from a Python signature
        self.hub = hub
        self.server = server.name
        self.remote_name = remote.name
        self.name = name
        self.label = label
        self.source = f"MCP server {server.name}"
        self.description = remote.description or remote.title or ""
        self.parameters = clean_schema(dict(remote.input_schema or {}))
        self.policy = policy
        self.requires_confirmation = policy == "ask"
        self.timeout = server.settings.timeout
        self.function = self.run
        self.is_async = True

    def __repr__(self) -> str:
        return f"McpTool({self.label!r} from {self.server!r})"

    async def run(self, arguments: dict[str, Any] | None) -> ToolResult:
        return await self.hub.call(self.server, self.remote_name, dict(arguments or {}), self.timeout)


def wire_names(taken: Iterable[str], offered: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """(server, tool) -> (name for the model, readable label), for the tools `offered`, next to the
    tools already named `taken` (the built-in ones)."""
    used = set(taken)
    counts = Counter(used)
    counts.update(tool for _, tool in set(offered))
    names: dict[tuple[str, str], tuple[str, str]] = {}
    for server, tool in offered:
        if counts[tool] == 1:
            label = tool
            wire = tool if TOOL_NAME.match(tool) and tool not in used else _safe(tool, used)
        else:
            label = f"{server}.{tool}"
            wire = _safe(f"{server}__{tool}", used)
        used.add(wire)
        names[(server, tool)] = (wire, label)
    return names


def _safe(text: str, used: set[str]) -> str:
    wire = _UNSAFE.sub("_", text) or "tool"
    if len(wire) > 64 or wire in used:
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()
        wire = f"{wire[:55]}_{digest[:8]}"
        number = 1
        while wire in used:
            number += 1
            wire = f"{wire[:52]}_{digest[:8]}{number}"
    return wire


def offered_tools(hub: McpHub, taken: Iterable[str] = ()) -> list[McpTool]:
    """The tools of every ready server that the policy does not deny, named next to `taken`."""
    allowed = [
        (server, tool)
        for server in hub.servers.values()
        if server.state == "ready"
        for tool in server.tools
        if policy_for(server.settings, tool.name) != "deny"
    ]
    names = wire_names(taken, [(server.name, tool.name) for server, tool in allowed])
    tools = []
    for server, tool in allowed:
        wire, label = names[(server.name, tool.name)]
        tools.append(McpTool(hub, server, tool, name=wire, label=label, policy=policy_for(server.settings, tool.name)))
    return tools


async def mcp_tools(hub: McpHub, taken: Iterable[str] = ()) -> list[McpTool]:
    """Once no server is still starting: the tools to offer (see `offered_tools`). From any loop."""
    await hub.wait_started()
    return offered_tools(hub, taken)
