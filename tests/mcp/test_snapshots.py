"""How an MCP tool's confirmation looks: the tool's readable name, its server, the four answers (80x24)."""

from __future__ import annotations

from tests.app.chat_helpers import wait_for
from tests.app.screen_host import ScreenHost
from tui.app.screens.confirm_tool import ConfirmToolScreen


def test_mcp_tool_confirmation_at_80x24(snap_compare):
    app = ScreenHost(
        lambda: ConfirmToolScreen("time.get_current_time", {"timezone": "Europe/Paris"}, "MCP server time")
    )

    async def shown(pilot):
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmToolScreen))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=shown)
