"""A tool that touches the filesystem asks first (allow once / always / deny) and the pane shows it."""

from __future__ import annotations

from tests.app.chat_helpers import make_app, send, wait_finished, wait_for
from tui.builtin_tools import enabled_tools
from tui.config import ToolSettings
from tui.stream import StreamEvent, StreamEventType
from tui.stream.providers.base import Provider
from tui.stream.providers.scripted import ScriptedProvider


def read_file_app(root):
    (root / "notes.txt").write_text("secret plans", encoding="utf-8")
    tools = enabled_tools(ToolSettings(read_file=True, read_file_root=str(root)))
    calls = [{"name": "read_file", "arguments": {"path": "notes.txt"}}]
    return make_app(ScriptedProvider(rate=0, tool_calls=calls, thinking=None), tools=tools)


async def answer_the_modal(pilot, app, key: str):
    """Ask for the file, answer the confirmation modal with `key`, return the tool's row."""
    await send(pilot, app, "read my notes")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmToolScreen", what="the confirm modal")
    await pilot.press(key)
    await wait_finished(pilot, app)
    return list(app.chat.tools.rows.values())[0]


async def test_allow_once_runs_the_tool(tmp_path):
    app = read_file_app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        row = await answer_the_modal(pilot, app, "o")
        assert row.name == "read_file" and row.status == "done"
        assert "secret plans" in row.result


async def test_deny_keeps_the_file_closed(tmp_path):
    app = read_file_app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        row = await answer_the_modal(pilot, app, "d")
        assert "secret plans" not in (row.result or "")
        assert "denied" in (row.result or "").lower()
        # enter on the row opens the call in full
        app.chat.tools.table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ToolDetailScreen", what="the detail view")
        assert app.screen.row.result == row.result


class TwoRoundsOfOneTool(Provider):
    """Round 1 calls `current_time` as call #0; after its result, round 2 calls it again as call #0."""

    name = "two-rounds"
    default_model = "two-rounds-1"

    async def stream(self, request, control=None):
        yield StreamEvent(StreamEventType.START, metadata={"provider": self.name, "model": self.model})
        if request.messages[-1].role == "tool" and len([m for m in request.messages if m.role == "tool"]) >= 2:
            yield StreamEvent(StreamEventType.DELTA, "Both times agree.")
            yield StreamEvent(StreamEventType.END, metadata={"complete": True})
            return
        call_id = f"call-{len(request.messages)}"
        yield StreamEvent(StreamEventType.TOOL_CALL_START, index=0, metadata={"id": call_id, "name": "current_time"})
        yield StreamEvent(
            StreamEventType.TOOL_CALL,
            index=0,
            metadata={"id": call_id, "name": "current_time", "arguments": {}, "arguments_raw": "{}"},
        )
        yield StreamEvent(StreamEventType.METADATA, metadata={"stop_reason": "tool_calls"})
        yield StreamEvent(StreamEventType.END, metadata={"complete": True})


async def test_each_round_of_tool_calls_gets_its_own_rows():
    """Two rounds that both use call index 0: the pane must show two rows, not one overwritten."""
    app = make_app(TwoRoundsOfOneTool(), tools=enabled_tools(ToolSettings(time=True)))
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, app, "what time is it, twice")
        await wait_finished(pilot, app)
        rows = list(app.chat.tools.rows.values())
        assert len(rows) == 2 and len({row.key for row in rows}) == 2
        assert [row.status for row in rows] == ["done", "done"]
        assert app.chat.tools.table.row_count == 2
