"""The `@path` completions, shown above the prompt while a path is typed (hidden when there are none)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.app.screens._literal import visible

SHOWN = 6  # rows of suggestions at most; the highlighted one is always among them


class PathSuggestions(Static):
    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.items: list[str] = []
        self.index = 0
        self.display = False

    def show(self, items: list[str], index: int) -> None:
        self.items, self.index = list(items), index
        self.display = bool(items)
        if not items:
            self.update("")
            return
        first = min(max(0, index - SHOWN // 2), max(0, len(items) - SHOWN))
        text = Text(end="")
        for number, item in enumerate(items[first : first + SHOWN], start=first):
            if text:
                text.append("\n")
            marker = "▸ " if number == index else "  "
            text.append(marker + visible(item, one_line=True), style="reverse" if number == index else "")
        more = len(items) - (first + SHOWN)
        hint = "\n  tab completes · up/down choose · escape hides" + (f" · {more} more" if more > 0 else "")
        text.append(hint, style="dim")
        self.update(text)
