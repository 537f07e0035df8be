"""Ask how to rewrite one part of an answer. Dismisses with the instruction ("" = none) or None.

The part is shown literally (it is model output: markup and escape sequences must stay inert) and
clipped if it is very long; the instruction input has the focus so the user can type and press enter.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from tui.app.screens._literal import clip, literal

PART_LIMIT = 20_000


class RewritePromptScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, part_text: str) -> None:
        super().__init__()
        self.part_text = part_text

    def compose(self) -> ComposeResult:
        with Vertical(id="rewrite-dialog", classes="rill-dialog"):
            yield Static("Rewrite this part", id="rewrite-title")
            with VerticalScroll(id="rewrite-part"):
                yield Static(literal(clip(self.part_text, PART_LIMIT)))
            yield Input(
                placeholder="Optional instruction, e.g. shorter, as a table, in French", id="rewrite-instruction"
            )
            with Horizontal(classes="rill-dialog-buttons"):
                yield Button("Rewrite (enter)", id="rewrite-ok", variant="primary")
                yield Button("Cancel (esc)", id="rewrite-cancel")

    def on_mount(self) -> None:
        self.query_one("#rewrite-instruction", Input).focus()

    def _submit(self) -> None:
        self.dismiss(self.query_one("#rewrite-instruction", Input).value.strip())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "rewrite-ok":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
