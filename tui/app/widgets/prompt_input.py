"""The multi-line prompt: enter sends, shift+enter or ctrl+j adds a newline, up/down recall prompts.

Recall only works while the input is empty (or still shows a recalled prompt untouched), so the
arrow keys keep moving the cursor inside a prompt being written.

Typing `@path` offers completions (tui/app/mentions.py) as the path is typed: the prompt posts
`Suggestions` (the chat screen shows them above the prompt); while there are some, tab completes (the
part all of them share, else the highlighted one), up/down move the highlight and escape hides them.
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from tui.app.mentions import Typing, common_prefix, complete, typing_at

NEWLINE_KEYS = frozenset({"shift+enter", "ctrl+j", "newline"})


class PromptInput(TextArea):
    class Submitted(Message):
        def __init__(self, prompt: PromptInput, text: str) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text

    class Suggestions(Message):
        """The `@path` completions to show (empty: hide them) and which one is highlighted."""

        def __init__(self, items: list[str], index: int) -> None:
            super().__init__()
            self.items = items
            self.index = index

    def __init__(self, **kwargs) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)
        self.sent: list[str] = []
        self._recall: int | None = None  # index into history of the prompt on show
        self.suggestions: list[str] = []
        self.suggestion_index = 0
        self._hidden_for: Typing | None = None  # escape hid the suggestions for this mention

    def on_mount(self) -> None:
        if self.app.is_headless:  # no one sees it blink; a steady cursor keeps screenshots stable
            self.cursor_blink = False

    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        if key == "tab":  # typed keys may still be ahead of their Changed message: look now
            self.refresh_suggestions()
        if self.suggestions and key in ("tab", "up", "down", "escape"):
            self._stop(event)
            if key == "tab":
                self.accept_suggestion()
            elif key == "escape":
                self._hidden_for = self._typing()
                self._show_suggestions([])
            else:
                self.suggestion_index = (self.suggestion_index + (1 if key == "down" else -1)) % len(self.suggestions)
                self.post_message(self.Suggestions(list(self.suggestions), self.suggestion_index))
            return
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

    # -- @path completion ---------------------------------------------------------------------------
    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.refresh_suggestions()

    def on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        self.refresh_suggestions()

    def _typing(self) -> Typing | None:
        row, column = self.cursor_location
        return typing_at(self.document.get_line(row), column)

    def refresh_suggestions(self) -> None:
        typing = self._typing()
        items: list[str] = []
        if typing is not None and typing != self._hidden_for:
            items = complete(typing.typed)
            if items == [typing.typed]:
                items = []  # the file's whole name is typed: nothing left to offer
        self._show_suggestions(items)

    def _show_suggestions(self, items: list[str]) -> None:
        if items == self.suggestions:
            return
        self.suggestions = items
        self.suggestion_index = 0
        self.post_message(self.Suggestions(list(items), 0))

    def accept_suggestion(self) -> bool:
        """Tab: complete what all suggestions share, else take the highlighted one. A finished file name
        is closed (quote, space); a folder stays open for the next name."""
        typing = self._typing()
        if typing is None or not self.suggestions:
            return False
        prefix = common_prefix(self.suggestions)
        choice = prefix if len(prefix) > len(typing.typed) else self.suggestions[self.suggestion_index]
        finished = choice in self.suggestions and not choice.endswith("/")
        mark = typing.quote or ('"' if any(ch.isspace() for ch in choice) else "")
        row, column = self.cursor_location
        self.replace(f"@{mark}{choice}" + (f"{mark} " if finished else ""), (row, typing.start), (row, column))
        return True

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
