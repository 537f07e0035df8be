"""The session browser's list: an OptionList that asks for more rows when the user nears its end.

The screen loads conversations a page at a time and keeps a bounded window of them; this widget only
reports that the highlight or the scroll position came close to the last loaded row (`NearEnd`) or the
first (`NearStart`), so the screen can fetch the next or the previous page before the user gets there.
It never loads anything itself (data flows down, events flow up).
"""

from __future__ import annotations

from textual.message import Message
from textual.widgets import OptionList


class SessionList(OptionList):
    LOOKAHEAD = 20  # rows before the end at which the next page is requested

    class NearEnd(Message):
        """The user is within LOOKAHEAD rows of the last loaded row."""

    class NearStart(Message):
        """The user is within LOOKAHEAD rows of the first loaded row (the screen may have let go of
        rows above it, and then fetches them again)."""

    _quiet = False  # set while the screen swaps rows, so the swap itself reports nothing

    def replace_rows(self, options: list, highlighted: int | None, shift: int) -> None:
        """Show `options` instead, keeping the view still: the same row highlighted, and the scroll
        position moved by `shift` lines (rows added above: positive; let go of above: negative)."""
        scroll_y = self.scroll_y
        self._quiet = True
        try:
            self.set_options(options)
            if highlighted is not None and options:
                self.highlighted = max(0, min(highlighted, len(options) - 1))
            self.scroll_to(y=max(0, scroll_y + shift), animate=False, immediate=True)
        finally:
            self._quiet = False

    def _maybe_near_end(self) -> None:
        count = self.option_count
        if not count or self._quiet:
            return
        highlighted = self.highlighted if self.highlighted is not None else 0
        near_highlight = highlighted >= count - self.LOOKAHEAD
        near_scroll = self.max_scroll_y > 0 and self.scroll_y >= self.max_scroll_y - self.size.height
        if near_highlight or near_scroll:
            self.post_message(self.NearEnd())
        if highlighted < self.LOOKAHEAD or (self.max_scroll_y > 0 and self.scroll_y <= self.size.height):
            self.post_message(self.NearStart())

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        self._maybe_near_end()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._maybe_near_end()
