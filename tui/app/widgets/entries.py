"""What the transcript shows, as data: entries (a prompt, an answer, the welcome) made of pieces.

A `Piece` is a run of lines: one top-level Markdown block, a status line, or a blank gap. It keeps
its rendered lines (`strips`) for one width and style generation, or only its height once those lines
have been dropped, or only an estimate of its height before anyone has looked at it. An `Entry` is an
ordered list of pieces with the offset of each (a prefix sum), and tells its transcript when pieces
change (`changed(index)`: relayout from there) or only their look (`repaint()`).

Nothing here is a widget: the transcript (transcript.py) lays entries out and paints the visible lines.
"""

from __future__ import annotations

from typing import Any, Protocol


class Owner(Protocol):
    def entry_changed(self, entry: Entry, index: int) -> None: ...
    def entry_repaint(self, entry: Entry) -> None: ...


class Piece:
    """A run of lines. `kind`: markdown | text | gap. `frame`: how it is framed (answer, user, plain).

    `mark` is "" or "selected" / "rewriting" / "hit": painted over the lines, never a relayout.
    """

    __slots__ = (
        "source",
        "kind",
        "frame",
        "role",
        "mark",
        "pad_below",
        "strips",
        "key",
        "rows",
        "rows_width",
        "version",
    )

    def __init__(self, source: str = "", kind: str = "markdown", frame: str = "answer", role: str = "") -> None:
        self.source = source
        self.kind = kind
        self.frame = frame
        self.role = role
        self.mark = ""
        self.pad_below = 0  # blank lines after the content (between blocks)
        self.strips: list[Any] | None = None  # rendered lines, valid for `key`
        self.key: tuple[int, int] | None = None  # (width, style generation) of `strips`
        self.rows = 1 if kind == "gap" else 0  # content rows at `rows_width` (exact or estimated)
        self.rows_width = -1
        self.version = 0  # bumped at every render: painted lines cached for an older one are stale

    def set_source(self, source: str) -> None:
        if source != self.source:
            self.source = source
            self.strips = None
            self.key = None
            self.rows_width = -1

    def drop_lines(self) -> None:
        """Forget the rendered lines (memory); the height stays known."""
        self.strips = None
        self.key = None


def gap() -> Piece:
    return Piece("", kind="gap", frame="plain")


class Entry:
    """An ordered list of pieces laid out top to bottom."""

    def __init__(self) -> None:
        self.pieces: list[Piece] = []
        self.offsets: list[int] = [0]  # offsets[i] = first row of piece i; offsets[-1] = height
        self.owner: Owner | None = None
        self.message_id: int | None = None
        self.hit = False

    @property
    def height(self) -> int:
        return self.offsets[-1]

    def changed(self, index: int = 0) -> None:
        if self.owner is not None:
            self.owner.entry_changed(self, index)

    def repaint(self) -> None:
        if self.owner is not None:
            self.owner.entry_repaint(self)

    def set_hit(self, hit: bool) -> None:
        """The search hit this conversation was opened at: highlighted."""
        self.hit = hit
        for piece in self.pieces:
            if piece.kind != "gap":
                piece.mark = "hit" if hit else ""
        self.repaint()

    def plain_text(self) -> str:
        return "".join(piece.source for piece in self.pieces)
