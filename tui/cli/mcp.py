"""`rill mcp list`: start each configured MCP server, show its state, its tools and its log file.

The servers are started as the app would start them (same config, same hub), so a server that fails
here fails there, and the line says why. Tools show the name the model sees, the readable name where
they differ (`server.tool` when names clash) and their policy; a `deny` tool is listed but not offered.
Exit status: 0 every enabled server started, 1 one or more did not, 2 bad usage or configuration.
Everything a server says (names, descriptions) is sanitized before it is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
from collections.abc import Sequence
from typing import Any

from tui.cli.output import emit, say
from tui.config import ConfigError, Settings, load_settings
from tui.mcp import McpHub, McpServer, offered_tools
from tui.mcp.tools import policy_for
from tui.stream.sanitize import one_line, safe_json
from tui.stream.secrets import redact


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rill mcp", description="MCP servers from the config's [mcp.servers.NAME].")
    commands = parser.add_subparsers(dest="command", metavar="list", required=True)
    listing = commands.add_parser("list", help="start each server and show its state, tools and log file")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--config", metavar="FILE", help="config file (TOML)")
    return parser


def run_mcp(argv: Sequence[str]) -> int:
    try:
        args = parser().parse_args(list(argv))
    except SystemExit as exit_:  # --help (0) or bad usage (2): argparse has printed why
        return int(exit_.code or 0)
    try:
        settings = load_settings(args.config)
    except (ConfigError, OSError) as exc:
        say(sys.stderr, str(exc))
        return 2
    if not settings.mcp.servers:
        where = settings.config_path or "the config file"
        return emit(
            f'No MCP servers configured: add [mcp.servers.NAME] with command = "..." or url = "..." to {where}.\n'
        )
    hub = McpHub(settings.mcp)
    hub.start()
    try:
        asyncio.run(hub.wait_started())
        report = [describe_server(server, builtin_names(settings), hub) for server in hub.servers.values()]
    finally:
        hub.close()
    out = io.StringIO()
    if args.json:
        out.write(redact(safe_json(report, indent=2)) + "\n")
    else:
        for entry in report:
            write_server(out, entry)
    status = emit(out.getvalue())
    failed = any(entry["state"] not in ("ready", "disabled") for entry in report)
    return status or (1 if failed else 0)


def builtin_names(settings: Settings) -> list[str]:
    """The names of the built-in tools the config switches on (an MCP tool of the same name clashes)."""
    from tui.builtin_tools import enabled_tools
    from tui.stream.tools import as_tool

    try:
        return [as_tool(function).name for function in enabled_tools(settings.tools)]
    except ValueError:
        return []


def describe_server(server: McpServer, taken: list[str], hub: McpHub) -> dict[str, Any]:
    offered = {(tool.server, tool.remote_name): tool for tool in offered_tools(hub, taken)}
    tools = []
    for tool in server.tools:
        mcp_tool = offered.get((server.name, tool.name))
        tools.append(
            {
                "name": mcp_tool.name if mcp_tool else None,  # None: denied, not offered to the model
                "label": mcp_tool.label if mcp_tool else tool.name,
                "policy": policy_for(server.settings, tool.name),
                "description": tool.description or "",
            }
        )
    known = {tool.name for tool in server.tools}
    return {
        "name": server.name,
        "transport": server.transport,
        "state": server.state,
        "error": server.error,
        "log": str(server.log_path),
        "policy": server.settings.policy,
        "timeout": server.settings.timeout,
        "tools": tools,
        "unknown_tools_in_config": sorted(set(server.settings.tools) - known) if server.state == "ready" else [],
    }


def write_server(out: io.StringIO, entry: dict[str, Any]) -> None:
    def clean(text: Any) -> str:
        return redact(one_line(str(text)))

    state = entry["state"]
    summary = f"{len(entry['tools'])} tools" if state == "ready" else (entry["error"] or "")
    out.write(f"{clean(entry['name'])}: {state}" + (f" - {clean(summary)}" if summary else "") + "\n")
    out.write(f"  runs:   {clean(entry['transport'])}\n")
    out.write(f"  log:    {clean(entry['log'])}\n")
    out.write(f"  policy: {entry['policy']}, each call at most {entry['timeout']:g} s\n")
    width = max((len(clean(t["label"])) for t in entry["tools"]), default=0)
    for tool in entry["tools"]:
        name = clean(tool["label"])
        shown = f"{name:{width}}  {tool['policy']:5}"
        if tool["name"] is None:
            shown += "  (not offered)"
        elif tool["name"] != tool["label"]:
            shown += f"  (the model sees {clean(tool['name'])})"
        description = clean(tool["description"])
        out.write(f"    {shown}  {description[:80]}".rstrip() + "\n")
    if entry["unknown_tools_in_config"]:
        names = ", ".join(clean(name) for name in entry["unknown_tools_in_config"])
        out.write(f"  note: the config sets a policy for tools this server does not have: {names}\n")
    out.write("\n")
