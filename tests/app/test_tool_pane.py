"""The tool pane you can read: cells that end in "…" instead of being cut, a detail view with the full
arguments and result (enter or one click; scrolls; copies; follows a running call live), and
durations that leave out the time the person took to answer the confirmation."""

from __future__ import annotations

import asyncio
import html
import json
import re

from tests.app.chat_helpers import make_app, send, wait_finished, wait_for
from tui.app.screens.confirm_tool import ConfirmToolScreen
from tui.app.screens.tool_detail import ToolDetailScreen
from tui.app.tool_rows import pretty_json
from tui.app.widgets.literal_view import LiteralView
from tui.app.widgets.tool_table import COLUMNS, PADDING, cells, fit_widths
from tui.builtin_tools import calculator
from tui.stream import StreamState, Tool
from tui.stream.providers.scripted import ScriptedProvider


class FakeClock:
    """The app's clock, moved only by the test (and by tools that pretend to work)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


LONG_PATH = "/srv/projects/rill/docs/a-rather-long-directory-name/and-a-file-name-that-goes-on.md"
RECORDS = [{"id": n, "title": f"[bold]record {n}[/bold]", "tags": ["a", "b"]} for n in range(60)]


def find(path: str) -> str:
    """Find records under a path."""
    return json.dumps({"path": path, "records": RECORDS})


def calls(*pairs):
    return [{"name": name, "arguments": arguments} for name, arguments in pairs]


def find_app(**kwargs):
    provider = ScriptedProvider(rate=0, thinking=None, tool_calls=calls(("find", {"path": LONG_PATH})))
    return make_app(provider, tools=[find], **kwargs)


async def open_detail(pilot, app, row_number: int = 0) -> ToolDetailScreen:
    table = app.chat.tools.table
    table.focus()
    table.move_cursor(row=row_number)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ToolDetailScreen), what="the detail view")
    await pilot.pause()
    return app.screen


def shown(screen: ToolDetailScreen) -> str:
    """The detail's body as text: "arguments", the arguments, a blank line, "result", the result."""
    return screen.query_one(LiteralView).plain


def sections(screen: ToolDetailScreen) -> tuple[str, str]:
    label, rest = shown(screen).split("\n", 1)
    arguments, result = rest.split("\n\nresult\n", 1)
    assert label == "arguments"
    return arguments, result


# -- cells that fit -------------------------------------------------------------------------------
def test_cells_fit_every_width_and_end_in_an_ellipsis_when_shortened():
    values = [
        ("current_time", "done", "12 ms", "2026-12-01T10:00:00+00:00", "{}"),
        ("find", "running", "", "", json.dumps({"path": LONG_PATH})),
        ("a_tool_with_a_really_long_name_indeed", "failed", "1.5 s", "ValueError: no such record", '{"n": 1}'),
    ]
    for width in range(30, 160):
        widths = fit_widths(values, width)
        assert sum(w + PADDING for w in widths if w) <= width
        assert widths[1] == len("running") and widths[3] >= 1  # status never shortened; a result always shows
        shown_columns = [(i, w) for i, w in enumerate(widths) if w]
        for row in values:
            for (column, width_of), cell in zip(shown_columns, cells(row, widths), strict=True):
                full = row[column]
                assert len(cell.plain) <= width_of
                if cell.plain != full:  # shortened: a prefix and "…", never a value cut mid-way silently
                    assert cell.plain.endswith("…") and full.startswith(cell.plain[:-1])


def test_json_is_indented_and_anything_else_kept_as_it_is():
    assert pretty_json('{"a": [1, "x"]}') == '{\n  "a": [\n    1,\n    "x"\n  ]\n}'
    assert pretty_json("2026-12-01T10:00:00") is None and pretty_json("[bold]x[/bold]") is None
    assert pretty_json("[" * 100_000 + "]" * 100_000) is None  # too deep to parse: shown as text, no crash


async def test_the_pane_shows_ellipsized_cells_at_80x24_and_wide():
    for size in ((80, 24), (140, 40)):
        app = find_app()
        async with app.run_test(size=size) as pilot:
            await send(pilot, app, "find my docs")
            await wait_finished(pilot, app)
            table = app.chat.tools.table
            row = list(app.chat.tools.rows.values())[0]
            result_cell = table.get_row(row.key)[COLUMNS.index("result")]
            assert result_cell.plain.endswith("…") and row.result.startswith(result_cell.plain[:-1])
            used = sum(column.width + PADDING for column in table.columns.values())
            assert used <= table.size.width  # nothing hangs off the pane's edge


# -- the detail view ------------------------------------------------------------------------------
async def test_enter_opens_the_full_arguments_and_result_pretty_printed_and_literal():
    app = find_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, app, "find my docs")
        await wait_finished(pilot, app)
        screen = await open_detail(pilot, app)
        arguments, result = sections(screen)
        assert arguments == json.dumps({"path": LONG_PATH}, indent=2)  # whole, indented
        assert result == json.dumps(json.loads(find(LONG_PATH)), indent=2)  # JSON text pretty-printed
        assert '"title": "[bold]record 59[/bold]"' in result  # markup stays text, to the last record
        body = screen.query_one("#tool-detail-body")
        assert body.max_scroll_y > 0 and body.scroll_y == 0  # long: it scrolls, it is not cut
        await pilot.press("end")
        await wait_for(pilot, lambda: body.scroll_y == body.max_scroll_y, what="the end of the result")
        assert '"title": "[bold]record 59[/bold]"' in screen_text(app)  # on screen, scrolled to the end
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ToolDetailScreen), what="the view to close")


def screen_text(app) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", app.export_screenshot())).replace("\xa0", " ")


async def test_a_plain_text_result_is_wrapped_whole_and_shown_literally():
    line = "[red]not markup[/red] 漢字のテキスト " + " ".join(f"w{n}" for n in range(150)) + " THE-END"

    def say() -> str:
        """Say a long line."""
        return line + "\n\tindented"

    provider = ScriptedProvider(rate=0, thinking=None, tool_calls=calls(("say", {})))
    app = make_app(provider, tools=[say])
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, app, "say it")
        await wait_finished(pilot, app)
        screen = await open_detail(pilot, app)
        assert sections(screen)[1] == line + "\n    indented"  # not JSON: as it is (a tab as spaces)
        text = screen_text(app)
        assert "[red]not markup[/red] 漢字のテキスト w0 w1" in text  # literal, wide characters kept
        assert "THE-END" in text and "    indented" in text  # wrapped, not cut: the end of the line shows


async def test_one_click_on_a_row_opens_it():
    provider = ScriptedProvider(
        rate=0, thinking=None, tool_calls=calls(("calculator", {"expression": "6 * 7"}), ("find", {"path": "/x"}))
    )
    app = make_app(provider, tools=[calculator, find])
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, app, "two tools")
        await wait_finished(pilot, app)
        table = app.chat.tools.table
        assert table.cursor_row == 0
        await pilot.click(table, offset=(2, 2))  # the second row (the header is line 0)
        await wait_for(pilot, lambda: isinstance(app.screen, ToolDetailScreen), what="the detail view")
        assert app.screen.row.name == "find"


async def test_copy_keys_copy_the_result_and_the_arguments():
    app = find_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, app, "find my docs")
        await wait_finished(pilot, app)
        await open_detail(pilot, app)
        await pilot.press("y")
        assert app.clipboard == find(LONG_PATH)
        await pilot.press("a")
        assert json.loads(app.clipboard) == {"path": LONG_PATH}
        assert isinstance(app.screen, ToolDetailScreen)  # copying does not close it


async def test_the_detail_of_a_running_call_follows_it_live():
    release = asyncio.Event()
    loop: list[asyncio.AbstractEventLoop] = []

    async def slow_lookup(key: str) -> str:
        """Look a key up, slowly."""
        loop.append(asyncio.get_running_loop())
        await release.wait()
        return json.dumps({"key": key, "value": 42})

    provider = ScriptedProvider(rate=0, thinking=None, tool_calls=calls(("slow_lookup", {"key": "answer"})))
    app = make_app(provider, tools=[slow_lookup])
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, app, "look it up")
        await wait_for(pilot, lambda: bool(loop), what="the tool to start")
        await wait_for(pilot, lambda: bool(app.chat.tools.rows), what="the row")
        screen = await open_detail(pilot, app)
        assert screen.row.status == "running" and "running" in sections(screen)[1]
        await pilot.press("escape")  # closes the view; it does not cancel the stream (escape's other job)
        await wait_for(pilot, lambda: not isinstance(app.screen, ToolDetailScreen), what="the view to close")
        assert app.chat.active is not None and app.chat.stats_view.state is not StreamState.CANCELLED
        screen = await open_detail(pilot, app)
        loop[0].call_soon_threadsafe(release.set)  # the worker's loop runs the tool
        await wait_for(pilot, lambda: screen.row.status == "done", what="the result to arrive in the open view")
        assert json.loads(sections(screen)[1]) == {"key": "answer", "value": 42}
        assert app.screen is screen


# -- durations ------------------------------------------------------------------------------------
async def test_a_tools_duration_leaves_out_the_confirmation_wait():
    clock = FakeClock()

    def lookup(key: str) -> str:
        """Look a key up (asks first)."""
        clock.now += 0.25  # the tool's own work: a quarter of a second on the app's clock
        return f"value of {key}"

    tool = Tool(lookup, requires_confirmation=True)
    provider = ScriptedProvider(rate=0, thinking=None, tool_calls=calls(("lookup", {"key": "k"})))
    app = make_app(provider, tools=[tool], clock=clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, app, "look it up")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmToolScreen), what="the confirmation")
        for _ in range(60):  # the person reads the arguments for a minute of the app's clock
            clock.now += 1.0
            await pilot.pause()
        assert isinstance(app.screen, ConfirmToolScreen)
        await pilot.press("o")
        await wait_finished(pilot, app)
        row = list(app.chat.tools.rows.values())[0]
        assert row.status == "done" and row.duration_ms == 250.0
        assert app.chat.tools.table.get_row(row.key)[COLUMNS.index("time")].plain == "250 ms"


async def test_a_denied_call_has_no_duration():
    clock = FakeClock()

    def lookup(key: str) -> str:
        """Look a key up (asks first)."""
        return key

    provider = ScriptedProvider(rate=0, thinking=None, tool_calls=calls(("lookup", {"key": "k"})))
    app = make_app(provider, tools=[Tool(lookup, requires_confirmation=True)], clock=clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, app, "look it up")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmToolScreen), what="the confirmation")
        clock.now += 30
        await pilot.press("d")
        await wait_finished(pilot, app)
        row = list(app.chat.tools.rows.values())[0]
        assert row.status == "failed" and row.duration_ms is None
