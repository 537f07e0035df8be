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

from rich.table import Table
from rich.text import Text

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
        text.append(plain[position:match.start()], "dim")
        text.append(match.group(1), "bold reverse")
        position = match.end()
    text.append(plain[position:], "dim")
    return text


def summary_prompt(title: str | None, model: str | None, updated: str | None,
                   message_count: int | None, snippet: str | None = None) -> Table:
    """One option of the list: title | model | date | messages, and the snippet below for a search hit."""
    grid = Table.grid(expand=True, padding=(0, 1))
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(no_wrap=True, overflow="ellipsis", max_width=24)
    grid.add_column(no_wrap=True, width=16)
    grid.add_column(no_wrap=True, justify="right", width=8)
    title_text = Text(display_title(title), style="bold" if title else "italic dim", end="")
    count = "" if message_count is None else f"{message_count} msg" + ("" if message_count == 1 else "s")
    grid.add_row(title_text, Text(visible(model or "", one_line=True), style="dim", end=""),
                 Text(display_date(updated), end=""), Text(count, style="dim", end=""))
    if snippet is not None:
        grid.add_row(snippet_text(snippet), "", "", "")
    return grid


def export_filename(title: str | None, conversation_id: Any) -> str:
    """A portable file name: the title's words (ASCII, lower case) and the id, so exports never collide."""
    slug = _SLUG.sub("-", (title or "").lower()).strip("-")[:60].strip("-") or "conversation"
    return f"{slug}-{conversation_id}.md"
