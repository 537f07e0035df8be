"""One tool call in full: its name, status and duration, its whole arguments and its whole result.

Opened by enter or a click on a row of the tool pane. Arguments, and a result that is JSON text, are
shown indented and highlighted as JSON; any other result as plain text. Nothing is cut: the body
(a `LiteralView`, which draws only what is on screen, so a megabyte result opens at once) scrolls
with arrows, page keys, home/end and the mouse. All of it is literal: markup in a tool's output stays
text, and control characters show as symbols. While the call runs, the screen that opened it
hands each new version of the row down (`row`), so streaming arguments and the result appear live.
Keys: escape or q closes, y copies the result, a copies the arguments.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.app.screens._literal import literal
from tui.app.tool_rows import pretty_json
from tui.app.updates import ToolRow
from tui.app.widgets.literal_view import Block, LiteralView
from tui.app.widgets.tool_table import STATUS_STYLE, format_duration

HINT = "esc close · y copy result · a copy arguments · ↑↓ PgUp PgDn scroll"
Copy = Callable[[str, str], None]  # (text, what it is): the chat screen's one way to copy


def as_json_or_text(text: str) -> Block:
    """JSON indented (and highlighted when drawn), anything else as it is."""
    pretty = pretty_json(text)
    return Block("json", pretty) if pretty is not None else Block("text", text)


def title(row: ToolRow) -> Text:
    text = literal(row.name or "…", "bold", one_line=True)
    text.append(" · ")
    text.append(row.status, STATUS_STYLE.get(row.status, ""))
    if row.duration_ms is not None:
        text.append(f" · {format_duration(row.duration_ms)}")
    return text


def body(row: ToolRow) -> list[Block]:
    if row.result is not None:
        result = as_json_or_text(row.result)
    else:
        waiting = "running… the result shows here when it arrives" if row.status == "running" else "no result"
        result = Block("note", f"({waiting})")
    return [
        Block("label", "arguments"),
        as_json_or_text(row.arguments or "{}"),
        Block("text", ""),
        Block("label", "result"),
        result,
    ]


class ToolDetailScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("y", "copy('result')", "Copy result"),
        Binding("a", "copy('arguments')", "Copy arguments"),
    ]

    row: reactive[ToolRow | None] = reactive(None, init=False)

    def __init__(self, row: ToolRow, copy: Copy) -> None:
        super().__init__()
        self.copy = copy
        self.row_key = row.key
        self.set_reactive(ToolDetailScreen.row, row)

    def follow(self, rows: list[ToolRow]) -> None:
        """New versions of the pane's rows: show this call's, if it changed."""
        for row in rows:
            if row.key == self.row_key:
                self.row = row  # rows are dataclasses: an equal one changes nothing

    def compose(self) -> ComposeResult:
        with Vertical(id="tool-detail-dialog", classes="rill-dialog"):
            yield Static(id="tool-detail-title")
            yield LiteralView(id="tool-detail-body")
            yield Static(HINT, id="tool-detail-hint", classes="rill-dialog-hint")

    def on_mount(self) -> None:
        self._show()
        self.query_one("#tool-detail-body").focus()

    def watch_row(self) -> None:
        self._show()

    def _show(self) -> None:
        row = self.row
        if row is None:
            return
        self.query_one("#tool-detail-title", Static).update(title(row))
        self.query_one(LiteralView).show(body(row))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_copy(self, what: str) -> None:
        row = self.row
        if row is None:
            return
        if what == "arguments":
            self.copy(pretty_json(row.arguments) or row.arguments or "{}", f"the arguments of {row.name}")
        elif row.result is None:
            self.notify("No result yet to copy.", severity="warning")
        else:
            self.copy(row.result, f"the result of {row.name}")
