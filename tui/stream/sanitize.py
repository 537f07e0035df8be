"""Make model text safe to show: no escape sequence or control character may reach the terminal.

Model output is untrusted. `\\x1b[2J` would clear the screen, OSC 52 (`\\x1b]52;c;...\\x07`) would write
the user's clipboard, bare control characters corrupt the layout, and bidi overrides (U+202E) make a
line read differently from what it is (a tool's arguments shown for consent, say). Everything that
shows model text (the app's transcript, print mode, the history commands, the console handler,
conversation titles) passes it through here first. It is the one sanitizer of the project.

- `sanitize(text)`: escape sequences (CSI, OSC, DCS/SOS/PM/APC, 7- and 8-bit), C0 and C1 controls
  (tab and newline are kept; CRLF becomes LF) and bidi embedding/override/isolate characters removed.
- `StreamSanitizer`: the same for a stream of deltas; an escape sequence split across two deltas is
  held back until it is complete, so its tail never shows up as stray text, and `flush()` at the end
  of the stream drops whatever is still unfinished.
- `one_line(text)`: `sanitize`, then every run of whitespace (U+2028/U+2029 included) made one space:
  for status lines, table cells and titles.
- `safe_json(value)`: JSON that keeps every character of the data but escapes each control character
  (C0, DEL, C1), bidi control and U+2028/U+2029, so printing it cannot drive a terminal either.
"""

from __future__ import annotations

import json
import re
from typing import Any

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
# Bidi embeddings, overrides and isolates: they reorder what a terminal shows ("Trojan Source").
_BIDI = "\u202a-\u202e\u2066-\u2069"
# C0 controls except tab and newline, DEL, the C1 range and the bidi controls; `\r` is handled before
# (CRLF -> LF).
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
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
# What JSON output escapes beyond what `json.dumps` does (it escapes C0 and leaves the rest).
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f\u2028\u2029{_BIDI}]")


def sanitize(text: str) -> str:
    """Remove escape sequences, control characters and bidi controls; keep newlines and tabs."""
    if not text:
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "")
    text = _SEQUENCE.sub("", text)
    return _CONTROL.sub("", text)


def one_line(text: str) -> str:
    """`sanitize(text)` on one line: runs of whitespace (newlines, U+2028/U+2029, tabs) become one space."""
    return " ".join(sanitize(text).split())


def safe_json(value: Any, *, indent: int | None = None) -> str:
    """`json.dumps(value)` with non-ASCII kept readable, and every control character escaped (still
    valid JSON with the same data)."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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
                self._held = text[match.start() :] + self._held
                text = text[: match.start()]
                break
        return sanitize(text)

    def flush(self) -> str:
        """The end of the stream: whatever is held is an unfinished sequence, so it is dropped."""
        held, self._held = self._held, ""
        return sanitize(held.replace("\x1b", "").replace("\x9b", "").replace("\x9d", ""))


__all__ = ["StreamSanitizer", "one_line", "safe_json", "sanitize"]
