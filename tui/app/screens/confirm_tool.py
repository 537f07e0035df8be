"""Ask before a tool that needs confirmation runs: allow once, for this conversation, always (this
tool, this session), or deny.

Dismisses with "once", "conversation", "always" or "deny"; escape denies. A tool from an MCP server
says which server it comes from. The arguments are shown literally as
indented JSON (a model could put markup or escape sequences in them) and clipped when huge, so the
user sees exactly what the tool will be given.
"""

from __future__ import annotations

import json
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.app.screens._literal import clip, literal

ARGUMENTS_LIMIT = 20_000


def format_arguments(arguments: Any) -> str:
    try:
        return json.dumps(arguments, indent=2, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        return repr(arguments)


class ConfirmToolScreen(ModalScreen[str]):
    BINDINGS = [
        Binding("o", "answer('once')", "Allow once"),
        Binding("c", "answer('conversation')", "Allow in this conversation"),
        Binding("a", "answer('always')", "Always allow"),
        Binding("d,escape", "answer('deny')", "Deny"),
        Binding("left", "app.focus_previous", show=False),
        Binding("right", "app.focus_next", show=False),
    ]

    def __init__(self, tool_name: str, arguments: dict, source: str = "") -> None:
        super().__init__()
        self.tool_name = tool_name
        self.arguments = arguments
        self.source = source  # "MCP server NAME" for an MCP tool; "" for a built-in one

    def compose(self) -> ComposeResult:
        with Vertical(id="tool-dialog", classes="rill-dialog"):
            title = literal("Allow the tool ", "bold")
            title.append_text(literal(self.tool_name, "bold underline", one_line=True))
            if self.source:
                title.append_text(literal(f" from the {self.source}", "bold", one_line=True))
            title.append(" to run?", "bold")
            yield Static(title, id="tool-title")
            yield Static("It will be called with these arguments:", classes="rill-dialog-hint")
            with VerticalScroll(id="tool-arguments"):
                yield Static(literal(clip(format_arguments(self.arguments), ARGUMENTS_LIMIT)))
            with Horizontal(classes="rill-dialog-buttons"):
                yield Button("Once (o)", id="tool-once", variant="primary")
                yield Button("This chat (c)", id="tool-conversation", variant="success")
                yield Button("Always (a)", id="tool-always", variant="warning")
                yield Button("Deny (d)", id="tool-deny", variant="error")

    def on_mount(self) -> None:
        self.query_one("#tool-once", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(str(event.button.id).removeprefix("tool-"))

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer)
