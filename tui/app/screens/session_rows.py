"""How one conversation looks in the session browser: pure functions from store values to renderables.

Kept apart from the screen so formatting (dates, snippets, file names) is testable without an app.
Titles and snippets are user/model text: they are shown literally (no markup) with control characters
made visible. The store marks search matches in a snippet with `[` and `]`; those spans are
highlighted here.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

from tui.app.screens._literal import visible

UNTITLED = "(untitled)"
_MATCH = re.compile(r"\[([^\[\]\n]{1,200})\]")
_SLUG = re.compile(r"[^a-z0-9]+")


def display_title(title: str | None) -> str:
    return visible(title, one_line=True).strip() if title and title.strip() else UNTITLED


def display_date(stamp: str | None) -> str:
    """Local time, minute precision; a value the store wrote in another format is shown as is."""
    if not stamp:
        return ""
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return visible(str(stamp), one_line=True)[:16]


def snippet_text(snippet: str) -> Text:
    """The snippet on one line with the store's `[match]` marks turned into highlighting."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    plain = visible(snippet or "", one_line=True)
    position = 0
    for match in _MATCH.finditer(plain):
        text.append(plain[position : match.start()], "dim")
        text.append(match.group(1), "bold reverse")
        position = match.end()
    text.append(plain[position:], "dim")
    return text


class SessionRow(Visual):
    """One option of the list: title | model | date | messages, and the snippet below for a search hit.

    A Textual `Visual` with a known height (1 line, 2 with a snippet) that lays out its columns at the
    width it is given. Why not a `rich.table.Table`: OptionList asks every option for its height on
    each layout, and a Rich renderable answers by rendering itself, so a few hundred Table rows made
    loading the next page take seconds. It is also a Rich renderable (same lines) for plain-text use.
    """

    MODEL_WIDTH = 22
    DATE_WIDTH = 16
    COUNT_WIDTH = 8
    MIN_TITLE = 20

    def __init__(
        self,
        title: str | None,
        model: str | None,
        updated: str | None,
        message_count: int | None,
        snippet: str | None = None,
    ) -> None:
        self.title = Text(display_title(title), style="bold" if title and title.strip() else "italic dim", end="")
        self.model = Text(visible(model or "", one_line=True), style="dim", end="")
        self.date = Text(display_date(updated), end="")
        count = "" if message_count is None else f"{message_count} msg" + ("" if message_count == 1 else "s")
        self.count = Text(count, style="dim", end="")
        self.snippet = snippet_text(snippet) if snippet is not None else None

    # -- Textual Visual protocol -------------------------------------------------------------
    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return container_width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return 1 if self.snippet is None else 2

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        content = Content("\n").join(Content.from_rich_text(line) for line in self.lines(width))
        return content.render_strips(width, height, style, options)

    # -- Rich renderable --------------------------------------------------------------------
    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(20, options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = self.lines(options.max_width)
        yield lines[0]
        for line in lines[1:]:
            yield Text("\n", end="")
            yield line

    def lines(self, width: int) -> list[Text]:
        """The row at `width` cells; on a narrow terminal the model, then the count, give way to the title."""
        columns: list[tuple[Text, int, bool]] = [(self.date, self.DATE_WIDTH, False)]
        if width - self.DATE_WIDTH - self.COUNT_WIDTH - 2 >= self.MIN_TITLE:
            columns.append((self.count, self.COUNT_WIDTH, True))
        model_width = min(self.MODEL_WIDTH, width // 4)
        if width - sum(w + 1 for _, w, _ in columns) - model_width - 1 >= self.MIN_TITLE:
            columns.insert(0, (self.model, model_width, True))
        title_width = max(1, width - sum(w + 1 for _, w, _ in columns))
        line = _fit(self.title, title_width)
        for text, column_width, right in columns:
            line.append(" ")
            line.append_text(_fit(text, column_width, right=right))
        line.truncate(width)
        if self.snippet is None:
            return [line]
        snippet = self.snippet.copy()
        snippet.truncate(width, overflow="ellipsis")
        return [line, snippet]


def _fit(text: Text, width: int, right: bool = False) -> Text:
    """`text` cut (with an ellipsis) or padded to exactly `width` cells."""
    fitted = text.copy()
    fitted.truncate(width, overflow="ellipsis", pad=True)
    if right and text.cell_len < width:
        fitted = Text(" " * (width - text.cell_len), end="") + text
    return fitted


def summary_prompt(
    title: str | None, model: str | None, updated: str | None, message_count: int | None, snippet: str | None = None
) -> SessionRow:
    return SessionRow(title, model, updated, message_count, snippet)


def export_filename(title: str | None, conversation_id: Any) -> str:
    """A portable file name: the title's words (ASCII, lower case) and the id, so exports never collide."""
    slug = _SLUG.sub("-", (title or "").lower()).strip("-")[:60].strip("-") or "conversation"
    return f"{slug}-{conversation_id}.md"
