"""Tool activity: one row per call (name, status, duration, result summary, arguments).

Rows arrive as whole `ToolRow` values from the worker and are updated in place by key, so arguments
can stream into a row while they arrive. The table fits its cells to the pane ("…" where a value is
longer); enter or a click on a row posts `ToolPane.Opened` with that row, and the screen shows its
full arguments and result (screens/tool_detail.py).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable

from tui.app.updates import ToolRow
from tui.app.widgets.tool_table import ToolTable


class ToolPane(Vertical):
    class Opened(Message):
        """The person asked to read one call in full (enter or a click on its row)."""

        def __init__(self, row: ToolRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = "tools"
        self.rows: dict[str, ToolRow] = {}

    def compose(self) -> ComposeResult:
        yield ToolTable(id="tool-table")

    @property
    def table(self) -> ToolTable:
        return self.query_one(ToolTable)

    def clear(self) -> None:
        self.rows.clear()
        self.table.reset()
        self.remove_class("-has-rows")

    def update_rows(self, rows: list[ToolRow]) -> None:
        for row in rows:
            self.rows[row.key] = row
        self.table.show(rows)
        self.set_class(bool(self.rows), "-has-rows")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.rows.get(str(event.row_key.value))
        if row is not None:
            self.post_message(self.Opened(row))
