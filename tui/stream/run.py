"""One stream from a provider to its consumers: processors, pause/cancel, snapshot and stats.

Every consumer (print mode, handlers, `ChatStream`, the history writer, the app's worker) iterates a
`StreamRun`, so pausing, cancelling, buffering and the meaning of the final state live in one place.

A reader task pulls provider events into a bounded buffer while the consumer takes them out. Pause
stops the consumer at once while the reader goes on filling the buffer (the server does not time out);
a full buffer stops the reader, which stops reading the socket (TCP backpressure). Cancel stops the
consumer and cancels the reader, which closes the HTTP response (or stops the local generator).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Iterable
from typing import Any, Protocol

from tui.stream.control import StreamController, StreamState
from tui.stream.errors import (
    ConnectionFailedError,
    ReadTimeoutError,
    RillStreamError,
    StreamInterruptedError,
)
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.snapshot import MessageSnapshot
from tui.stream.stats import StreamStats

DEFAULT_BUFFER_LIMIT = 1 << 20  # bytes of event content held while paused
_EVENT_OVERHEAD = 64  # bytes counted per event beyond its content, so empty events are not free


class Processor(Protocol):
    def process(self, event: StreamEvent) -> StreamEvent | None: ...


_NOT_YET_STREAMING = frozenset({StreamEventType.START, StreamEventType.METADATA})

_BREAKING = (ConnectionFailedError, ReadTimeoutError, StreamInterruptedError)


class StreamRun:
    """One model call through the pipeline; iterate `events()` once (or hand it to `consume`)."""

    def __init__(
        self,
        source: AsyncIterable[StreamEvent],
        *,
        controller: StreamController | None = None,
        processors: Iterable[Processor] = (),
        buffer_limit: int = DEFAULT_BUFFER_LIMIT,
        stats: StreamStats | None = None,
        finalize: bool = True,
    ) -> None:
        """`finalize=False` leaves the controller and stats open at the end (unless cancelled), for
        a caller that runs several rounds under one controller (ChatStream); the run's own outcome
        is then `final_state`."""
        self.source = source
        self.controller = controller or StreamController()
        self.processors = list(processors)
        self.buffer_limit = buffer_limit
        self.snapshot = MessageSnapshot()
        self.stats = stats or StreamStats()
        self.buffered_bytes = 0
        self.finalize = finalize
        self.final_state: StreamState | None = None  # set when the run has ended
        self._started = False
        self._source_closed = False
        self._iterator: AsyncGenerator[StreamEvent, None] | None = None

    @classmethod
    def from_provider(cls, provider: Any, request: Any, **kwargs: Any) -> StreamRun:
        controller = kwargs.pop("controller", None) or StreamController()
        return cls(provider.stream(request, control=controller), controller=controller, **kwargs)

    @property
    def state(self) -> StreamState:
        return self.controller.state

    @property
    def started(self) -> bool:
        """True once `events()` was called (a run is iterated once)."""
        return self._started

    async def run(self, on_event: Callable[[StreamEvent], object] | None = None) -> MessageSnapshot:
        """Consume the whole stream; `on_event(event)` is called for each delivered event."""
        async for event in self:
            if on_event is not None:
                on_event(event)
        return self.snapshot

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        return self.events()

    def events(self) -> AsyncIterator[StreamEvent]:
        """The delivered events (processed, paced by pause, ending with one END)."""
        if self._started:
            raise RuntimeError("a StreamRun can be iterated once")
        self._started = True
        self._iterator = self._events()
        return self._iterator

    async def aclose(self) -> None:
        """Stop the run (a cancel, if it has not ended) and close its source; `final_state` is set after."""
        if self.final_state is None:
            self.controller.cancel()
        if self._iterator is not None:
            await self._iterator.aclose()
        if self.final_state is None:  # never iterated: nothing was delivered
            self._started = True
            await self._close_source()
            self.final_state = StreamState.CANCELLED
            self.stats.start()
            self.stats.finish()

    async def _events(self) -> AsyncGenerator[StreamEvent, None]:
        controller = self.controller
        if controller.cancelled:
            self.final_state = StreamState.CANCELLED
            self.stats.start()
            self.stats.finish()
            await self._close_source()
            return
        loop = asyncio.get_running_loop()
        queue: deque[StreamEvent] = deque()
        wake = asyncio.Event()
        space = asyncio.Event()
        space.set()
        reader_done = False
        reader_error: BaseException | None = None
        limit = self.buffer_limit

        def on_change(state: StreamState) -> None:
            if state is StreamState.PAUSED:
                self.stats.pause()
            elif state is StreamState.STREAMING or state.terminal:
                self.stats.resume()
            try:
                loop.call_soon_threadsafe(wake.set)
                if state is StreamState.CANCELLED:
                    # close the source now, even if the consumer is busy elsewhere and not pulling
                    loop.call_soon_threadsafe(cancel_reader)
            except RuntimeError:  # loop closed: nobody left to wake
                pass

        def cancel_reader() -> None:
            if task is not None and not task.done():
                task.cancel()

        async def reader() -> None:
            nonlocal reader_done, reader_error
            try:
                async for event in self.source:
                    queue.append(event)
                    self.buffered_bytes += len(event.content) + _EVENT_OVERHEAD
                    wake.set()
                    if self.buffered_bytes >= limit:
                        space.clear()
                        await space.wait()
                    if controller.cancelled:
                        break
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a provider bug or an unmapped failure: keep what we have
                reader_error = exc
            finally:
                reader_done = True
                wake.set()
                if controller.cancelled:
                    await self._close_source()

        task: asyncio.Task[None] | None = None
        remove = controller.add_listener(on_change)
        self.stats.start()
        controller.mark(StreamState.CONNECTING)
        task = asyncio.create_task(reader())
        saw_end = False
        try:
            while True:
                if controller.cancelled:
                    break
                if controller.paused:
                    wake.clear()
                    if controller.paused and not controller.cancelled:
                        await wake.wait()
                    continue
                if queue:
                    event = queue.popleft()
                    self.buffered_bytes -= len(event.content) + _EVENT_OVERHEAD
                    if self.buffered_bytes < limit:
                        space.set()
                    for out in self._process(event):
                        if out.type is StreamEventType.END:
                            saw_end = True
                        self._fold(out)
                        yield out
                    continue
                if reader_done:
                    break
                wake.clear()
                await wake.wait()
            if reader_error is not None and not controller.cancelled:
                error = reader_error
                if not isinstance(error, RillStreamError):
                    error = StreamInterruptedError(f"the stream broke: {error}")
                event = StreamEvent(
                    StreamEventType.ERROR,
                    error.message if hasattr(error, "message") else str(error),
                    metadata={"type": getattr(error, "type", "error"), "error": error},
                )
                self._fold(event)
                yield event
            if not saw_end:
                end = StreamEvent(StreamEventType.END, metadata={"complete": False, "cancelled": controller.cancelled})
                for out in self._process(end):  # processors flush held-back text: nothing is lost
                    self._fold(out)
                    yield out
        finally:
            remove()
            if not task.done():
                task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await self._close_source()
            self.final_state = self._final_state()
            if self.finalize or controller.cancelled:
                self.stats.finish()
                controller.mark(self.final_state)

    async def _close_source(self) -> None:
        if self._source_closed:
            return
        self._source_closed = True
        aclose = getattr(self.source, "aclose", None)
        if aclose is not None:
            try:
                await aclose()
            except Exception:
                pass

    def _process(self, event: StreamEvent) -> list[StreamEvent]:
        return apply_processors(self.processors, event)

    def _fold(self, event: StreamEvent) -> None:
        self.snapshot.apply(event)
        self.stats.on_event(event)
        # START, retry notices and "loading model" arrive before the answer does: still connecting.
        if event.type in _NOT_YET_STREAMING:
            return
        if self.controller.state is StreamState.CONNECTING or (
            self.controller.state is StreamState.PAUSED and self.stats.first_token_at is not None
        ):
            self.controller.mark(StreamState.STREAMING)

    def _final_state(self) -> StreamState:
        """What this run's own outcome is (independent of other rounds sharing the controller)."""
        snap = self.snapshot
        if self.controller.cancelled:
            return StreamState.CANCELLED
        if snap.complete:
            return StreamState.COMPLETED
        if snap.error:
            exc = snap.error.get("exception")
            if isinstance(exc, _BREAKING) and snap.has_content:
                return StreamState.INTERRUPTED
            return StreamState.FAILED
        return StreamState.INTERRUPTED if snap.has_content else StreamState.FAILED


def apply_processors(processors: list[Processor], event: StreamEvent) -> list[StreamEvent]:
    """Run one event through a processor chain; before END each processor may `flush()` held text.

    The one chain used by every pipeline (StreamRun, and a StreamManager's per-handler processors).
    """
    if event.type is not StreamEventType.END:  # the hot path: one event in, at most one out
        current: StreamEvent | None = event
        for processor in processors:
            current = processor.process(event)
            if current is None:
                return []
            event = current
        return [event]
    events = [event]
    for processor in processors:
        out: list[StreamEvent] = []
        for item in events:
            if item.type is StreamEventType.END:
                flush = getattr(processor, "flush", None)
                if flush is not None:
                    out.extend(flush())
            result = processor.process(item)
            if result is not None:
                out.append(result)
        events = out
    return events
