"""The conversation's system prompt, at the top of the transcript: muted, literal, clipped if long."""

from __future__ import annotations

from tui.app.widgets.entries import Entry, Piece, gap
from tui.stream.sanitize import sanitize

MAX_LINES = 6
MAX_CHARS = 600


def system_note_text(system: str, edit_key: str = "") -> str:
    """ "System prompt: ..." with at most MAX_LINES lines / MAX_CHARS characters of it."""
    text = sanitize(system).strip()
    lines = text.splitlines()
    clipped = "\n".join(lines[:MAX_LINES])
    if len(clipped) > MAX_CHARS:
        clipped = clipped[:MAX_CHARS].rstrip()
    if clipped != text:
        clipped += " …" + (f" ({edit_key} shows all)" if edit_key else "")
    return f"System prompt: {clipped}"


class SystemNote(Entry):
    def __init__(self, system: str, edit_key: str = "") -> None:
        super().__init__()
        self.system = system
        self.pieces = [gap(), Piece(system_note_text(system, edit_key), kind="text", frame="plain", role="system")]
