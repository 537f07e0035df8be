"""Byte framing for streamed HTTP bodies: Server-Sent Events and newline-delimited JSON.

Both decoders work on *bytes* and only split at ASCII line breaks. A UTF-8 character is never split
by them (its bytes are all >= 0x80), so a character that arrives in two network reads is whole in
the frame, and the JSON payload can go to `jiter` as bytes without a separate decode step. That is
both the correctness rule of the corpus (incremental UTF-8) and most of the speed.

`SSEDecoder` follows the WHATWG "parsing an event stream" algorithm:
- lines end in CRLF, LF or a lone CR, and the CR and LF of one CRLF may come in different reads;
- one leading BOM is dropped (also when it is split across reads);
- lines starting with `:` are comments; a line without `:` is a field name with an empty value;
- `data:` with or without the one optional space; several `data` lines are joined with `\\n`;
- an event is dispatched at a blank line only, so an event pending when the body ends is dropped;
- `id` (without NUL) and `retry` (digits only) are kept; unknown fields are ignored.

`NDJSONDecoder` splits on `\\n` only (U+0085 and U+2028 inside a line are ordinary characters).

Both bound what one event may hold: a line, or an SSE event's joined data, longer than
`max_event_bytes` (default `MAX_EVENT_BYTES`, 16 MiB) raises `EventTooLargeError` instead of growing
without end. A body of any length in many events is fine; only a single event is bounded. Bytes of a
line whose end has not come yet are kept as a list of pieces and joined once, so a long line costs
linear time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from tui.stream.errors import EventTooLargeError

MAX_EVENT_BYTES = 16 * 1024 * 1024
"""The largest single SSE event (its data lines joined) or NDJSON line a decoder accepts."""

_BOM = b"\xef\xbb\xbf"


def _too_large(limit: int) -> EventTooLargeError:
    return EventTooLargeError(
        f"one event larger than {_size(limit)} (a line with no line break, or an event with no end)", limit=limit
    )


def _size(n: int) -> str:
    return f"{n / (1 << 20):g} MiB" if n >= 1 << 20 else f"{n} bytes"


class _LineTail:
    """The start of a line whose end has not arrived: pieces joined once, their size bounded."""

    __slots__ = ("pieces", "size", "limit")

    def __init__(self, limit: int) -> None:
        self.pieces: list[bytes] = []
        self.size = 0
        self.limit = limit

    def add(self, piece: bytes) -> None:
        self.size += len(piece)
        if self.size > self.limit:
            raise _too_large(self.limit)
        self.pieces.append(piece)

    def take(self, chunk: bytes) -> bytes:
        """The kept pieces followed by `chunk`, as one byte string; the tail is then empty."""
        pieces = self.pieces
        if not pieces:
            return chunk
        pieces.append(chunk)
        joined = b"".join(pieces)
        self.pieces = []
        self.size = 0
        return joined


class SSEEvent(NamedTuple):
    """One dispatched server-sent event. `data` is the raw UTF-8 payload (lines joined by `\\n`)."""

    event: str = "message"
    data: bytes = b""
    id: str = ""
    retry: int | None = None

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


_event_names: dict[bytes, str] = {}


def _event_name(raw: bytes) -> str:
    name = _event_names.get(raw)
    if name is None:
        name = raw.decode("utf-8", "replace")
        if len(_event_names) < 512:  # the names a protocol uses are few; never grow without bound
            _event_names[raw] = name
    return name


class SSEDecoder:
    """Incremental SSE parser: `feed(bytes)` returns the events completed by those bytes."""

    __slots__ = (
        "_tail",
        "_skip_lf",
        "_bom_checked",
        "_data",
        "_event",
        "_last_id",
        "_retry",
        "_limit",
        "bytes_received",
        "head",
    )

    def __init__(self, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self._limit = max_event_bytes
        self._tail = _LineTail(max_event_bytes)  # the start of a line whose end has not arrived yet
        self._skip_lf = False  # the last read ended in CR: a LF at the start of the next one is its pair
        self._bom_checked = False
        self._data: bytes | None = None  # None: no data line in the current event yet
        self._event = b""
        self._last_id = ""
        self._retry: int | None = None
        self.bytes_received = 0
        self.head = b""  # the first bytes of the body, for error messages about non-SSE answers

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if not chunk:
            return []
        if len(self.head) < 200:
            self.head += chunk[: 200 - len(self.head)]
        self.bytes_received += len(chunk)
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if self._bom_checked and b"\n" not in chunk and b"\r" not in chunk:
            self._tail.add(chunk)  # the middle of a line: kept, joined once its end arrives
            return []
        chunk = self._tail.take(chunk)
        if not self._bom_checked:
            if len(chunk) < 3 and _BOM.startswith(chunk):
                self._tail.add(chunk)  # could still become a BOM: wait for more bytes
                return []
            self._bom_checked = True
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
        if b"\r" in chunk:
            if chunk[-1:] == b"\r":
                self._skip_lf = True
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = chunk.split(b"\n")
        last = lines.pop()
        if len(chunk) > self._limit and any(len(line) > self._limit for line in lines):
            raise _too_large(self._limit)
        if last:
            self._tail.add(last)
        return self._lines(lines) if lines else []

    def _lines(self, lines: list[bytes]) -> list[SSEEvent]:
        out: list[SSEEvent] = []
        data = self._data
        for line in lines:
            if not line:  # blank line: dispatch
                if data is not None:
                    out.append(
                        SSEEvent(
                            _event_name(self._event) if self._event else "message", data, self._last_id, self._retry
                        )
                    )
                    data = None
                self._event = b""
                continue
            if line[:5] == b"data:":
                value = line[6:] if line[5:6] == b" " else line[5:]
                if data is None:
                    data = value
                else:
                    data = self._joined(data, value)
                continue
            if line[:1] == b":":
                continue
            field, colon, value = line.partition(b":")
            if colon and value[:1] == b" ":
                value = value[1:]
            if field == b"event":
                self._event = value
            elif field == b"data":  # "data" with no colon at all
                data = value if data is None else self._joined(data, value)
            elif field == b"id":
                if b"\0" not in value:
                    self._last_id = value.decode("utf-8", "replace")
            elif field == b"retry":
                if value.isdigit():
                    self._retry = int(value)
        self._data = data
        return out

    def _joined(self, data: bytes, value: bytes) -> bytes:
        """One more data line of the current event, within the size bound."""
        if len(data) + len(value) >= self._limit:
            raise _too_large(self._limit)
        return data + b"\n" + value

    @property
    def last_event_id(self) -> str:
        return self._last_id


class NDJSONDecoder:
    """Incremental newline-delimited JSON framing: `feed(bytes)` returns complete, non-blank lines."""

    __slots__ = ("_tail", "_limit", "bytes_received", "head")

    def __init__(self, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self._limit = max_event_bytes
        self._tail = _LineTail(max_event_bytes)
        self.bytes_received = 0
        self.head = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        if not chunk:
            return []
        if len(self.head) < 200:
            self.head += chunk[: 200 - len(self.head)]
        self.bytes_received += len(chunk)
        if b"\n" not in chunk:
            self._tail.add(chunk)
            return []
        chunk = self._tail.take(chunk)
        lines = chunk.split(b"\n")
        last = lines.pop()
        if len(chunk) > self._limit and any(len(line) > self._limit for line in lines):
            raise _too_large(self._limit)
        if last:
            self._tail.add(last)
        return [line for line in lines if line.strip()]

    def tail(self) -> bytes:
        """What is left after the last newline when the body ends (a last line without `\\n`)."""
        pending = self._tail.take(b"")
        return pending if pending.strip() else b""


def iter_sse(chunks: Iterable[bytes]) -> list[SSEEvent]:
    """All events of a finished body given as an iterable of byte chunks (tests, scripts)."""
    decoder = SSEDecoder()
    events: list[SSEEvent] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    return events
