"""Make model text safe to show: no escape sequence or control character may reach the terminal.

Model output is untrusted. `\\x1b[2J` would clear the screen, OSC 52 (`\\x1b]52;c;...\\x07`) would write
the user's clipboard, and bare control characters corrupt the layout. The transcript shows text as
Markdown (never as Rich/Textual markup), and everything it shows passes through here first.

`sanitize(text)` is the pure function. `StreamSanitizer` does the same for a stream of deltas: an
escape sequence split across two deltas is held back until it is complete, so its tail never shows
up as stray text, and `flush()` at the end of the stream drops whatever is still unfinished.
"""

from __future__ import annotations

import re

_SEQUENCE = re.compile(
    r"""
      \x1b\[[0-?]*[ -/]*[@-~]                    # CSI: colours, cursor moves, clear screen
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)          # OSC: titles, hyperlinks, clipboard (52)
    | \x1b[PX^_][^\x1b]*\x1b\\                   # DCS, SOS, PM, APC strings
    | \x1b[ -/]*[0-~]                            # other two/three byte escapes (charset, reset, ...)
    | \x9b[0-?]*[ -/]*[@-~]                      # 8-bit CSI
    | \x9d[^\x07\x9c]*(?:\x07|\x9c)              # 8-bit OSC
    """,
    re.VERBOSE,
)
# C0 controls except tab and newline, DEL, and the C1 range; `\r` is handled before (CRLF -> LF).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The beginning of an escape sequence that a later chunk may finish.
_PREFIX = re.compile(
    r"""
      \x1b(?:\[[0-?]*[ -/]*)?                    # CSI so far
    | \x1b\][^\x07\x1b]*\x1b?                    # OSC so far (maybe half of its ESC \\ end)
    | \x1b[PX^_][^\x1b]*\x1b?                    # DCS/SOS/PM/APC so far
    | \x1b[ -/]+                                # other escape, intermediates so far
    | \x9b[0-?]*[ -/]*
    | \x9d[^\x07\x9c]*
    """,
    re.VERBOSE,
)
_START = re.compile(r"[\x1b\x9b\x9d]")
_HOLD_LIMIT = 4096  # an "unfinished" sequence longer than this is junk, not a sequence


def sanitize(text: str) -> str:
    """Remove escape sequences and control characters; keep newlines and tabs."""
    if not text:
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "")
    text = _SEQUENCE.sub("", text)
    return _CONTROL.sub("", text)


class StreamSanitizer:
    """`sanitize` for text that arrives in pieces."""

    __slots__ = ("_held",)

    def __init__(self) -> None:
        self._held = ""

    def feed(self, chunk: str) -> str:
        text = self._held + chunk
        self._held = ""
        if text.endswith("\r"):  # maybe the first half of CRLF
            self._held, text = "\r", text[:-1]
        window = max(0, len(text) - _HOLD_LIMIT)
        for match in _START.finditer(text, window):
            if _PREFIX.fullmatch(text, match.start()):
                self._held = text[match.start():] + self._held
                text = text[:match.start()]
                break
        return sanitize(text)

    def flush(self) -> str:
        """The end of the stream: whatever is held is an unfinished sequence, so it is dropped."""
        held, self._held = self._held, ""
        return sanitize(held.replace("\x1b", "").replace("\x9b", "").replace("\x9d", ""))
