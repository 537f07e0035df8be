"""A prompt the user sent, as a transcript entry: Markdown (sanitised, never markup), framed as the user's."""

from __future__ import annotations

from tui.app.widgets.entries import Entry, Piece, gap
from tui.stream.sanitize import sanitize


class UserMessage(Entry):
    def __init__(self, text: str, message_id: int | None = None) -> None:
        super().__init__()
        self.prompt = text
        self.message_id = message_id
        self.pieces = [gap(), Piece(sanitize(text), frame="user")]
