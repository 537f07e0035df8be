"""One assistant answer in the transcript: its text as top-level Markdown blocks, its status, its parts.

The text is split into blocks with the project's own splitter (`tui.history.parts`), so a part on
screen is exactly a stored part: while streaming, `BlockSplitter` re-splits only the tail (blocks
before the last two are final), so only the growing tail block is rendered again as text arrives. A
finished answer's parts come from history when it has them (`parts_provider`), else from the same
split. A rewrite streams into its part's place; the status (cancelled, interrupted, branch n/m) shows
above a long answer and always at its end; under it, muted, who answered ("provider/model", `answered_by`).

Every method is cheap and synchronous underneath (the transcript renders later, visible lines only);
the coroutine forms are what the chat screen awaits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tui.app.updates import ToolRow
from tui.app.widgets.entries import Entry, Piece, gap
from tui.history.parts import BlockSplitter, split_blocks  # pure text splitting, no database
from tui.stream.hosted import Citation
from tui.stream.sanitize import sanitize

TOP_STATUS_BLOCKS = 2  # an answer of at least this many blocks also shows its status above it


class Answer(Entry):
    def __init__(
        self,
        text: str = "",
        *,
        streaming: bool = False,
        status: str = "",
        message_id: int | None = None,
        thinking: str = "",
        tool_rows: list[ToolRow] | None = None,
        answered_by: str = "",
        references: list[Citation] | None = None,
    ) -> None:
        super().__init__()
        self.raw_text = text  # what history holds; display text is sanitised from it
        self.text = sanitize(text)  # what is shown (grows while streaming)
        self.message_id = message_id
        self.thinking = thinking
        self.tool_rows: list[ToolRow] = list(tool_rows or [])
        self.streaming = streaming
        self.parts: list[str] = []  # raw text of each part, once selecting has asked for them
        self.selected: int | None = None
        self.rewriting: int | None = None
        self.parent_id: int | None = None
        self.state = "streaming" if streaming else "complete"  # the stored status: complete, cancelled, ...
        self.stop_reason: str | None = None  # why the model stopped ("length": cut at the token limit)
        self.context_message: Any = None
        self.parts_provider: Callable[[], list[str] | None] | None = None  # stored parts' texts, or None
        self.on_drawn: Callable[[], None] | None = None  # called when appended text is on screen
        self.drawn_pending = False
        self._status = status
        self._splitter = BlockSplitter()
        self._part_text = ""
        self._gap = gap()
        self._status_top = Piece(status, kind="text", frame="answer", role="status")
        self._status_end = Piece(status, kind="text", frame="answer", role="status")
        self._byline = Piece(sanitize(answered_by), kind="text", frame="answer", role="byline")
        self.references: list[Citation] = []  # the sources the answer cites, one per number
        self._references = Piece("", kind="text", frame="answer", role="citations")
        self.set_references(references or [], rebuild=False)
        self.blocks: list[Piece] = [Piece(block) for block in self._split(self.text)]
        self._rebuild()

    def _split(self, text: str) -> list[str]:
        return self._splitter.split(text) if self.streaming else split_blocks(text)

    # -- layout ---------------------------------------------------------------------------------
    def _rebuild(self, index: int = 0) -> None:
        """The pieces from the blocks and the status; the transcript relays out from `index` on."""
        pieces = [self._gap]
        show_status = bool(self._status) and not self.streaming
        if show_status and len(self.blocks) >= TOP_STATUS_BLOCKS:
            pieces.append(self._status_top)
        first_block = len(pieces)
        pieces.extend(self.blocks)
        show_byline = bool(self._byline.source) and not self.streaming
        if self.references:  # the numbered sources, a blank line under the text
            pieces.append(self._references)
            self._references.pad_below = 1 if show_status or show_byline else 0  # the byline apart from them
        if show_byline:  # right under the text (or the sources); the status (if any) stays the last line
            pieces.append(self._byline)
            self._byline.pad_below = 1 if show_status else 0
        if show_status:
            pieces.append(self._status_end)
        after = bool(self.references) or (show_status and not show_byline)
        for number, block in enumerate(self.blocks):
            block.pad_below = 1 if number < len(self.blocks) - 1 or after else 0
        old = self.pieces
        self.pieces = pieces
        self._marks()
        if len(old) < first_block or any(a is not b for a, b in zip(old, pieces[:first_block], strict=False)):
            index = 0
        else:
            index = min(index + first_block, len(pieces))
            index = max(0, index - 1)  # the block before may have gained or lost its gap line
        self.changed(index)

    def _marks(self) -> None:
        for number, block in enumerate(self.blocks):
            if number == self.rewriting:
                block.mark = "rewriting"
            elif number == self.selected:
                block.mark = "selected"
            else:
                block.mark = "hit" if self.hit else ""

    def set_hit(self, hit: bool) -> None:
        self.hit = hit
        self._marks()
        self.repaint()

    def block_piece_index(self, index: int) -> int:
        """Where block `index` is among the pieces."""
        return self.pieces.index(self.blocks[index])

    def _set_blocks(self, sources: list[str]) -> int:
        """Keep the blocks whose text is unchanged (their lines stay rendered); the first changed index."""
        blocks = self.blocks
        first = len(sources)
        for number, source in enumerate(sources):
            if number >= len(blocks) or blocks[number].source != source:
                first = number
                break
        if first == len(sources) and len(blocks) == len(sources):
            return first
        for number in range(first, len(sources)):
            if number < len(blocks):
                blocks[number].set_source(sources[number])
            else:
                blocks.append(Piece(sources[number]))
        del blocks[len(sources) :]
        return first

    # -- streaming ------------------------------------------------------------------------------
    async def append(self, text: str) -> None:
        self.append_text(text)

    def append_text(self, text: str) -> None:
        """Append sanitised text (the worker already sanitised it)."""
        if not text:
            return
        self.text += text
        first = self._set_blocks(self._splitter.split(self.text))
        self.drawn_pending = True
        self._rebuild(first)

    async def finish(self, raw_text: str, status: str = "") -> None:
        """The stream ended: everything received is shown (the final flush), then the status."""
        self.streaming = False
        self.raw_text = raw_text
        self._status = status
        self._status_top.set_source(status)
        self._status_end.set_source(status)
        self._set_blocks(split_blocks(self.text))  # the same split, now with nothing left open
        self._rebuild(0)

    def resume(self) -> None:
        """Stream into this finished answer again (continue): new text is appended to its end."""
        self.streaming = True
        self.state = "streaming"
        self.parts = []
        self.selected = None
        self._splitter = BlockSplitter()
        self._set_blocks(self._splitter.split(self.text))
        self._rebuild(0)

    # -- citations ------------------------------------------------------------------------------
    def set_references(self, references: list[Citation], *, rebuild: bool = True) -> None:
        """The numbered sources under the answer: "[1] Title — URL" (or the file), one per line."""
        self.references = list(references)
        lines = [sanitize(f"[{c.number}] {c.label}") for c in self.references]
        self._references.set_source("\n".join(["Sources", *lines]) if lines else "")
        if rebuild:
            self._rebuild(len(self.blocks))

    @property
    def shown_text(self) -> str:
        """The text the transcript shows for this answer (all its blocks)."""
        return "".join(block.source for block in self.blocks)

    # -- status line ----------------------------------------------------------------------------
    @property
    def status(self) -> str:
        return self._status

    @status.setter
    def status(self, value: str) -> None:
        self._status = value
        self._status_top.set_source(value)
        self._status_end.set_source(value)
        self._rebuild(0)

    @property
    def answered_by(self) -> str:
        """ "provider/model" shown under the finished answer ("" shows nothing)."""
        return self._byline.source

    @answered_by.setter
    def answered_by(self, value: str) -> None:
        self._byline.set_source(sanitize(value))
        self._rebuild(0)

    # -- parts ----------------------------------------------------------------------------------
    async def ensure_parts(self) -> list[str]:
        return self.load_parts()

    def load_parts(self) -> list[str]:
        """The parts (history's own when saved): each is one block on screen."""
        if self.streaming:
            return []
        if not self.parts:
            stored = self.parts_provider() if self.parts_provider is not None else None
            if stored and "".join(stored) != self.raw_text:
                stored = None  # history and screen disagree: the screen's text wins
            self.parts = stored or split_blocks(self.raw_text) or [self.raw_text]
            first = self._set_blocks([sanitize(part) for part in self.parts])
            self._rebuild(first)
        return self.parts

    def part_source(self, index: int) -> str:
        """The text shown for part `index`."""
        return self.blocks[index].source

    def select(self, index: int | None) -> None:
        self.selected = index
        self._marks()
        self.repaint()

    async def begin_part_rewrite(self, index: int) -> None:
        self.rewriting = index
        self._part_text = ""
        self.blocks[index].set_source("")
        self._rebuild(index)

    async def append_part(self, text: str) -> None:
        if text and self.rewriting is not None:
            self._part_text += text
            self.blocks[self.rewriting].set_source(self._part_text)
            self.drawn_pending = True
            self._rebuild(self.rewriting)

    async def end_part_rewrite(self, index: int, new_raw: str | None) -> None:
        """Keep the streamed replacement (`new_raw`), or put the old part back (None)."""
        self.rewriting = None
        if new_raw is not None:
            self.parts[index] = new_raw
        self._show_part(index)

    async def set_part(self, index: int, raw: str) -> None:
        self.parts[index] = raw
        self._show_part(index)

    def _show_part(self, index: int) -> None:
        self.blocks[index].set_source(sanitize(self.parts[index]))
        self.raw_text = "".join(self.parts)
        self.text = sanitize(self.raw_text)
        self._rebuild(index)
