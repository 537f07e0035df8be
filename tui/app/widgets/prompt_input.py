"""The multi-line prompt: enter sends, shift+enter or ctrl+j adds a newline, up/down recall prompts.

Recall only works while the input is empty (or still shows a recalled prompt untouched), so the
arrow keys keep moving the cursor inside a prompt being written.
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import TextArea

NEWLINE_KEYS = frozenset({"shift+enter", "ctrl+j", "newline"})
# The prompt's own keys, for the help screen and the `[keys]` collision check (its editing keys are
# TextArea's bindings).
KEYS = (
    ("enter", "Send the message"),
    ("shift+enter,ctrl+j", "New line"),
    ("up,down", "Earlier prompts (in an empty prompt)"),
)


class PromptInput(TextArea):
    class Submitted(Message):
        def __init__(self, prompt: PromptInput, text: str) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text

    def __init__(self, **kwargs) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)
        self.sent: list[str] = []
        self._recall: int | None = None  # index into history of the prompt on show

    def on_mount(self) -> None:
        if self.app.is_headless:  # no one sees it blink; a steady cursor keeps screenshots stable
            self.cursor_blink = False

    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        if key == "enter":
            self._stop(event)
            self.submit()
        elif key in NEWLINE_KEYS:
            self._stop(event)
            self.insert("\n")
        elif key in ("up", "down") and self._may_recall():
            self._stop(event)
            self._step(-1 if key == "up" else 1)
        else:
            await super()._on_key(event)

    @staticmethod
    def _stop(event: events.Key) -> None:
        event.stop()
        event.prevent_default()

    def submit(self) -> None:
        text = self.text
        if not text.strip():
            return
        if not self.sent or self.sent[-1] != text:
            self.sent.append(text)
        self._recall = None
        self.clear()
        self.post_message(self.Submitted(self, text))

    def _may_recall(self) -> bool:
        if not self.sent:
            return False
        if self.text == "":
            return True
        return self._recall is not None and self.text == self.sent[self._recall]

    def _step(self, direction: int) -> None:
        if self._recall is None:
            if direction > 0:
                return
            index = len(self.sent) - 1
        else:
            index = self._recall + direction
        if index >= len(self.sent):
            self._recall = None
            self.load_text("")
            return
        self._recall = max(0, index)
        self.load_text(self.sent[self._recall])
        self.move_cursor(self.document.end)
