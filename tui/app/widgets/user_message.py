"""A prompt the user sent, shown in the transcript as Markdown (sanitised, never as markup)."""

from __future__ import annotations

from textual.widgets import Markdown

from tui.app.sanitize import sanitize


class UserMessage(Markdown):
    def __init__(self, text: str, **kwargs) -> None:
        super().__init__(sanitize(text), **kwargs)
        self.prompt = text
