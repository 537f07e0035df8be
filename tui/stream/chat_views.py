"""The iterator views of a `ChatStream`: each one pass over the exchange's single shared cursor.

A view yields what its `pick` returns for each event (None: skip the event, which is still recorded
by the stream), and may stop before an event, handing it back to the cursor for the next view (the
thinking views stop where the answer begins). A view left before its end (a `break` out of
`async for`, which drops the view) cancels the exchange, except a thinking view: leaving one only
skips the rest of the thinking.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from tui.stream.events import StreamEvent, StreamEventType

_E = StreamEventType
T = TypeVar("T")


class EventCursor(Protocol):
    """The one cursor over an exchange's events that every view reads (a `ChatStream` is one)."""

    async def next_event(self) -> StreamEvent | None:
        """The next event (None at the end)."""
        ...

    def push_back(self, event: StreamEvent) -> None:
        """Hand an event back: the next `next_event()` returns it again."""

    def cancel(self) -> bool: ...


def answer_begins(event: StreamEvent) -> bool:
    return event.type in (_E.DELTA, _E.TOOL_CALL_START, _E.TOOL_CALL, _E.TOOL_RESULT)


class ChatView(Generic[T]):
    """One pass over the exchange's shared cursor, yielding what `pick` returns (None: skip).

    A view abandoned before the end (a `break` out of `async for`) cancels the exchange, unless it is
    a thinking view: leaving those only skips the rest of the thinking.
    """

    def __init__(
        self,
        cursor: EventCursor,
        pick: Callable[[StreamEvent], T | None],
        stop: Callable[[StreamEvent], bool] | None = None,
        cancel_on_abandon: bool = True,
    ) -> None:
        self._cursor = cursor
        self._pick = pick
        self._stop = stop
        self._cancel_on_abandon = cancel_on_abandon
        self._started = False
        self._done = False

    def __aiter__(self) -> ChatView[T]:
        return self

    async def __anext__(self) -> T:
        self._started = True
        cursor = self._cursor
        while not self._done:
            try:
                event = await cursor.next_event()
            except BaseException:
                self._done = True
                raise
            if event is None:
                self._done = True
                break
            if self._stop is not None and self._stop(event):
                cursor.push_back(event)
                self._done = True
                break
            value = self._pick(event)
            if value is not None:
                return value
        raise StopAsyncIteration

    async def aclose(self) -> None:
        self._abandon()

    def _abandon(self) -> None:
        if self._started and not self._done and self._cancel_on_abandon:
            self._done = True
            self._cursor.cancel()

    def __del__(self) -> None:
        self._abandon()
