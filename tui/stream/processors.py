"""Processors: small per-event transforms that a `StreamRun` applies before anything is delivered.

A processor sees every event in order and returns it (changed or not) or None to drop it. One that
holds text back (a filter waiting to see whether a pattern completes) gives it up in `flush()`, which
the run calls before END, also when the stream is cancelled or breaks, so held text is never lost.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable

from tui.stream.events import StreamEvent, StreamEventType


class StreamProcessor(ABC):
    """Base for processors: `process(event) -> event | None` (None drops it); optional `flush()`."""

    @abstractmethod
    def process(self, event: StreamEvent) -> StreamEvent | None:
        """Return the event to pass on (possibly a new one) or None to drop it."""

    def flush(self) -> list[StreamEvent]:
        """Events for text held back so far; called once before END."""
        return []


class PassthroughProcessor(StreamProcessor):
    """Passes every event unchanged (a placeholder in a chain, and the cost baseline)."""

    def process(self, event: StreamEvent) -> StreamEvent | None:
        return event


class ContentFilterProcessor(StreamProcessor):
    """Replaces patterns in streamed text, even when a match is split across deltas.

    `patterns` are literal strings or compiled regular expressions. Text that could still be the
    start of a match is held back until the next delta decides it (for literals: the longest tail
    that is a prefix of a pattern; for regexes: the last `max_match_length - 1` characters), and is
    released by `flush()` at the end. Each event type (and index) is filtered as its own stream.

    `block_patterns=[...]` is the seed API's spelling: its strings are regular expressions (a plain
    word is its own literal; a string that does not compile is taken literally).
    """

    def __init__(
        self,
        patterns: Iterable[str | re.Pattern[str]] | None = None,
        replacement: str = "[filtered]",
        *,
        block_patterns: Iterable[str | re.Pattern[str]] | None = None,
        ignore_case: bool = False,
        max_match_length: int = 256,
        event_types: Iterable[StreamEventType] = (StreamEventType.DELTA,),
    ) -> None:
        if patterns is not None and block_patterns is not None:
            raise TypeError("give ContentFilterProcessor either patterns or block_patterns, not both")
        patterns = list(patterns) if patterns is not None else [_as_regex(p) for p in block_patterns or ()]
        if not patterns:
            raise ValueError("ContentFilterProcessor needs at least one pattern")
        flags = re.IGNORECASE if ignore_case else 0
        literals = sorted((p for p in patterns if isinstance(p, str) and p), key=len, reverse=True)
        regexes = [p for p in patterns if isinstance(p, re.Pattern)]
        bad = [p for p in patterns if not isinstance(p, (str, re.Pattern))]
        if bad:
            raise TypeError(f"patterns must be str or re.Pattern, got {type(bad[0]).__name__}")
        alternatives = [re.escape(p) for p in literals] + [_scoped(p) for p in regexes]
        self._regex = re.compile("|".join(alternatives), flags)
        self._literals = [p.lower() for p in literals] if ignore_case else literals
        self._ignore_case = ignore_case
        self._regex_hold = max(0, max_match_length - 1) if regexes else 0
        # every proper prefix of a literal: the tails worth holding back
        self._prefixes = frozenset(p[:n] for p in self._literals for n in range(1, len(p)))
        self._longest_prefix = max((len(p) - 1 for p in self._literals), default=0)
        self.replacement = replacement
        self.event_types = frozenset(event_types)
        self._pending: dict[tuple[StreamEventType, int], str] = {}
        self.matches = 0  # how many replacements were made

    def process(self, event: StreamEvent) -> StreamEvent | None:
        if event.type not in self.event_types:
            return event
        key = (event.type, event.index)
        held = self._pending.get(key)
        text = held + event.content if held else event.content
        if held is None and self._regex.search(text) is None and not self._hold(text):
            return event  # the common case: nothing to replace, nothing to hold, same event on
        out, rest = self._drain(text, final=False)
        if rest:
            self._pending[key] = rest
        else:
            self._pending.pop(key, None)
        if not out:
            return None
        if out == event.content:
            return event
        return StreamEvent(event.type, out, event.index, event.metadata, event.timestamp)

    def flush(self) -> list[StreamEvent]:
        events = []
        for (kind, index), text in self._pending.items():
            out, _ = self._drain(text, final=True)
            if out:
                events.append(StreamEvent(kind, out, index))
        self._pending.clear()
        return events

    # -- matching ----------------------------------------------------------------------------
    def _hold(self, text: str) -> int:
        """How many trailing characters might still grow into a match."""
        hold = min(len(text), self._regex_hold)
        if self._prefixes:
            longest = min(len(text), self._longest_prefix)
            tail = text[-longest:].lower() if self._ignore_case else text[-longest:]
            for size in range(longest, hold, -1):
                if tail[-size:] in self._prefixes:
                    return size
        return hold

    def _drain(self, text: str, *, final: bool) -> tuple[str, str]:
        """(text safe to emit with replacements made, text to keep for later)."""
        safe = len(text) if final else len(text) - self._hold(text)
        pieces: list[str] = []
        pos = 0
        for match in self._regex.finditer(text):
            if match.start() >= safe or (not final and match.end() > safe):
                safe = min(safe, match.start())  # may still grow: decide on the next delta
                break
            if match.end() == match.start():
                continue
            pieces.append(text[pos : match.start()])
            pieces.append(self.replacement)
            self.matches += 1
            pos = match.end()
        pieces.append(text[pos:safe])
        return "".join(pieces), text[safe:]


_REGEX_SYNTAX = frozenset(".^$*+?{}[]\\|()")


def _as_regex(pattern: str | re.Pattern[str]) -> str | re.Pattern[str]:
    """A seed `block_patterns` entry: a string with regex syntax becomes a regex; others stay literal."""
    if isinstance(pattern, str) and not _REGEX_SYNTAX.isdisjoint(pattern):
        try:
            return re.compile(pattern)
        except re.error:
            return pattern
    return pattern


def _scoped(pattern: re.Pattern[str]) -> str:
    """A regex as a group that keeps its own i/m/s flags inside the combined alternation."""
    letters = "".join(c for flag, c in ((re.I, "i"), (re.M, "m"), (re.S, "s")) if pattern.flags & flag)
    return f"(?{letters}:{pattern.pattern})" if letters else f"(?:{pattern.pattern})"
