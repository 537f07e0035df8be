"""The tool pane's table: one row per call, its columns sized to the pane, every cell ellipsized.

A value that does not fit its column ends in "…" (a timestamp is never shown cut as "2026-12-01T",
nor arguments as `{"pat`); the full values are in the detail view. The columns are fitted to the
table's width each time the rows or the width change: status and time keep their natural width, the
name takes what it needs up to a cap, and result and arguments share the rest (the arguments give
way first in a narrow pane). One click on a row selects it (a plain DataTable needs two). All cell
text is plain `Text`: a tool's output is never read as markup.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import DataTable

from tui.app.updates import ToolRow
from tui.stream.sanitize import one_line

COLUMNS = ("tool", "status", "time", "result", "arguments")
STATUS_STYLE = {"running": "yellow", "done": "green", "failed": "red", "aborted": "magenta", "not run": "dim"}
PADDING = 2  # a DataTable cell's padding, one column each side
NAME_CAP = 20  # the name column never takes more than this while result/arguments need room
MIN_VALUE = 8  # below this a result/arguments column says too little to be worth its place
CELL_SOURCE = 2000  # characters of a value read for its cell: far more than any pane is wide
SCROLLBAR = 1  # kept free for the vertical scrollbar (styles: scrollbar-size-vertical: 1)


def format_duration(ms: float | None) -> str:
    if ms is None:
        return ""
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def row_values(row: ToolRow) -> tuple[str, str, str, str, str]:
    """A row's cells as single lines of text, before fitting (a cell never needs more than its start)."""
    return (
        one_line(row.name[:CELL_SOURCE]) or "…",
        row.status,
        format_duration(row.duration_ms),
        one_line((row.result or "")[:CELL_SOURCE]),
        one_line(row.arguments[:CELL_SOURCE]),
    )


def fit_widths(rows: list[tuple[str, ...]], width: int) -> list[int]:
    """Content widths of the five columns for `width` cells (padding included); 0 hides a column."""
    natural = [max([len(label), *(len(values[i]) for values in rows)]) for i, label in enumerate(COLUMNS)]
    name, status, time, result, arguments = natural
    name = min(name, NAME_CAP)
    room = width - (status + PADDING) - (time + PADDING) - (name + PADDING)
    if room < MIN_VALUE + PADDING:  # a narrow pane: the name gives up room for the result
        name = max(len(COLUMNS[0]), name - (MIN_VALUE + PADDING - room))
        room = width - (status + PADDING) - (time + PADDING) - (name + PADDING)
    values = room - 2 * PADDING
    if result + arguments <= values:
        pass
    elif values >= 2 * MIN_VALUE:
        # both long: the result keeps at least three fifths, the arguments what is left
        result = min(result, max(values - arguments, values * 3 // 5))
        arguments = values - result
    else:
        result, arguments = max(1, room - PADDING), 0
    return [name, status, time, result, arguments]


def fit(text: str, width: int, style: str = "") -> Text:
    """`text` in at most `width` cells, ending in "…" when it had to be shortened."""
    cell = Text(text, style=style, no_wrap=True, overflow="ellipsis", end="")
    cell.truncate(width, overflow="ellipsis")
    return cell


def cells(values: tuple[str, ...], widths: list[int]) -> list[Text]:
    styles = ("", STATUS_STYLE.get(values[1], ""), "", "", "")
    return [fit(value, width, style) for value, width, style in zip(values, widths, styles, strict=True) if width]


class ToolTable(DataTable):
    """A DataTable of `ToolRow`s, keyed by row key; `show(rows)` adds or updates them in place."""

    BINDINGS = [Binding("enter", "select_cursor", "Open call")]  # shown in the footer while focused

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._values: dict[str, tuple[str, str, str, str, str]] = {}
        self._widths: list[int] = []

    def show(self, rows: list[ToolRow]) -> None:
        for row in rows:
            self._values[row.key] = row_values(row)
        self._refit()

    def reset(self) -> None:
        self._values.clear()
        self.clear()  # the rows; the columns are refitted to none
        self._refit()

    def on_mount(self) -> None:
        self._refit()  # the header shows before the first call

    def on_resize(self) -> None:
        self._refit()

    def _refit(self) -> None:
        width = (self.size.width or 42) - SCROLLBAR
        widths = fit_widths(list(self._values.values()), width)
        if widths != self._widths:
            self._rebuild(widths)
            return
        keys = {key.value for key in self.rows}
        for key, values in self._values.items():
            if key not in keys:
                self.add_row(*cells(values, widths), key=key)
                continue
            for column, cell in zip(self.ordered_columns, cells(values, widths), strict=True):
                self.update_cell(key, column.key, cell)

    def _rebuild(self, widths: list[int]) -> None:
        """New column widths: the columns and rows again, the cursor where it was."""
        cursor = self.cursor_row
        self.clear(columns=True)
        self._widths = widths
        for label, width in zip(COLUMNS, widths, strict=True):
            if width:
                self.add_column(fit(label, width), width=width, key=label)
        for key, values in self._values.items():
            self.add_row(*cells(values, widths), key=key)
        if self.row_count:
            self.move_cursor(row=min(cursor, self.row_count - 1), animate=False)

    async def _on_click(self, event: events.Click) -> None:
        row = event.style.meta.get("row")
        before = self.cursor_row
        await super()._on_click(event)
        if isinstance(row, int) and row >= 0 and row != before and self.cursor_row == row:
            self.action_select_cursor()  # the DataTable itself selects only a row already highlighted
