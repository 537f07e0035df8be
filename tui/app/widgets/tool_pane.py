"""Tool activity: one row per call (name, arguments, status, duration, result summary).

Rows arrive as whole `ToolRow` values from the worker and are updated in place by key, so arguments
can stream into a row while they arrive. Selecting a row shows its full arguments and result below.
All cell text is plain `Text`: a tool's output is never read as markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from tui.app.updates import ToolRow

COLUMNS = ("tool", "status", "time", "result", "arguments")  # the narrow pane shows the first ones
STATUS_STYLE = {"running": "yellow", "done": "green", "failed": "red", "aborted": "magenta", "not run": "dim"}


def one_line(text: str | None, limit: int = 60) -> str:
    if not text:
        return ""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def format_duration(ms: float | None) -> str:
    if ms is None:
        return ""
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


class ToolPane(Vertical):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = "tools"
        self.rows: dict[str, ToolRow] = {}
        self.selected: str | None = None

    def compose(self) -> ComposeResult:
        table: DataTable = DataTable(cursor_type="row", zebra_stripes=True, id="tool-table")
        table.add_columns(*COLUMNS)
        yield table
        with VerticalScroll(id="tool-detail-scroll"):
            yield Static("", id="tool-detail", markup=False)

    @property
    def table(self) -> DataTable:
        return self.query_one(DataTable)

    def clear(self) -> None:
        self.rows.clear()
        self.selected = None
        self.table.clear()
        self._show_detail()

    def update_rows(self, rows: list[ToolRow]) -> None:
        table = self.table
        for row in rows:
            cells = self._cells(row)
            if row.key in self.rows:
                for column, value in zip(table.columns, cells, strict=False):
                    table.update_cell(row.key, column, value, update_width=True)
            else:
                table.add_row(*cells, key=row.key)
            self.rows[row.key] = row
        self.set_class(bool(self.rows), "-has-rows")
        if self.selected in self.rows:
            self._show_detail()

    def _cells(self, row: ToolRow) -> list[Text]:
        return [
            Text(row.name or "…"),
            Text(row.status, style=STATUS_STYLE.get(row.status, "")),
            Text(format_duration(row.duration_ms)),
            Text(one_line(row.result, 16)),  # tool, status, time and result fit the 44-column pane
            Text(one_line(row.arguments, 40)),
        ]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value
        self.selected = None if self.selected == key else key
        self._show_detail()

    def _show_detail(self) -> None:
        row = self.rows.get(self.selected) if self.selected else None
        detail = self.query_one("#tool-detail", Static)
        if row is None:
            detail.update("")
            self.remove_class("-detail")
            return
        text = Text()
        text.append(f"{row.name} · {row.status}\n", style="bold")
        text.append("arguments:\n", style="dim")
        text.append((row.arguments or "{}") + "\n")
        text.append("result:\n", style="dim")
        text.append(row.result if row.result is not None else "(no result yet)")
        detail.update(text)
        self.add_class("-detail")
