"""Edit an earlier prompt: the prompt box again, prefilled (enter sends, shift+enter or ctrl+j adds a
line, escape cancels). Dismisses with the new text, or None. The edit is sent as a new branch."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.app.widgets.prompt_input import PromptInput


class EditPromptScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-dialog", classes="rill-dialog"):
            yield Static("Edit the prompt: it is sent as a new branch (the old one is kept)", id="edit-title")
            yield PromptInput(id="edit-prompt")
            yield Static(
                "enter sends · shift+enter or ctrl+j: new line · escape cancels",
                classes="rill-dialog-hint",
                id="edit-hint",
            )

    def on_mount(self) -> None:
        prompt = self.query_one(PromptInput)
        prompt.load_text(self.text)
        prompt.move_cursor(prompt.document.end)
        prompt.focus()

    def on_prompt_input_submitted(self, event: PromptInput.Submitted) -> None:
        event.stop()
        self.dismiss(event.text)

    def action_cancel(self) -> None:
        self.dismiss(None)
