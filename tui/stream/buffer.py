"""A bounded, thread-safe text buffer for what a handler keeps of a stream.

A handler appends from whatever thread runs the stream while another thread (a UI, a status poll)
reads `content`, so every operation takes one lock. Text is kept as a short list of chunks that is
compacted as it grows: appending stays O(1), and ten thousand tiny deltas do not cost ten thousand
string objects of overhead. An append that would pass `max_size` raises `StreamBufferOverflow` and
leaves the buffer exactly as it was, so nothing already received is lost.
"""

from __future__ import annotations

import threading

from tui.stream.errors import RillStreamError

_COMPACT_AT = 256  # pieces joined into one chunk, bounding per-delta object overhead


class StreamBufferOverflow(RillStreamError, ValueError):
    """An append would exceed the buffer's `max_size`; the buffer keeps what it had."""

    type = "buffer_overflow"

    def __init__(self, message: str, *, size: int, max_size: int, rejected: str) -> None:
        super().__init__(message)
        self.size = size
        self.max_size = max_size
        self.rejected = rejected


class StreamBuffer:
    """Text received so far. `max_size` counts characters (None: unbounded)."""

    __slots__ = ("max_size", "_lock", "_chunks", "_pieces", "_size")

    def __init__(self, max_size: int | None = None) -> None:
        if max_size is not None and max_size < 0:
            raise ValueError("max_size must be >= 0 or None")
        self.max_size = max_size
        self._lock = threading.Lock()
        self._chunks: list[str] = []  # compacted runs of pieces
        self._pieces: list[str] = []  # recent appends, not yet compacted
        self._size = 0

    def append(self, text: str) -> None:
        if not text:
            return
        with self._lock:
            size = self._size + len(text)
            if self.max_size is not None and size > self.max_size:
                raise StreamBufferOverflow(
                    f"stream buffer full: {self._size} of {self.max_size} characters used, "
                    f"cannot add {len(text)} more (raise max_size or clear the buffer)",
                    size=self._size,
                    max_size=self.max_size,
                    rejected=text,
                )
            self._pieces.append(text)
            self._size = size
            if len(self._pieces) >= _COMPACT_AT:
                self._chunks.append("".join(self._pieces))
                self._pieces = []

    write = append

    @property
    def content(self) -> str:
        with self._lock:
            if self._pieces:
                self._chunks.append("".join(self._pieces))
                self._pieces = []
            if len(self._chunks) > 1:
                self._chunks = ["".join(self._chunks)]
            return self._chunks[0] if self._chunks else ""

    def clear(self) -> str:
        """Empty the buffer; returns what it held."""
        with self._lock:
            text = "".join(self._chunks) + "".join(self._pieces)
            self._chunks, self._pieces, self._size = [], [], 0
            return text

    def __len__(self) -> int:
        return self._size

    def __bool__(self) -> bool:
        return self._size > 0

    def __str__(self) -> str:
        return self.content

    def __repr__(self) -> str:
        return f"StreamBuffer(size={self._size}, max_size={self.max_size})"
