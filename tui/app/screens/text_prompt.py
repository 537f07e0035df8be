"""Ask for one line of text (rename a conversation). Dismisses with the stripped text or None.

An empty answer is refused in place (a hint says why) rather than dismissing with "", so callers
never have to handle a blank title.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.app.screens._literal import literal


class TextPromptScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.prompt_title = title
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="text-prompt-dialog", classes="rill-dialog"):
            yield Static(literal(self.prompt_title, "bold", one_line=True), id="text-prompt-title")
            yield Input(value=self.value, placeholder=self.placeholder, id="text-prompt-input")
            yield Static("enter to save, escape to cancel", id="text-prompt-hint", classes="rill-dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        if not value:
            self.query_one("#text-prompt-hint", Static).update("The title cannot be empty (escape to cancel).")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
