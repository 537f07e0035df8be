"""A prompt the user sent, as a transcript entry: Markdown (sanitised, never markup), framed as the user's,
with its line breaks kept, and a chip line naming the files sent with it."""

from __future__ import annotations

from collections.abc import Sequence

from tui.app.widgets.entries import Entry, Piece, gap
from tui.stream.attachments import Attachment
from tui.stream.sanitize import one_line, sanitize


def chips(attachments: Sequence[Attachment]) -> str:
    """`▣ notes.md (text, 1.2 KB)   ▣ cat.png (image/png, 34.0 KB)`: one line (it wraps when narrow)."""
    return "   ".join(f"▣ {one_line(a.describe())}" for a in attachments)


class UserMessage(Entry):
    def __init__(self, text: str, message_id: int | None = None, attachments: Sequence[Attachment] = ()) -> None:
        super().__init__()
        self.prompt = text
        self.message_id = message_id
        self.attachments = list(attachments)
        self.pieces = [gap(), Piece(sanitize(text), frame="user")]
        if self.attachments:
            self.pieces.append(Piece(chips(self.attachments), kind="text", frame="user", role="chip"))
