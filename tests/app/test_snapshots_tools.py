"""How the tool pane and a call's detail view look, pinned: built-in style rows running, done and
failed (long values ending in "…"), and the detail view at 80x24, of a finished call with a long JSON
result and of a call still running. The app's clock moves only when a tool pretends to work, so the
durations and the stats bar are fixed.

Review the SVGs under __snapshots__ when they change: each must show what its name says.
"""

from __future__ import annotations

import asyncio
import json

from tests.app.chat_helpers import make_app, send, wait_for
from tests.app.test_tool_pane import LONG_PATH, FakeClock, find, open_detail
from tui.stream.providers.scripted import ScriptedProvider

CALLS = [
    {"name": "add", "arguments": {"a": 2, "b": 40}},
    {"name": "read_notes", "arguments": {"path": LONG_PATH}},
    {"name": "find", "arguments": {"path": LONG_PATH}},
    {"name": "find_slowly", "arguments": {"path": LONG_PATH, "pattern": "[bold]TODO[/bold]"}},
]


def pane_app():
    """Four calls in one round: add (done, 12 ms), read_notes (failed after 1.5 s), find (done, a long
    JSON result) and find_slowly (running until the app closes)."""
    clock = FakeClock()
    never = asyncio.Event()

    def add(a: int, b: int) -> int:
        """Add two integers."""
        clock.now += 0.012
        return a + b

    def read_notes(path: str) -> str:
        """Read a notes file."""
        clock.now += 1.5
        raise FileNotFoundError(f"no such file: {path}")

    async def find_slowly(path: str, pattern: str) -> str:
        """Search files for a pattern."""
        await never.wait()
        return ""

    provider = ScriptedProvider(rate=0, thinking=None, tool_calls=CALLS)
    return make_app(provider, tools=[add, read_notes, find, find_slowly], clock=clock)


async def three_done_one_running(pilot):
    app = pilot.app
    await send(pilot, app, "look through my notes")
    statuses = ["done", "failed", "done", "running"]
    shown = lambda: [row.status for row in app.chat.tools.rows.values()]  # noqa: E731
    await wait_for(pilot, lambda: shown() == statuses, what="three calls done, one running")
    await wait_for(pilot, lambda: app.chat.stats_view.elapsed_ms > 1500, what="the stats after the tools' time")
    await pilot.pause()


def test_tool_pane_running_done_failed(snap_compare):
    assert snap_compare(pane_app(), terminal_size=(140, 40), run_before=three_done_one_running)


def test_tool_pane_at_80x24(snap_compare):
    assert snap_compare(pane_app(), terminal_size=(80, 24), run_before=three_done_one_running)


def test_tool_detail_of_a_long_json_result_at_80x24(snap_compare):
    async def run_before(pilot):
        await three_done_one_running(pilot)
        screen = await open_detail(pilot, pilot.app, row_number=2)
        assert json.loads(screen.row.result) == json.loads(find(LONG_PATH))

    assert snap_compare(pane_app(), terminal_size=(80, 24), run_before=run_before)


def test_tool_detail_of_a_running_call_at_80x24(snap_compare):
    async def run_before(pilot):
        await three_done_one_running(pilot)
        await open_detail(pilot, pilot.app, row_number=3)

    assert snap_compare(pane_app(), terminal_size=(80, 24), run_before=run_before)
