"""How long an HTTP answer may keep us waiting, and saying so while it does.

Three limits, and the notices that make a wait visible:

- **first byte**: from the request until the answer's first event, all attempts, backoff waits and
  keep-alives included, at most `first_byte_timeout` seconds (default `FIRST_BYTE_TIMEOUT`). Past it
  the stream ends with `FirstByteTimeoutError`, which is not retried (the budget is spent).
- **progress**: keep-alive comments and pings keep a connection open but are not progress. Time spent
  waiting for reads that bring no event adds up; at the read timeout the stream ends with
  `StalledStreamError` (a `ReadTimeoutError`; before the first event it is retried like one).
- **silence**: no byte at all for the read timeout is httpx's read timeout (`ReadTimeoutError`).

While no event has come yet, a METADATA event `{"status": "waiting", ...}` is emitted every
`wait_notice_interval` seconds (the same `status` mechanism the local provider uses for "loading
model"): `attempt` and `attempts` (1-based, of the most possible), `waited` (seconds since the
request), `limit` (the first-byte budget) and `message`, one line for a person. When the answer then
begins, `{"status": "answering", "waited", "message"}` says the wait is over.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable
from typing import TypeVar

from tui.stream.errors import FirstByteTimeoutError, StalledStreamError
from tui.stream.events import StreamEvent, StreamEventType

FIRST_BYTE_TIMEOUT = 120.0
"""Default seconds from a request until its answer's first event, all attempts together."""

WAIT_NOTICE_INTERVAL = 5.0
"""Default seconds between "waiting" status notices while an answer has not begun."""

T = TypeVar("T")


class Patience:
    """The clock of one answer's waits: the first-byte budget, progress, and the notices.

    One is made per answer (before the first attempt) and shared by its attempts. The provider calls
    `next_attempt()` before each retry and `progress()` whenever the parser produced events.
    """

    def __init__(
        self, *, label: str, first_byte_timeout: float, read_timeout: float, notice_interval: float, attempts: int
    ) -> None:
        self.label = label
        self.first_byte_timeout = first_byte_timeout
        self.read_timeout = read_timeout
        self.notice_interval = notice_interval
        self.attempts = attempts
        self.attempt = 0
        self.started = time.monotonic()
        self.deadline = self.started + first_byte_timeout
        self.began = False  # the answer's first event has come
        self.idle = 0.0  # seconds spent waiting for reads since the last event
        self.quiet = False  # bytes came since the last event (keep-alives, or an event not yet whole)
        self.noticed = False  # a "waiting" notice (or a retry) was announced: say when the wait ends
        self._next_notice = self.started + notice_interval

    # -- before the first event ----------------------------------------------------------------
    def next_attempt(self) -> None:
        """A retry begins: a new connection, so the wait for progress starts again."""
        self.attempt += 1
        self.idle = 0.0
        self.quiet = False

    def remaining(self) -> float:
        """Seconds of the first-byte budget left."""
        return self.deadline - time.monotonic()

    async def until(self, awaitable: Awaitable[T], box: list[T], *, body: bool = False) -> AsyncIterator[StreamEvent]:
        """Await `awaitable` (its result appended to `box`), yielding "waiting" notices meanwhile.

        Ends with `FirstByteTimeoutError` when the first-byte budget runs out first. For a `body`
        read the wait counts as `idle`, and after keep-alives ends with `StalledStreamError` at the
        read timeout (silence without any byte is left to httpx's own read timeout).
        """
        task = asyncio.ensure_future(awaitable)
        try:
            while True:
                now = time.monotonic()
                if now >= self.deadline:
                    raise self._first_byte_timeout()
                wake = min(self._next_notice, self.deadline)
                if body and self.quiet:
                    wake = min(wake, now + self.read_timeout - self.idle)
                done, _ = await asyncio.wait((task,), timeout=max(0.0, wake - now))
                later = time.monotonic()
                if body:
                    self.idle += later - now
                if done:
                    box.append(task.result())
                    return
                if body and self.quiet and self.idle >= self.read_timeout:
                    raise self._stalled()
                if later >= self._next_notice and later < self.deadline:
                    self._next_notice = later + self.notice_interval
                    self.noticed = True
                    yield self._waiting(later)
        finally:
            if not task.done():
                task.cancel()

    def _waiting(self, now: float) -> StreamEvent:
        waited = now - self.started
        message = (
            f"waiting for {self.label} to answer: {waited:.0f} s so far (attempt {self.attempt + 1} "
            f"of {self.attempts}; gives up after {self.first_byte_timeout:g} s)"
        )
        return StreamEvent(
            StreamEventType.METADATA,
            metadata={
                "status": "waiting",
                "attempt": self.attempt + 1,
                "attempts": self.attempts,
                "waited": round(waited, 1),
                "limit": self.first_byte_timeout,
                "message": message,
            },
        )

    def began_answering(self) -> StreamEvent | None:
        """Mark the first event; after a notice, the event that says the wait is over."""
        self.began = True
        self.progress()
        if not self.noticed:
            return None
        waited = time.monotonic() - self.started
        return StreamEvent(
            StreamEventType.METADATA,
            metadata={
                "status": "answering",
                "waited": round(waited, 1),
                "message": f"{self.label} began to answer after {waited:.0f} s",
            },
        )

    # -- reading the body ------------------------------------------------------------------------
    async def reads(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes | StreamEvent]:
        """`chunks`, bounded: before the first event with notices and the first-byte budget; once
        bytes without an event have come (keep-alives), by `idle` against the read timeout.
        Notices come out as StreamEvents between the chunks."""
        iterator = chunks.__aiter__()
        clock = time.monotonic
        box: list[bytes | None] = []
        while True:
            if not self.began:
                async for notice in self.until(_next(iterator), box, body=True):
                    yield notice
                chunk = box.pop()
            elif self.quiet:
                left = self.read_timeout - self.idle
                if left <= 0:
                    raise self._stalled()
                started = clock()
                try:
                    async with asyncio.timeout(left):
                        chunk = await _next(iterator)
                except TimeoutError:
                    raise self._stalled() from None
                self.idle += clock() - started
            else:
                started = clock()
                chunk = await _next(iterator)  # silence is httpx's read timeout
                self.idle += clock() - started
            if chunk is None:
                return
            self.quiet = True  # until the parser says these bytes made an event
            yield chunk

    def progress(self) -> None:
        """The parser produced events: the wait for progress starts again."""
        self.idle = 0.0
        self.quiet = False

    # -- errors ------------------------------------------------------------------------------------
    def _first_byte_timeout(self) -> FirstByteTimeoutError:
        return FirstByteTimeoutError(
            f"{self.label} did not begin to answer within {self.first_byte_timeout:g} s. What to do: check "
            "that the server is running and not overloaded, or allow longer with first_byte_timeout "
            "in the config."
        )

    def _stalled(self) -> StalledStreamError:
        where = "mid-answer; the partial answer is kept" if self.began else "before the answer began"
        return StalledStreamError(
            f"{self.label} kept the connection open but sent nothing of the answer for "
            f"{self.read_timeout:g} s, only keep-alives ({where}). What to do: try again, or raise the "
            "limit with --read-timeout."
        )


async def _next(iterator: AsyncIterator[bytes]) -> bytes | None:
    """The next chunk, or None at the end (StopAsyncIteration cannot cross an async generator)."""
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return None
