"""Markdown (and plain text) rendered once into lines: what the transcript paints, one block at a time.

Rendering is Rich's job (`rich.markdown.Markdown`: markdown-it underneath, `Syntax` for fenced code,
tables, quotes, nested lists): this module only picks the styles and keeps the result as Textual
`Strip`s, so a finished block costs nothing more until the width or the theme changes. Model text is
parsed as Markdown, never as Rich markup: `[bold]` stays literal. The text reaching here has already
been sanitised (tui/stream/sanitize.py), so no escape sequence can be in it.

`estimate_rows` guesses a block's height without rendering it (used for blocks nobody has looked at
yet: the transcript corrects the guess when the block is rendered, keeping the view where it was).
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any, ClassVar

from markdown_it import MarkdownIt
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import CodeBlock, Heading, Markdown
from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax, SyntaxTheme
from rich.text import Text
from rich.theme import Theme
from textual.strip import Strip

# transcript component class -> the Rich markdown styles it sets (theme-aware: from the app's CSS)
MARKDOWN_STYLES: dict[str, tuple[str, ...]] = {
    "transcript--heading": (
        "markdown.h1",
        "markdown.h2",
        "markdown.h3",
        "markdown.h4",
        "markdown.h5",
        "markdown.h6",
        "markdown.h1.border",
    ),
    "transcript--code": ("markdown.code",),
    "transcript--quote": ("markdown.block_quote",),
    "transcript--link": ("markdown.link", "markdown.link_url"),
    "transcript--bullet": ("markdown.item.bullet", "markdown.item.number", "markdown.list"),
    "transcript--rule": ("markdown.hr", "markdown.table.border"),
    "transcript--table-header": ("markdown.table.header",),
}


class LeftHeading(Heading):
    """Headings start at the left edge, like everything else in a chat transcript."""

    LEVEL_ALIGN: ClassVar = {tag: "left" for tag in Heading.LEVEL_ALIGN}


@lru_cache(maxsize=64)
def _lexer(name: str) -> Any:
    """The Pygments lexer Rich would pick for `name` (plain text for an unknown language)."""
    syntax = Syntax("", name)
    return syntax.lexer or syntax.default_lexer


@lru_cache(maxsize=8)
def _syntax_theme(name: str) -> SyntaxTheme:
    return Syntax.get_theme(name)


class CachedCodeBlock(CodeBlock):
    """Rich's code block, with the Pygments lexer and theme looked up once, not for every block."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        code = str(self.text).rstrip()
        yield Syntax(code, _lexer(self.lexer_name), theme=_syntax_theme(self.theme), word_wrap=True, padding=1)


_PARSER = MarkdownIt().enable("strikethrough").enable("table")  # Rich builds one per document: ~1 ms


class TranscriptMarkdown(Markdown):
    elements: ClassVar = {
        **Markdown.elements,
        "heading_open": LeftHeading,
        "fence": CachedCodeBlock,
        "code_block": CachedCodeBlock,
    }

    def __init__(
        self, markup: str, code_theme: str = "monokai", hyperlinks: bool = False, hard_breaks: bool = False
    ) -> None:
        self.markup = markup
        self.parsed = _PARSER.parse(markup)
        if hard_breaks:  # a typed prompt: each line break the person made stays a line break
            for token in self.parsed:
                for child in token.children or ():
                    if child.type == "softbreak":
                        child.type = "hardbreak"
        self.code_theme = code_theme
        self.justify = None
        self.style = "none"
        self.hyperlinks = hyperlinks
        self.inline_code_lexer = None
        self.inline_code_theme = code_theme


class LineRenderer:
    """Renders Markdown blocks and plain text into `Strip`s with the transcript's current styles."""

    def __init__(self) -> None:
        self.generation = 0  # bumped when the styles change: every cached line is stale then
        self._key: tuple[object, ...] | None = None
        self.code_theme = "monokai"
        self.text_styles: dict[str, Style] = {}
        self._console = self._make_console(Theme({}))

    @staticmethod
    def _make_console(theme: Theme) -> Console:
        return Console(
            file=io.StringIO(),
            force_terminal=True,
            color_system="truecolor",
            width=80,
            theme=theme,
            legacy_windows=False,
            emoji=False,
            markup=False,
            highlight=False,
            _environ={},
        )

    def set_styles(self, markdown: dict[str, Style], text: dict[str, Style], dark: bool) -> bool:
        """New component styles (a theme change); True if they differ, so cached lines must go."""
        key = (tuple(sorted(markdown.items())), tuple(sorted(text.items())), dark)
        if key == self._key:
            return False
        self._key = key
        styles: dict[str, Style] = {}
        for component, names in MARKDOWN_STYLES.items():
            style = markdown.get(component, Style())
            for name in names:
                level = name.removeprefix("markdown.")
                extra = {
                    "h1": Style(bold=True, underline=True),
                    "h2": Style(bold=True, underline=True),
                    "h3": Style(bold=True),
                    "h4": Style(bold=True, italic=True),
                }.get(level, Style())
                styles[name] = style + extra
        self.text_styles = dict(text)
        self.code_theme = "monokai" if dark else "default"
        self._console = self._make_console(Theme(styles, inherit=True))
        self.generation += 1
        return True

    def markdown(self, source: str, width: int, hard_breaks: bool = False) -> list[Strip]:
        if not source.strip():
            return []
        document = TranscriptMarkdown(source, code_theme=self.code_theme, hyperlinks=False, hard_breaks=hard_breaks)
        return self._lines(document, width)

    def text(self, source: str, width: int, role: str) -> list[Strip]:
        return self._lines(Text(source, style=self.text_styles.get(role, Style())), width)

    def _lines(self, renderable: Markdown | Text, width: int) -> list[Strip]:
        console = self._console
        options = console.options.update_width(max(1, width))
        lines = console.render_lines(renderable, options, pad=False)
        # Rich sets lists and tables off with empty lines; between blocks the transcript has its own gap
        start, end = 0, len(lines)
        while start < end and _empty(lines[start]):
            start += 1
        while end > start and _empty(lines[end - 1]):
            end -= 1
        return [Strip(line) for line in lines[start:end]]


def _empty(line: list[Segment]) -> bool:
    """Only spaces, with no background (a code block's padding line has one, and stays)."""
    return all(
        not segment.text.strip() and (segment.style is None or segment.style.bgcolor is None) for segment in line
    )


def estimate_rows(source: str, width: int) -> int:
    """A block's height without rendering it: each source line wrapped at `width`."""
    width = max(1, width)
    body = source.strip("\n")
    if not body.strip():
        return 0
    rows = 0
    for line in body.split("\n"):
        rows += max(1, -(-len(line) // width))
    first = body.lstrip()[:3]
    if first in ("```", "~~~"):
        rows += 0  # the two fence lines stand for Syntax's top and bottom padding
    elif first.startswith("|"):
        rows += 2  # the table's top and bottom border
    return rows
