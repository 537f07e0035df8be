"""The session browser's list: an OptionList that asks for more rows when the user nears its end.

The screen loads conversations a page at a time; this widget only reports that the highlight or the
scroll position came close to the last loaded row (`NearEnd`), so the screen can fetch the next page
before the user gets there. It never loads anything itself (data flows down, events flow up).
"""

from __future__ import annotations

from textual.message import Message
from textual.widgets import OptionList


class SessionList(OptionList):
    LOOKAHEAD = 20  # rows before the end at which the next page is requested

    class NearEnd(Message):
        """The user is within LOOKAHEAD rows of the last loaded row."""

    def _maybe_near_end(self) -> None:
        count = self.option_count
        if not count:
            return
        highlighted = self.highlighted if self.highlighted is not None else 0
        near_highlight = highlighted >= count - self.LOOKAHEAD
        near_scroll = self.max_scroll_y > 0 and self.scroll_y >= self.max_scroll_y - self.size.height
        if near_highlight or near_scroll:
            self.post_message(self.NearEnd())

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        self._maybe_near_end()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._maybe_near_end()
