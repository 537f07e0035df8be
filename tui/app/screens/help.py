"""F1 / ? help: every key binding the app has, with what it does.

The app passes the list (key, description) so the help always matches the bindings actually in force,
including ones remapped in the config file. Keys may be given in binding syntax ("f1,question_mark")
and are shown readably ("f1 / ?").
"""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.app.screens._literal import literal

_WORDS = {"enter": "enter", "tab": "tab", "space": "space", "backspace": "backspace"}  # clearer than symbols


def key_label(keys: str) -> str:
    """`"f1,question_mark"` -> `"f1 / ?"`, `"ctrl+s"` stays `"ctrl+s"`: binding syntax made readable."""
    labels = []
    for key in keys.split(","):
        key = key.strip()
        if not key:
            continue
        *modifiers, name = key.split("+") if key != "+" else ["+"]
        labels.append("+".join([*modifiers, _WORDS.get(name) or (format_key(name) if len(name) > 1 else name)]))
    return " / ".join(labels) or keys


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,question_mark,q", "close", "Close")]

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self.bindings = list(bindings)

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
        table.add_column("Key", no_wrap=True, style="bold")
        table.add_column("Action", ratio=1)
        for key, description in self.bindings:
            table.add_row(literal(key_label(key), one_line=True), literal(description, one_line=True))
        with Vertical(id="help-dialog", classes="rill-dialog"):
            yield Static("rill: keys", id="help-title")
            with VerticalScroll(id="help-keys"):
                yield Static(table, id="help-table")
            yield Static(
                "Press escape, F1 or ? to close. ctrl+p opens the command palette.",
                id="help-hint",
                classes="rill-dialog-hint",
            )

    def action_close(self) -> None:
        self.dismiss(None)
