"""Long literal text, a screen at a time: wrapped to the width, JSON highlighted, never read as markup.

A tool's result can be a megabyte. A `Static` would lay all of it out (and highlight all of it) on
every update, so this widget keeps the text as plain lines, works out where each wraps (cheap string
arithmetic, redone on resize), and styles only the lines on screen when they are drawn (Textual's line
API), so opening a huge result costs about what a small one does, and scrolling stays smooth.

The text comes in `Block`s: a label line, a JSON block (highlighted), plain text, or a note (a
placeholder such as "running…"). Control characters are shown as visible symbols (`_literal.visible`)
and tabs as spaces. Its look is the component classes in styles/modals.tcss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.cells import chop_cells
from rich.highlighter import JSONHighlighter
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.app.screens._literal import visible

Kind = Literal["label", "json", "text", "note"]
_highlight = JSONHighlighter()


@dataclass(frozen=True)
class Block:
    kind: Kind
    text: str


class LiteralView(ScrollView, can_focus=True):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"literal-view--label", "literal-view--note"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._lines: list[tuple[Kind, str]] = []  # logical lines
        self._rows: list[tuple[int, int, int]] = []  # screen rows: (logical line, start, end)
        self._styled: dict[int, Text] = {}  # logical line -> its styled Text, for lines drawn so far
        self._wrapped_at = 0

    @property
    def plain(self) -> str:
        """Everything shown, as text (labels included), one logical line a line."""
        return "\n".join(line for _, line in self._lines)

    def show(self, blocks: list[Block]) -> None:
        lines: list[tuple[Kind, str]] = []
        for block in blocks:
            text = visible(block.text.expandtabs(4) if "\t" in block.text else block.text)
            lines.extend((block.kind, line) for line in text.split("\n"))
        if lines == self._lines:
            return
        self._lines = lines
        self._styled.clear()
        self._wrap(force=True)

    def on_resize(self) -> None:
        self._wrap()

    def _wrap(self, force: bool = False) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or (width == self._wrapped_at and not force):
            return  # not laid out yet: on_resize wraps
        self._wrapped_at = width
        rows: list[tuple[int, int, int]] = []
        for number, (_, line) in enumerate(self._lines):
            if line.isascii():  # one cell a character: plain slicing
                rows.extend((number, start, start + width) for start in range(0, len(line), width))
                if not line:
                    rows.append((number, 0, 0))
                continue
            start = 0
            for piece in chop_cells(line, width):
                rows.append((number, start, start + len(piece)))
                start += len(piece)
            if not line:
                rows.append((number, 0, 0))
        self._rows = rows
        self.virtual_size = Size(width, len(rows))
        self.refresh()

    def _style(self, number: int) -> Text:
        styled = self._styled.get(number)
        if styled is None:
            kind, line = self._lines[number]
            styled = Text(line, end="", no_wrap=True)
            if kind == "json":
                _highlight.highlight(styled)
            elif kind in ("label", "note"):
                styled.stylize(self.get_component_rich_style(f"literal-view--{kind}"))
            if len(self._styled) > 2000:  # only what was drawn lately is kept
                self._styled.clear()
            self._styled[number] = styled
        return styled

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = y + int(self.scroll_offset.y)
        style = self.rich_style
        if index >= len(self._rows):
            return Strip.blank(width, style)
        number, start, end = self._rows[index]
        piece = self._style(number)[start:end]
        piece.stylize_before(style)
        strip = Strip(piece.render(self.app.console))
        return strip.extend_cell_length(width, style).crop(0, width)
