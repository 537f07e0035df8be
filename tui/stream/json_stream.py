"""Incremental JSON: complete values out of text that arrives in arbitrary pieces.

A model streaming JSON (structured output, tool-call arguments, NDJSON-ish lists) sends it in pieces
that split strings, escapes and numbers anywhere. The parser scans each new character once, tracking
nesting depth and whether it is inside a string (so braces and brackets in strings, and escaped
quotes, do not count), and hands complete top-level objects and arrays to `json.loads`. Text between
values (white space, commas, or prose around the JSON) is skipped. `partial` gives the value so far
(jiter's partial mode) to show tool-call arguments while they stream.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jiter

from tui.stream.errors import RillStreamError

_OUTSIDE = re.compile(r"[\[{]")  # where the next top-level value starts
_STRUCTURE = re.compile(r'[\[\]{}"]')  # inside a value, outside strings
_IN_STRING = re.compile(r'["\\]')  # inside a string


class JSONStreamError(RillStreamError, ValueError):
    """A top-level value completed but is not valid JSON (raised only with `strict=True`)."""

    type = "invalid_json"


class JSONStreamParser:
    """Feed text with `feed(chunk)`; take complete values with `get_objects()`.

    With `strict=False` (the default) a value that closes but does not parse is skipped and its
    message recorded in `errors`; with `strict=True` `feed` raises `JSONStreamError` for it (the
    parser stays usable: the bad value is dropped).
    """

    def __init__(self, *, strict: bool = False, max_value_size: int | None = 16 * 1024 * 1024) -> None:
        self.strict = strict
        self.max_value_size = max_value_size
        self.errors: list[str] = []
        self._pieces: list[str] = []  # text of the current (unfinished) value, from its first bracket
        self._size = 0
        self._depth = 0
        self._in_string = False
        self._escaped = False
        self._ready: list[Any] = []

    # -- feeding -----------------------------------------------------------------------------
    def feed(self, chunk: str) -> list[Any]:
        """Scan `chunk`; returns the values it completed (they are also kept for `get_objects`)."""
        completed: list[Any] = []
        text = chunk
        while text:
            if self._depth == 0:
                match = _OUTSIDE.search(text)
                if match is None:
                    break
                text = text[match.start() :]
            end = self._scan(text)
            if end < 0:
                self._pieces.append(text)
                self._size += len(text)
                if self.max_value_size is not None and self._size > self.max_value_size:
                    size = self._size
                    self.reset()
                    self._fail(f"a JSON value grew past {self.max_value_size} characters ({size}); dropped it")
                break
            self._pieces.append(text[:end])
            value = "".join(self._pieces)
            self._pieces, self._size = [], 0
            completed.extend(self._finish(value))
            text = text[end:]
        self._ready.extend(completed)
        return completed

    def _scan(self, text: str) -> int:
        """Advance the state through `text`; the index just after a top-level value's end, or -1."""
        pos, size = 0, len(text)
        while pos < size:
            if self._in_string:
                if self._escaped:
                    self._escaped = False
                    pos += 1
                    continue
                match = _IN_STRING.search(text, pos)
                if match is None:
                    return -1
                pos = match.end()
                if match.group() == "\\":
                    self._escaped = True
                else:
                    self._in_string = False
                continue
            match = _STRUCTURE.search(text, pos)
            if match is None:
                return -1
            pos = match.end()
            char = match.group()
            if char == '"':
                self._in_string = True
            elif char in "[{":
                self._depth += 1
            else:
                self._depth -= 1
                if self._depth == 0:
                    return pos
        return -1

    def _finish(self, text: str) -> list[Any]:
        try:
            return [json.loads(text)]
        except ValueError as exc:
            preview = text if len(text) <= 40 else text[:37] + "..."
            self._fail(f"invalid JSON value {preview!r}: {exc}")
            return []

    def _fail(self, message: str) -> None:
        self.errors.append(message)
        if self.strict:
            raise JSONStreamError(message)

    # -- reading -----------------------------------------------------------------------------
    @property
    def has_complete_objects(self) -> bool:
        return bool(self._ready)

    def get_objects(self) -> list[Any]:
        """The complete values parsed so far and not yet taken, in order (taking them)."""
        ready, self._ready = self._ready, []
        return ready

    @property
    def in_value(self) -> bool:
        """True while a value has started but not closed."""
        return self._depth > 0

    @property
    def partial(self) -> Any:
        """The unfinished value as parsed so far (None when no value is open).

        Incomplete strings are included as far as they go; an unfinished number or literal is left out.
        """
        if self._depth == 0 or not self._pieces:
            return None
        try:
            return jiter.from_json("".join(self._pieces).encode(), partial_mode="trailing-strings")
        except ValueError:
            return None

    def reset(self) -> None:
        """Forget any unfinished value (complete values not yet taken are kept)."""
        self._pieces, self._size, self._depth = [], 0, 0
        self._in_string = self._escaped = False
