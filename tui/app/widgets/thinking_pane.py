"""The model's reasoning, streamed live into a scrollable pane that can be collapsed (ctrl+t)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.stream.sanitize import sanitize


class ThinkingPane(VerticalScroll):
    """Text is appended in coalesced pieces; the pane follows its end like the transcript."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = "thinking"
        self._text = ""
        self._body = Static("", classes="thinking-text", markup=False)

    def compose(self) -> ComposeResult:
        yield self._body

    def on_mount(self) -> None:
        self.anchor()
        self._show()

    @property
    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        self._text = sanitize(text)
        self._show()

    def append(self, text: str) -> None:
        """`text` is already sanitised by the stream worker."""
        if text:
            self._text += text
            self._show()

    def _show(self) -> None:
        self._body.update(Text(self._text) if self._text else Text("no reasoning yet", style="dim"))
        self.set_class(not self._text, "-empty")
