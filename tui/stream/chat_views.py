"""The iterator views of a `ChatStream`: each one pass over the exchange's single shared cursor.

A view yields what its `pick` returns for each event (None: skip the event, which is still recorded
by the stream), and may stop before an event, handing it back to the cursor for the next view (the
thinking views stop where the answer begins). A view left before its end (a `break` out of
`async for`, which drops the view) cancels the exchange, except a thinking view: leaving one only
skips the rest of the thinking.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tui.stream.events import StreamEvent, StreamEventType

if TYPE_CHECKING:
    from tui.stream.chat import ChatStream

_E = StreamEventType


def answer_begins(event: StreamEvent) -> bool:
    return event.type in (_E.DELTA, _E.TOOL_CALL_START, _E.TOOL_CALL, _E.TOOL_RESULT)


class ChatView:
    """One pass over the exchange's shared cursor, yielding what `pick` returns (None: skip).

    A view abandoned before the end (a `break` out of `async for`) cancels the exchange, unless it is
    a thinking view: leaving those only skips the rest of the thinking.
    """

    def __init__(self, stream: ChatStream, pick: Callable[[StreamEvent], Any],
                 stop: Callable[[StreamEvent], bool] | None = None, cancel_on_abandon: bool = True) -> None:
        self._stream = stream
        self._pick = pick
        self._stop = stop
        self._cancel_on_abandon = cancel_on_abandon
        self._started = False
        self._done = False

    def __aiter__(self) -> ChatView:
        return self

    async def __anext__(self) -> Any:
        self._started = True
        stream = self._stream
        while not self._done:
            try:
                event = await stream._next()
            except BaseException:
                self._done = True
                raise
            if event is None:
                self._done = True
                break
            if self._stop is not None and self._stop(event):
                stream._pushback.append(event)
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
            self._stream.controller.cancel()

    def __del__(self) -> None:
        self._abandon()
