"""The one shape of everything that consumes a stream, and the one loop that drives consumers.

A consumer is told when a stream begins (`begin(stream)`), gets every event the pipeline delivers
(`feed(event)`), and is told once when it has ended (`finish(stream)`), whatever the end: completed,
cancelled, failed, or stopped because another consumer raised. Handlers, print mode's printers, the
history recorder, the rewrite service and the app's worker all have this shape, so any of them can be
handed to `consume(stream, consumers)`, to a `StreamManager`, or fed by a caller's own loop.

The stream a consumer is given is a `ConsumedStream`: a `StreamRun` (one model call) or a
`ChatStream` (an exchange with tool rounds; with no tools it is exactly one round). Both offer the
same surface: the controller, the live state, the snapshot of the answer, the stats, and after the
end `final_state` (how this stream ended: COMPLETED, CANCELLED, FAILED or INTERRUPTED).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Protocol, runtime_checkable

from tui.stream.control import StreamController, StreamState
from tui.stream.events import StreamEvent
from tui.stream.snapshot import MessageSnapshot
from tui.stream.stats import StreamStats


class ConsumedStream(Protocol):
    """What a consumer is given: a `StreamRun` or a `ChatStream` (read-only for consumers)."""

    @property
    def controller(self) -> StreamController: ...

    @property
    def state(self) -> StreamState: ...

    @property
    def final_state(self) -> StreamState | None:
        """How the stream ended (None while it runs)."""
        ...

    @property
    def snapshot(self) -> MessageSnapshot: ...

    @property
    def stats(self) -> StreamStats: ...


class DrivenStream(ConsumedStream, Protocol):
    """A stream `consume` can drive: it yields its events once and can be closed."""

    def events(self) -> AsyncIterator[StreamEvent]: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class StreamConsumer(Protocol):
    """The one consumer protocol: `begin(stream)`, `feed(event)` for each event, `finish(stream)` once.

    Return values are ignored (`object`), so an implementation may return something useful to its
    direct callers (the history recorder's `finish` says whether its save worked)."""

    def begin(self, stream: ConsumedStream, /) -> object:
        """The stream is about to deliver events (nothing has been delivered yet)."""

    def feed(self, event: StreamEvent, /) -> object:
        """One delivered event. Must not block: it runs on the stream's loop."""

    def finish(self, stream: ConsumedStream, /) -> object:
        """The stream has ended and is closed; `stream.final_state` says how. Called exactly once
        per `begin`, also after a cancel, a failure, or another consumer's exception."""


async def relay(stream: DrivenStream, consumers: Sequence[StreamConsumer]) -> AsyncGenerator[StreamEvent, None]:
    """Drive `stream` through `consumers` and yield each event after they have had it.

    The one consumer loop (`consume` is this, run to the end). A consumer that raises cancels the
    stream (the partial answer is kept); stopping early (a `break`, the task cancelled) cancels it
    too. Either way the stream is closed and every consumer finished before the generator ends;
    then the first exception is raised. Iterate it inside `contextlib.aclosing(relay(...))` so that
    a `break` closes it (and finishes the consumers) at once rather than when it is collected.
    """
    for consumer in consumers:
        consumer.begin(stream)
    failure: BaseException | None = None
    try:
        async for event in stream.events():
            for consumer in consumers:
                consumer.feed(event)
            yield event
    except BaseException as exc:
        failure = exc
        stream.controller.cancel()
    finally:
        await stream.aclose()
        for consumer in consumers:
            try:
                consumer.finish(stream)
            except Exception as exc:
                failure = failure or exc
    if failure is not None:
        raise failure


async def consume(stream: DrivenStream, consumers: Sequence[StreamConsumer]) -> StreamState:
    """Drive `stream` through `consumers` to its end (see `relay`) and return how it ended."""
    async with contextlib.aclosing(relay(stream, consumers)) as events:
        async for _ in events:
            pass
    return stream.final_state or stream.state


__all__ = ["ConsumedStream", "DrivenStream", "StreamConsumer", "consume", "relay"]
