"""The conversation, painted line by line: cost follows what changed and what is visible.

The transcript is one line-API widget (`ScrollView` + `render_line`, like Textual's `Log`) over a
list of entries (entries.py: prompts, answers, the welcome), each a list of pieces (a Markdown block,
a status line, a gap). Every piece has a height: exact once rendered at the current width, else an
estimate. Entry offsets and entry tops are prefix sums, so `render_line(y)` finds its piece with two
bisections and paints one cached `Strip`.

- Rendering happens only for what is on screen (`_settle`): after a change, a scroll or a resize, the
  pieces in the viewport are rendered (Rich, markdown_lines.py) and the layout corrected; a change
  above the view keeps what the user looks at in place (an anchor: piece + line at the top row).
- While an answer streams, only its changed tail blocks are re-rendered; updates are coalesced into one
  layout pass per turn of the message loop (`call_later`), so a burst of text costs one pass.
- Rendered lines of pieces far from the view are dropped beyond KEEP_LINES (heights are kept).
- Following: the view sticks to the end until the user scrolls up; scrolling back to the end, End, or
  a click on the "new text below" mark (shown while not following and text arrives) follows again.
- The selection (a prompt, or an answer's part) is owned here and moved by the app's
  select_prev_part / select_next_part actions over prompts and the parts of finished answers; it is
  reported upward with `SelectionChanged`.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, cast

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.app.widgets.answer import Answer
from tui.app.widgets.entries import Entry, Piece
from tui.app.widgets.markdown_lines import MARKDOWN_STYLES, LineRenderer, estimate_rows
from tui.app.widgets.system_note import SystemNote
from tui.app.widgets.user_message import UserMessage
from tui.app.widgets.welcome import Welcome
from tui.stream.attachments import Attachment

E = TypeVar("E", bound=Entry)
KEEP_LINES = 3000  # rendered lines kept for pieces that are off screen
RENDER_SLICE = 0.03  # seconds of Markdown rendering per pass; what is left renders in the next pass
PAINT_CACHE = 1000  # framed lines kept for repainting (a few screens)
USER_INDENT = 7  # a prompt is set off to the right, behind a bar
FRAME_WIDTH = {"answer": 1, "user": USER_INDENT + 3, "plain": 2}  # columns a frame takes from the content
MARK_TEXT = "↓ new text below · end (or click here) follows"
TEXT_ROLES = ("status", "welcome", "chip", "byline", "system", "citations")
FRAME_STYLES = (
    "transcript--user",
    "transcript--user-border",
    "transcript--selected",
    "transcript--selected-gutter",
    "transcript--rewriting-gutter",
    "transcript--hit",
    "transcript--hit-gutter",
    "transcript--mark",
)


class Transcript(ScrollView, can_focus=True, inherit_bindings=False):
    # Not the scroll views' up/down: those would win over the app's (remappable) select_prev_part /
    # select_next_part. Moving the selection scrolls to the part; paging and home/end still scroll.
    BINDINGS = [
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("home", "scroll_home", show=False),
        Binding("end", "scroll_end", show=False),
    ]
    COMPONENT_CLASSES = {*MARKDOWN_STYLES, *(f"transcript--{role}" for role in TEXT_ROLES), *FRAME_STYLES}

    class SelectionChanged(Message):
        def __init__(self, answer: Answer | None, part: int | None, user: UserMessage | None = None) -> None:
            super().__init__()
            self.answer = answer
            self.part = part
            self.user = user  # a selected prompt (then `answer` is None)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entries: list[Entry] = []
        self.selected_answer: Answer | None = None
        self.selected_user: UserMessage | None = None
        self._tops: list[int] = [0]  # _tops[i] = first row of entry i; _tops[-1] = total height
        self._dirty: dict[Entry, int] = {}  # entry -> first piece whose height may have changed
        self._scheduled = False
        self._width = 0  # the content width the layout is for
        self._renderer = LineRenderer()
        self._frames: dict[str, Style] = {}
        self._base = Style()  # the widget's own colours (they change with focus and theme)
        self._following = True
        self._new_below = False
        self._settling = False
        self._lru: OrderedDict[Piece, int] = OrderedDict()  # rendered pieces, least recently used first
        self._lru_lines = 0
        self._painted: dict[tuple[Piece, int], tuple[tuple[Any, ...], Strip]] = {}  # (piece, line) -> framed
        self._hit: Entry | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self._refresh_styles()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._refresh_styles())
        self._schedule()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted:
            self._refresh_styles()

    def _refresh_styles(self) -> None:
        self._base = self.rich_style
        self._painted.clear()
        self._frames = {name: self.get_component_rich_style(name) for name in FRAME_STYLES}
        markdown = {name: self._text_style(name) for name in MARKDOWN_STYLES}
        text = {role: self._text_style(f"transcript--{role}") for role in TEXT_ROLES}
        if self._renderer.set_styles(markdown, text, self.app.current_theme.dark):
            for entry in self.entries:  # text pieces are measured by rendering them
                self._dirty[entry] = 0
                for piece in entry.pieces:
                    if piece.kind == "text":
                        piece.rows_width = -1
            self._schedule()
        self.refresh()

    def _text_style(self, name: str) -> Style:
        """A component's text style, its colour blended (`$text-muted`), with no background unless it sets one."""
        full, partial = self.get_component_rich_style(name), self.get_component_rich_style(name, partial=True)
        return Style(
            color=full.color,
            bgcolor=full.bgcolor if partial.bgcolor else None,
            bold=partial.bold,
            italic=partial.italic,
            underline=partial.underline,
            strike=partial.strike,
        )

    def on_resize(self, event: events.Resize) -> None:
        self._update()  # settle at once: the layout for the new width, the visible lines rendered

    # -- entries ---------------------------------------------------------------------------------
    @property
    def answers(self) -> list[Answer]:
        return [entry for entry in self.entries if isinstance(entry, Answer)]

    @property
    def users(self) -> list[UserMessage]:
        return [entry for entry in self.entries if isinstance(entry, UserMessage)]

    @property
    def welcome(self) -> Welcome | None:
        return next((entry for entry in self.entries if isinstance(entry, Welcome)), None)

    async def add_user(
        self,
        text: str,
        message_id: int | None = None,
        attachments: Sequence[Attachment] = (),
        *,
        parent_id: int | None = None,
        branch: tuple[int, int] | None = None,
    ) -> UserMessage:
        return self._add(UserMessage(text, message_id, attachments, parent_id=parent_id, branch=branch))

    async def add_answer(self, answer: Answer) -> Answer:
        return self._add(answer)

    def _add(self, entry: E) -> E:
        self._drop_welcome()
        entry.owner = self
        self.entries.append(entry)
        self._dirty[entry] = 0
        self._schedule()
        return entry

    async def remove_entry(self, entry: Entry) -> None:
        if entry in self.entries:
            self.entries.remove(entry)
            entry.owner = None
            self._dirty.pop(entry, None)
            if self.selected_answer is entry:
                self.selected_answer = None
            if self.selected_user is entry:
                self.selected_user = None
            self._schedule()

    async def clear(self) -> None:
        for entry in self.entries:
            entry.owner = None
        self.entries = []
        self.selected_answer = None
        self.selected_user = None
        self._hit = None
        self._dirty.clear()
        self._lru.clear()
        self._lru_lines = 0
        self._painted.clear()
        self._new_below = False
        self._following = True
        self._schedule()

    async def show_welcome(self, text: str) -> None:
        """The hint an empty conversation shows (replaced by the first message)."""
        if any(not isinstance(entry, (Welcome, SystemNote)) for entry in self.entries):
            return
        self._drop_welcome()
        self._add(Welcome(text))

    def set_system_note(self, system: str | None, edit_key: str = "") -> None:
        """Show the conversation's system prompt first (None or blank: no note)."""
        for entry in [e for e in self.entries if isinstance(e, SystemNote)]:
            self.entries.remove(entry)
            entry.owner = None
            self._dirty.pop(entry, None)
        if system and system.strip():
            note = SystemNote(system, edit_key)
            note.owner = self
            self.entries.insert(0, note)
            self._dirty[note] = 0
        self._schedule()

    @property
    def system_note(self) -> SystemNote | None:
        return next((entry for entry in self.entries if isinstance(entry, SystemNote)), None)

    def _drop_welcome(self) -> None:
        for entry in [e for e in self.entries if isinstance(e, Welcome)]:
            self.entries.remove(entry)
            self._dirty.pop(entry, None)
            self._schedule()

    def entry_changed(self, entry: Entry, index: int) -> None:
        self._dirty[entry] = min(index, self._dirty.get(entry, index))
        self._schedule()

    def entry_repaint(self, entry: Entry) -> None:
        self.refresh()

    # -- following -------------------------------------------------------------------------------
    @property
    def following(self) -> bool:
        return self._following

    @property
    def new_text_below(self) -> bool:
        """The "new text below" mark is showing."""
        return self._new_below and not self._following

    def follow(self) -> None:
        """Jump to the end and follow again (a new prompt was sent, End, a click on the mark)."""
        self._following = True
        self._new_below = False
        self._update()

    def action_scroll_end(self) -> None:
        self.follow()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._settling:
            return
        following = round(new_value) >= self.max_scroll_y  # the user scrolled: to the end, or away
        if following != self._following:
            self._following = following
            if following:
                self._new_below = False
        if round(old_value) != round(new_value):
            self._settle(self._anchor_at(round(new_value)))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and self.new_text_below and offset.y == self._view_height() - 1:
            event.stop()
            self.follow()

    # -- layout ----------------------------------------------------------------------------------
    def _schedule(self) -> None:
        if not self._scheduled and self.is_mounted:
            self._scheduled = True
            self.call_later(self._update)

    def _view_height(self) -> int:
        return self.scrollable_content_region.height

    def _inner(self, frame: str) -> int:
        return max(8, self._width - FRAME_WIDTH.get(frame, 0))

    def _measure(self, piece: Piece) -> int:
        """The piece's rows (exact if known at this width, else estimated) plus its gap."""
        if piece.kind == "gap":
            return 1
        width = self._inner(piece.frame)
        if piece.rows_width != width:
            if piece.kind == "text":
                self._render_piece(piece)
            else:
                piece.rows = estimate_rows(piece.source, width)
                piece.rows_width = width
        return max(piece.rows, 1 if piece.frame == "answer" and piece.kind == "markdown" else 0) + piece.pad_below

    def _relayout(self, entry: Entry, start: int) -> None:
        start = max(0, min(start, len(entry.offsets) - 1, len(entry.pieces)))
        offsets = entry.offsets[: start + 1]
        total = offsets[-1]
        for piece in entry.pieces[start:]:
            total += self._measure(piece)
            offsets.append(total)
        entry.offsets = offsets

    def _retop(self) -> None:
        tops = [0]
        for entry in self.entries:
            tops.append(tops[-1] + entry.height)
        self._tops = tops

    def _update(self) -> None:
        """Lay out what changed, then render what is visible (see `_settle`)."""
        self._scheduled = False
        if not self.is_mounted:
            return
        width = self.scrollable_content_region.width
        if width <= 0:
            return
        anchor = None if self._following else self._anchor_at(round(self.scroll_y))
        if width != self._width:
            self._width = width
            self._dirty = dict.fromkeys(self.entries, 0)
        dirty, self._dirty = self._dirty, {}
        grew = False
        drawn: list[Callable[[], None]] = []
        for entry, start in dirty.items():
            if entry.owner is not self:
                continue
            self._relayout(entry, start)
            if isinstance(entry, Answer) and entry.drawn_pending:
                entry.drawn_pending = False
                grew = True
                if entry.on_drawn is not None:
                    drawn.append(entry.on_drawn)
        self._retop()
        if grew and not self._following:
            self._new_below = True
        self._settle(anchor)
        for callback in drawn:  # the worker's pacing: this update has now cost what it costs
            self.call_after_refresh(callback)

    def _anchor_at(self, row: int) -> tuple[Entry, Piece, int] | None:
        found = self._locate(row)
        if found is None:
            return None
        entry_index, piece_index, line = found
        entry = self.entries[entry_index]
        return entry, entry.pieces[piece_index], line

    def _anchor_row(self, anchor: tuple[Entry, Piece, int] | None) -> int | None:
        if anchor is None:
            return None
        entry, piece, line = anchor
        if entry.owner is not self or entry not in self.entries:
            return None
        try:
            index = entry.pieces.index(piece)
        except ValueError:
            index, line = 0, 0
        top = self._tops[self.entries.index(entry)] + entry.offsets[index]
        rows = entry.offsets[index + 1] - entry.offsets[index] if index + 1 < len(entry.offsets) else 1
        return top + min(line, max(0, rows - 1))

    def _top_row(self, anchor: tuple[Entry, Piece, int] | None) -> int:
        total, height = self._tops[-1], self._view_height()
        if self._following:
            return max(0, total - height)
        row = self._anchor_row(anchor)
        if row is None:
            row = round(self.scroll_y)
        return max(0, min(row, total - height))

    def _settle(self, anchor: tuple[Entry, Piece, int] | None) -> None:
        """Render the pieces in view, correct the layout (estimates -> exact heights) until it holds
        still, keep the anchor (or the end) in place, and repaint."""
        if self._width <= 0:
            return
        height = self._view_height()
        deadline = time.perf_counter() + RENDER_SLICE
        more = False
        for _ in range(12):
            top = self._top_row(anchor)
            changed = False
            visible = list(self._visible(top, height))
            if self._following:
                visible.reverse()  # the newest text first
            for entry, piece_index, piece in visible:
                if piece.kind == "gap" or piece.key == self._key(piece):
                    self._touch(piece)
                    continue
                if time.perf_counter() > deadline:
                    more = True  # the rest in the next slice: keys are handled in between
                    break
                before = piece.rows, piece.rows_width
                self._render_piece(piece)
                if (piece.rows, piece.rows_width) != before:
                    self._relayout(entry, piece_index)
                    changed = True
            if changed:
                self._retop()
            if more or not changed:
                break
        if more:
            self._schedule()
        top = self._top_row(anchor)
        self._settling = True
        try:
            size = Size(self._width, self._tops[-1])
            if size != self.virtual_size:
                # only the scrollbar depends on it: no screen layout for every change of height
                self.set_reactive(Transcript.virtual_size, size)
                self._scroll_update(size)
            self.scroll_target_y = top
            self.scroll_y = top
        finally:
            self._settling = False
        self._trim()
        self.refresh()

    def _locate(self, row: int) -> tuple[int, int, int] | None:
        """(entry index, piece index, line within the piece) of a transcript row."""
        tops = self._tops
        if row < 0 or row >= tops[-1] or not self.entries:
            return None
        entry_index = bisect_right(tops, row) - 1
        entry = self.entries[entry_index]
        local = row - tops[entry_index]
        piece_index = min(bisect_right(entry.offsets, local) - 1, len(entry.pieces) - 1)
        return entry_index, piece_index, local - entry.offsets[piece_index]

    def _visible(self, top: int, height: int) -> Iterator[tuple[Entry, int, Piece]]:
        found = self._locate(top)
        if found is None:
            return
        entry_index, piece_index, _ = found
        end = top + height
        while entry_index < len(self.entries):
            entry = self.entries[entry_index]
            base = self._tops[entry_index]
            while piece_index < len(entry.pieces):
                if base + entry.offsets[piece_index] >= end:
                    return
                yield entry, piece_index, entry.pieces[piece_index]
                piece_index += 1
            entry_index += 1
            piece_index = 0

    # -- rendering -------------------------------------------------------------------------------
    def _key(self, piece: Piece) -> tuple[int, int]:
        return self._inner(piece.frame), self._renderer.generation

    def _render_piece(self, piece: Piece) -> list[Strip]:
        key = self._key(piece)
        if piece.key != key or piece.strips is None:
            if piece.kind == "text":
                strips = self._renderer.text(piece.source, key[0], piece.role)
            else:
                strips = self._renderer.markdown(piece.source, key[0], hard_breaks=piece.frame == "user")
            piece.strips, piece.key = strips, key
            piece.version += 1
            piece.rows, piece.rows_width = len(strips), key[0]  # exact from now on, at this width
        self._touch(piece)
        return piece.strips

    def _touch(self, piece: Piece) -> None:
        lru = self._lru
        self._lru_lines += len(piece.strips or ()) - lru.pop(piece, 0)
        lru[piece] = len(piece.strips or ())

    def _trim(self) -> None:
        """Drop the lines of the least recently painted pieces beyond KEEP_LINES (heights stay)."""
        lru = self._lru
        while self._lru_lines > KEEP_LINES and len(lru) > 1:
            piece, lines = lru.popitem(last=False)
            self._lru_lines -= lines
            piece.drop_lines()

    def render_line(self, y: int) -> Strip:
        width = self._width or self.size.width
        if y == self._view_height() - 1 and self.new_text_below:
            return self._mark_line(width)
        return self._paint_row(round(self.scroll_y) + y, width)

    def _paint_row(self, row: int, width: int) -> Strip:
        base = self._base
        found = self._locate(row)
        if found is None:
            return Strip.blank(width, base)
        entry_index, piece_index, line = found
        entry = self.entries[entry_index]
        piece = entry.pieces[piece_index]
        if piece.kind == "gap":
            return Strip.blank(width, base)
        if piece.key != self._key(piece) or piece.strips is None:
            self._schedule()  # not rendered yet (a slice is pending): blank for now, the next pass draws it
            return Strip.blank(width, base)
        strips = piece.strips
        mark = piece.mark if line < max(piece.rows, 1) else ""
        stamp = (piece.version, mark, width, base)
        cached = self._painted.get((piece, line))
        if cached is not None and cached[0] == stamp:
            return cached[1]
        if len(self._painted) > PAINT_CACHE:
            self._painted.clear()
        strip = self._frame(piece, strips[line] if line < len(strips) else Strip([]), width, base, mark)
        self._painted[(piece, line)] = (stamp, strip)
        return strip

    def _frame(self, piece: Piece, content: Strip, width: int, base: Style, mark: str) -> Strip:
        frames = self._frames
        inner = self._inner(piece.frame)
        if piece.frame == "user":
            look = mark if mark in ("hit", "selected") else ""
            fill = base + frames[f"transcript--{look}" if look else "transcript--user"]
            border = frames[f"transcript--{look}-gutter" if look else "transcript--user-border"]
            bar = Strip([Segment(" " * USER_INDENT, base), Segment("▌", fill + border), Segment(" ", fill)])
            body = content.apply_style(fill).crop_extend(0, width - USER_INDENT - 2, fill)
            return Strip.join([bar, body, Strip.blank(width - bar.cell_length - body.cell_length, fill)])
        if piece.frame == "answer":
            fill = base + frames[f"transcript--{mark}"] if mark in ("selected", "hit") else base
            if mark:
                gutter_style = fill + frames[f"transcript--{mark}-gutter"]
                gutter = Strip([Segment("▌", gutter_style)])
            else:
                gutter = Strip([Segment(" ", base)])
            body = content.apply_style(fill).crop_extend(0, inner, fill)
            return Strip.join([gutter, body]).crop_extend(0, width, base)
        body = content.apply_style(base).crop_extend(0, inner, base)
        return Strip.join([Strip.blank(1, base), body]).crop_extend(0, width, base)

    def _mark_line(self, width: int) -> Strip:
        style = self._frames.get("transcript--mark", Style(reverse=True))
        return Strip([Segment(MARK_TEXT.center(width)[:width], style)], width)

    # -- what is on screen (tests and the benchmark read it) ---------------------------------------
    def visible_text(self) -> str:
        height = self._view_height()
        return "\n".join(self.render_line(y).text.rstrip() for y in range(height))

    def painted_part(self, answer: Answer, index: int) -> list[str]:
        """The lines part `index` of `answer` paints (gutter included), wherever it is."""
        self._update()
        piece = answer.blocks[index]
        entry_index = self.entries.index(answer)
        piece_index = answer.pieces.index(piece)
        self._render_piece(piece)
        self._relayout(answer, piece_index)
        self._retop()
        top = self._tops[entry_index] + answer.offsets[piece_index]
        return [self._paint_row(top + line, self._width).text for line in range(max(piece.rows, 1))]

    # -- selection and scrolling to an entry --------------------------------------------------------
    def scroll_to_piece(self, entry: Entry, piece: Piece, top: bool = False) -> None:
        """Bring a piece into view (at the top with `top`): the piece is rendered first."""
        self._update()
        if entry not in self.entries or piece not in entry.pieces:
            return
        piece_index = entry.pieces.index(piece)
        self._render_piece(piece)
        self._relayout(entry, piece_index)
        self._retop()
        start = self._tops[self.entries.index(entry)] + entry.offsets[piece_index]
        end = start + max(piece.rows, 1)
        height = self._view_height()
        current = round(self.scroll_y)
        if top or start < current:
            target = start
        elif end > current + height:
            target = min(start, end - height)
        else:
            target = current
        self._following = target >= self._tops[-1] - height
        if self._following:
            self._new_below = False
        self._settle(self._anchor_at(target))

    def show_message(self, message_id: Any) -> bool:
        """Scroll to the entry of a stored message (a search hit) and highlight it."""
        entry = next(
            (e for e in self.entries if e.message_id is not None and str(e.message_id) == str(message_id)), None
        )
        if entry is None:
            return False
        if self._hit is not None:
            self._hit.set_hit(False)
        self._hit = entry
        entry.set_hit(True)
        content = next((piece for piece in entry.pieces if piece.kind != "gap"), entry.pieces[0])
        self._following = False
        self.scroll_to_piece(entry, content, top=True)
        return True

    @property
    def selected_part(self) -> int | None:
        return self.selected_answer.selected if self.selected_answer is not None else None

    async def move_selection(self, step: int) -> bool:
        """Move over the prompts and all parts of the finished answers; False when there is nowhere to go.
        With nothing selected, the first move selects in the last answer (or the last prompt)."""
        stops: list[Entry] = [e for e in self.entries if isinstance(e, UserMessage) or _finished(e)]
        if not stops:
            return False
        current: Entry | None = self.selected_user or self.selected_answer
        if current is None or current not in stops or (isinstance(current, Answer) and current.selected is None):
            answers = [e for e in stops if isinstance(e, Answer)]
            if not answers:
                return self.select_user(cast(UserMessage, stops[-1]))
            parts = answers[-1].load_parts()
            return self._select(answers[-1], len(parts) - 1 if step < 0 else 0)
        if isinstance(current, Answer) and current.selected is not None:
            index = current.selected + step
            if 0 <= index < len(current.load_parts()):
                return self._select(current, index)
        position = stops.index(current) + (1 if step > 0 else -1)
        if not 0 <= position < len(stops):
            return False
        entry = stops[position]
        if isinstance(entry, UserMessage):
            return self.select_user(entry)
        answer = cast(Answer, entry)
        parts = answer.load_parts()
        return self._select(answer, 0 if step > 0 else len(parts) - 1)

    def _unselect(self, keep: Entry | None = None, *, hit: bool = True) -> None:
        if self.selected_answer is not None and self.selected_answer is not keep:
            self.selected_answer.select(None)
            self.selected_answer = None
        if self.selected_user is not None and self.selected_user is not keep:
            self.selected_user.select(False)
            self.selected_user = None
        if hit and self._hit is not None:
            self._hit.set_hit(False)
            self._hit = None

    def _select(self, answer: Answer, index: int) -> bool:
        self._unselect(answer)
        self.selected_answer = answer
        answer.select(index)
        if answer.blocks:
            self.scroll_to_piece(answer, answer.blocks[index])
        self.post_message(self.SelectionChanged(answer, index))
        return True

    def select_user(self, user: UserMessage) -> bool:
        """Select a prompt (to edit it, re-run from it or switch among its edits)."""
        self._unselect(user)
        self.selected_user = user
        user.select(True)
        self.scroll_to_piece(user, user.body)
        self.post_message(self.SelectionChanged(None, None, user))
        return True

    def clear_selection(self) -> None:
        self._unselect(hit=False)


def _finished(entry: Entry) -> bool:
    return isinstance(entry, Answer) and not entry.streaming
