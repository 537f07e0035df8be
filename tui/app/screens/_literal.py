"""Text from users, models and tools shown exactly as written, and nothing sent to the terminal raw.

Screens never pass such text through Rich/Textual markup (`[bold]` stays `[bold]`), and control
characters (ESC sequences, OSC 52 clipboard writes, bells, carriage returns) are shown as visible
symbols instead of reaching the terminal. Newlines and tabs are kept where a block of text is shown,
and turned into symbols in one-line labels.
"""

from __future__ import annotations

import re

from rich.text import Text

_BLOCK = {code: chr(0x2400 + code) for code in range(0x20) if chr(code) not in "\n\t"}
_BLOCK[0x7F] = "\u2421"
_BLOCK.update({code: f"<{code:02X}>" for code in range(0x80, 0xA0)})
_LINE = dict(_BLOCK)
_LINE[ord("\n")] = "\u21b5"
_LINE[ord("\t")] = " "
# what each table would change: most text has none of it, and a regex finds that out fast
_ANY = {line: re.compile(f"[{re.escape(''.join(map(chr, t)))}]") for line, t in ((False, _BLOCK), (True, _LINE))}


def visible(text: str, *, one_line: bool = False) -> str:
    """`text` with control characters replaced by visible symbols (␛ for ESC, ␇ for BEL, ...)."""
    if not _ANY[one_line].search(text):
        return text
    return text.translate(_LINE if one_line else _BLOCK)


def literal(text: str, style: str = "", *, one_line: bool = False) -> Text:
    """A Rich `Text` that renders `text` literally: no markup, no control characters."""
    return Text(visible(text, one_line=one_line), style=style, end="")


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, saying how much was left out, so a huge value cannot freeze a modal."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n… ({len(text) - limit:,} more characters not shown)"
