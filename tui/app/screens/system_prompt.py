"""Edit the open conversation's system prompt (f9). Dismisses with the new text ("" = none) or None.

A multi-line editor: enter is a new line, ctrl+s (or the Save button) saves, escape cancels. Saving an
empty text removes the system prompt.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea


class SystemPromptScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def __init__(self, text: str = "", *, saved_in_history: bool = True) -> None:
        super().__init__()
        self.text = text
        self.saved_in_history = saved_in_history

    def compose(self) -> ComposeResult:
        with Vertical(id="system-dialog", classes="rill-dialog"):
            yield Static("System prompt for this conversation", id="system-title")
            yield TextArea(self.text, id="system-text", soft_wrap=True, show_line_numbers=False)
            where = "saved with the conversation" if self.saved_in_history else "not saved (no history)"
            yield Static(
                f"Sent with every request from the next one on; {where}. Empty: no system prompt.",
                id="system-hint",
                classes="rill-dialog-hint",
            )
            with Horizontal(classes="rill-dialog-buttons"):
                yield Button("Save (ctrl+s)", id="system-save", variant="primary")
                yield Button("Cancel (esc)", id="system-cancel")

    def on_mount(self) -> None:
        area = self.query_one("#system-text", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "system-save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        self.dismiss(self.query_one("#system-text", TextArea).text.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
