"""One assistant answer: streamed live into a single Markdown, later shown as selectable parts.

While streaming, text goes through one `Markdown` fed by Textual's `MarkdownStream` (it coalesces
appends when the widget is busy; `finish()` stops it, which writes whatever is still pending: the
final flush). Parts (one `Markdown` per top-level block, `split_blocks`) are built only when the user
starts selecting, so a huge answer is not laid out twice on the way in. A part being rewritten is
streamed into its own place the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.containers import Vertical
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownStream

from tui.app.messages import ToolRow
from tui.app.sanitize import sanitize
from tui.history.parts import split_blocks  # pure text splitting, no database


class PartView(Markdown):
    """One selectable part of an answer."""


class LiveMarkdown(Markdown):
    """The Markdown an answer streams into; says when an appended fragment is on screen.

    `MarkdownStream` awaits `append`; once that is done, the next screen refresh lays out and paints
    it, so `call_after_refresh` marks the moment the update has cost the UI thread what it costs
    (the worker's cadence is paced on that, see tui/app/cadence.py).
    """

    def __init__(self, *args, on_drawn: Callable[[], None] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.on_drawn = on_drawn

    def append(self, markdown: str) -> AwaitComplete:
        appended = super().append(markdown)

        async def then_drawn() -> None:
            await appended
            if self.on_drawn is not None:
                self.call_after_refresh(self.on_drawn)

        return AwaitComplete(then_drawn())


class AnswerView(Vertical):
    def __init__(self, text: str = "", *, streaming: bool = False, status: str = "",
                 message_id: str | None = None, thinking: str = "", tool_rows: list[ToolRow] | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.raw_text = text  # what history holds; display text is sanitised from it
        self.text = sanitize(text)  # what the live Markdown shows (grows while streaming)
        self.message_id = message_id
        self.thinking = thinking
        self.tool_rows: list[ToolRow] = list(tool_rows or [])
        self.streaming = streaming
        self.parts: list[str] = []  # raw text of each part, once in parts mode
        self.selected: int | None = None
        self._status = status
        self._stream: MarkdownStream | None = None
        self._part_stream: MarkdownStream | None = None
        self._part_text = ""
        self._live: Markdown | None = None
        self.parts_provider = None  # callable -> stored parts' texts (history's split), or None
        self.on_drawn: Callable[[], None] | None = None  # called when streamed text is on screen

    def compose(self) -> ComposeResult:
        yield Static(self._status, classes="answer-status", markup=False)
        self._live = LiveMarkdown(self.text, classes="answer-body", on_drawn=self._drawn)
        yield self._live

    def _drawn(self) -> None:
        if self.on_drawn is not None:
            self.on_drawn()

    def on_mount(self) -> None:
        self._show_status()
        if self.streaming and self._live is not None:
            self._stream = Markdown.get_stream(self._live)

    # -- streaming ----------------------------------------------------------------------------
    async def append(self, text: str) -> None:
        """Append sanitised text (the worker already sanitised it)."""
        if not text:
            return
        self.text += text
        if self._stream is not None:
            await self._stream.write(text)
        elif self._live is not None:
            await self._live.append(text)

    async def finish(self, raw_text: str, status: str = "") -> None:
        """The stream ended: final flush, then remember the raw text for parts and copying."""
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()
        self.streaming = False
        self.raw_text = raw_text
        if self._live is not None and self._live.source != self.text:
            await self._live.update(self.text)  # belt and braces: the screen must equal the answer
        self.status = status

    @property
    def shown_text(self) -> str:
        """The text on screen right now (all parts joined, or the live document)."""
        if self._live is not None and self._live.is_mounted:
            return self._live.source
        return "".join(part.source for part in self.query(PartView))

    # -- status line --------------------------------------------------------------------------
    @property
    def status(self) -> str:
        return self._status

    @status.setter
    def status(self, value: str) -> None:
        self._status = value
        if self.is_mounted:
            self._show_status()

    def _show_status(self) -> None:
        line = self.query_one(".answer-status", Static)
        line.update(self._status)
        line.display = bool(self._status)

    # -- parts ----------------------------------------------------------------------------------
    async def ensure_parts(self) -> list[str]:
        """Switch to one widget per part (only when selecting needs it)."""
        if self.streaming:
            return []
        if not self.parts:
            stored = self.parts_provider() if self.parts_provider is not None else None
            self.parts = stored or split_blocks(self.raw_text) or [self.raw_text]
            widgets = [PartView(sanitize(part), classes="part") for part in self.parts]
            if self._live is not None:
                live, self._live = self._live, None
                await live.remove()
            await self.mount_all(widgets)
        return self.parts

    def part_widget(self, index: int) -> PartView:
        return list(self.query(PartView))[index]

    def select(self, index: int | None) -> None:
        self.selected = index
        for number, part in enumerate(self.query(PartView)):
            part.set_class(number == index, "-selected")

    async def begin_part_rewrite(self, index: int) -> None:
        part = self.part_widget(index)
        part.add_class("-rewriting")
        await part.update("")
        self._part_text = ""
        self._part_stream = Markdown.get_stream(part)

    async def append_part(self, text: str) -> None:
        if text and self._part_stream is not None:
            self._part_text += text
            await self._part_stream.write(text)

    async def end_part_rewrite(self, index: int, new_raw: str | None) -> None:
        """Keep the streamed replacement (`new_raw`), or put the old part back (None)."""
        if self._part_stream is not None:
            stream, self._part_stream = self._part_stream, None
            await stream.stop()
        part = self.part_widget(index)
        part.remove_class("-rewriting")
        if new_raw is not None:
            self.parts[index] = new_raw
        await part.update(sanitize(self.parts[index]))
        self.raw_text = "".join(self.parts)
        self.text = sanitize(self.raw_text)

    async def set_part(self, index: int, raw: str) -> None:
        self.parts[index] = raw
        await self.part_widget(index).update(sanitize(raw))
        self.raw_text = "".join(self.parts)
        self.text = sanitize(self.raw_text)
