"""MCP (Model Context Protocol) servers' tools for rill, through the official `mcp` SDK.

    tui/mcp/hub.py      McpHub: the configured servers, started in the background, called, stopped
    tui/mcp/tools.py    McpTool: a server's tool as a `tui.stream.tools.Tool`; names and policy
    tui/mcp/results.py  an MCP tool result as the text the model, the tool pane and history get
    tui/mcp/listing.py  `rill mcp list`

The config is `[mcp.servers.NAME]` (tui/config.py: `McpSettings`, `McpServerSettings`).
"""

from tui.mcp.hub import McpHub, McpServer
from tui.mcp.tools import McpTool, mcp_tools, offered_tools

__all__ = ["McpHub", "McpServer", "McpTool", "mcp_tools", "offered_tools"]
