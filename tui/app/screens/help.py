"""F1 / ? help: every key rill answers to, grouped by where it works, with what it does.

The app passes the groups (tui/app/keymap.py's `help_groups`: title, then (key, description) rows) so
the help always matches the bindings in force, including ones remapped in the config file. Keys are
given in binding syntax ("f1,question_mark") and shown readably ("f1 / ?"). The list scrolls (the
arrow and page keys, home/end), so it fits any terminal, 80x24 included.
"""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.app.keymap import Group, key_label
from tui.app.screens._literal import literal


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,question_mark,q", "close", "Close")]

    def __init__(self, groups: list[Group]) -> None:
        super().__init__()
        self.groups = [(title, list(rows)) for title, rows in groups]

    def compose(self) -> ComposeResult:
        width = max((len(key_label(key)) for _title, rows in self.groups for key, _ in rows), default=8)
        with Vertical(id="help-dialog", classes="rill-dialog"):
            yield Static("rill: keys", id="help-title")
            with VerticalScroll(id="help-keys"):
                for title, rows in self.groups:
                    yield Static(literal(title, one_line=True), classes="help-group")
                    yield Static(self._table(rows, width), classes="help-table")
            yield Static(
                "↑↓ pgup pgdn home end scroll · escape, F1 or ? closes",
                id="help-hint",
                classes="rill-dialog-hint",
            )

    @staticmethod
    def _table(rows: list[tuple[str, str]], key_width: int) -> Table:
        """One group's rows; every group's key column is as wide, so the descriptions line up."""
        table = Table(box=None, show_header=False, expand=True, pad_edge=False)
        table.add_column("Key", no_wrap=True, style="bold", width=min(key_width, 24))
        table.add_column("Action", ratio=1)
        for key, description in rows:
            table.add_row(literal(key_label(key), one_line=True), literal(description, one_line=True))
        return table

    def on_mount(self) -> None:
        self.query_one("#help-keys", VerticalScroll).focus()  # the scroll keys work at once

    def action_close(self) -> None:
        self.dismiss(None)
