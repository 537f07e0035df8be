"""Handlers: consumers of a stream with callbacks and overridable hooks, push or pull.

A `StreamHandler` does not contain a stream loop of its own: it wraps the stream it is given in a
`StreamRun` (the one pipeline: processors, pause/resume with bounded buffering and backpressure,
cancel, snapshot, stats) and dispatches each delivered event to its hooks and callbacks. Push with
`process_stream` (returns the text), or pull with `iter_events` (yields the events and still fires
the callbacks). Each has an async twin (`aprocess_stream`, `aiter_events`); the sync forms run a
private event loop in the calling thread.

A handler is also a `StreamConsumer` (`begin` / `feed` / `finish`), the shape every consumer has:
a `StreamManager`, `consume(stream, consumers)` or your own loop can drive it next to the history
recorder or a printer; its own processors then apply to what it sees.

Callbacks are stored as tuples replaced on registration, so a handler may be registered on from one
thread while a stream dispatches to it from another, and several threads may each run a stream
through one handler with `process_stream` (its `buffer` then interleaves their text; give each
stream its own handler when the buffer matters). Driven through `begin`/`feed`/`finish`, a handler
follows one stream at a time.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator
from typing import Any, TextIO

from tui.stream.buffer import StreamBuffer
from tui.stream.consumer import ConsumedStream
from tui.stream.control import StreamController, StreamState
from tui.stream.errors import (
    InvalidStateError,
    ProviderAPIError,
    StreamIncompleteError,
)
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.run import Processor, StreamRun, apply_processors
from tui.stream.sanitize import StreamSanitizer, one_line
from tui.stream.snapshot import MessageSnapshot
from tui.stream.sources import as_event_source
from tui.stream.stats import StreamStats

_DELTA = StreamEventType.DELTA
_START = StreamEventType.START
_ERROR = StreamEventType.ERROR
_END = StreamEventType.END
_INCOMPLETE = (StreamState.FAILED, StreamState.INTERRUPTED)


def error_from_event(event: StreamEvent) -> BaseException:
    """The exception an ERROR event stands for (the provider's own, or one built from its message)."""
    error = event.meta("error")
    if isinstance(error, BaseException):
        return error
    return ProviderAPIError(event.content or "the stream reported an error", error_type=event.meta("type"))


class _Session:
    """What one handler knows about one stream it is dispatching."""

    __slots__ = ("stream", "buffer_content", "snapshot", "fold", "apply", "error")

    def __init__(self, stream: ConsumedStream, buffer_content: bool, *, apply: bool) -> None:
        self.stream = stream
        self.buffer_content = buffer_content
        self.apply = apply  # the handler runs its own processors (the stream did not)
        # the handler folds its own view when its events differ from the stream's snapshot: its own
        # processors changed them, or the stream is an exchange (its snapshot is one round's)
        self.fold = apply or not isinstance(stream, StreamRun)
        self.snapshot = MessageSnapshot() if self.fold else stream.snapshot
        self.error: BaseException | None = None


class StreamHandler:
    """Runs streams and dispatches their events; subclass and override the `on_*` hooks."""

    def __init__(
        self, *, processors: Iterable[Processor] = (), max_buffer_size: int | None = None, buffer_content: bool = True
    ) -> None:
        self.processors: list[Processor] = list(processors)
        self.buffer_content = buffer_content  # keep the answer text in `buffer` (the default for every stream)
        self._buffer = StreamBuffer(max_buffer_size)
        self._delta_callbacks: tuple[Callable[[str], Any], ...] = ()
        self._end_callbacks: tuple[Callable[[str], Any], ...] = ()
        self._event_callbacks: dict[StreamEventType, tuple[Callable[[StreamEvent], Any], ...]] = {}
        self.run: ConsumedStream | None = None  # the current (or last) stream
        self.error: BaseException | None = None  # the last stream's error, if it had one
        self._session: _Session | None = None  # the stream driven through begin/feed/finish

    # -- configuration (each returns the handler, so calls chain) ----------------------------
    def add_processor(self, processor: Processor) -> StreamHandler:
        if not callable(getattr(processor, "process", None)):
            raise TypeError(f"{type(processor).__name__} is not a processor: it has no process(event)")
        self.processors.append(processor)
        return self

    def on_delta(self, callback: Callable[[str], Any]) -> StreamHandler:
        """`callback(text)` for each answer-text delta."""
        self._delta_callbacks = (*self._delta_callbacks, callback)
        return self

    def on_end(self, callback: Callable[[str], Any]) -> StreamHandler:
        """`callback(full_response)` once a stream ends (partial text if it was cancelled or failed)."""
        self._end_callbacks = (*self._end_callbacks, callback)
        return self

    def on_event(self, event_type: StreamEventType | str, callback: Callable[[StreamEvent], Any]) -> StreamHandler:
        """`callback(event)` for every event of that type (e.g. THINKING, TOOL_CALL, METADATA)."""
        kind = StreamEventType(event_type)
        callbacks = dict(self._event_callbacks)
        callbacks[kind] = (*callbacks.get(kind, ()), callback)
        self._event_callbacks = callbacks
        return self

    # -- state ---------------------------------------------------------------------------------
    @property
    def buffer(self) -> StreamBuffer:
        """The answer text of the current stream (when `buffer_content` is on)."""
        return self._buffer

    @property
    def stats(self) -> StreamStats | None:
        return self.run.stats if self.run is not None else None

    @property
    def state(self) -> StreamState:
        return self.run.state if self.run is not None else StreamState.IDLE

    # -- hooks ---------------------------------------------------------------------------------
    def on_stream_start(self, metadata: dict[str, Any]) -> None:
        """A stream began; `metadata` has what the provider knows (provider, model, id)."""

    def on_token_received(self, token: str, index: int) -> None:
        """One delta of answer text."""

    def on_stream_complete(self, full_response: str) -> None:
        """The stream ended; called once per stream, with the text received (partial if it did not complete)."""

    def on_stream_error(self, error: BaseException) -> None:
        """The stream reported an error (the text so far is kept)."""

    # -- the consumer protocol (StreamConsumer) ------------------------------------------------
    def begin(self, stream: ConsumedStream, /) -> None:
        """A stream driven from outside (a StreamManager, `consume`) begins: this handler's own
        processors apply to what it sees."""
        self._session = self._open(stream, self.buffer_content, apply=bool(self.processors))

    def feed(self, event: StreamEvent, /) -> None:
        session = self._session
        if session is None:
            raise InvalidStateError("feed() before begin(): a consumer is told the stream first")
        if session.apply:
            for out in apply_processors(self.processors, event):
                self._deliver(out, session)
        else:
            self._deliver(event, session)

    def finish(self, stream: ConsumedStream, /) -> None:
        session = self._session
        if session is not None and session.stream is stream:
            self._close(session)

    # -- running -------------------------------------------------------------------------------
    def make_run(self, stream: Any, *, controller: StreamController | None = None) -> StreamRun:
        """The StreamRun this handler would consume for `stream` (with its processors)."""
        if isinstance(stream, StreamRun):
            if stream.started:
                raise InvalidStateError("this StreamRun was already consumed; a run can be iterated once")
            if controller is not None and controller is not stream.controller:
                raise InvalidStateError("a StreamRun already has its controller; do not pass another")
            stream.processors.extend(p for p in self.processors if p not in stream.processors)
            return stream
        return StreamRun(as_event_source(stream), controller=controller, processors=self.processors)

    async def aiter_events(
        self, stream: Any, buffer_content: bool | None = None, *, controller: StreamController | None = None
    ) -> AsyncGenerator[StreamEvent, None]:
        """Pull: yield each processed event (callbacks fire first). Stopping early cancels the stream
        and closes its source; to have that happen at once after a `break` in async code, iterate
        inside `contextlib.aclosing(handler.aiter_events(...))` (else it happens when the generator is
        collected)."""
        run = self.make_run(stream, controller=controller)
        session = self._open(run, self.buffer_content if buffer_content is None else buffer_content, apply=False)
        events = run.events()
        ended = False
        try:
            async for event in events:
                self._deliver(event, session)
                if event.type is _END:
                    ended = True
                yield event
        finally:
            if not ended:
                run.controller.cancel()
            await run.aclose()
            self._close(session)

    def iter_events(
        self, stream: Any, buffer_content: bool | None = None, *, controller: StreamController | None = None
    ) -> Iterator[StreamEvent]:
        """The synchronous `aiter_events`: a private event loop runs in this thread between items."""
        _no_running_loop("iter_events", "aiter_events")
        loop = asyncio.new_event_loop()
        agen = self.aiter_events(stream, buffer_content, controller=controller)
        try:
            while True:
                try:
                    event = loop.run_until_complete(agen.__anext__())
                except StopAsyncIteration:
                    return
                yield event
        finally:
            try:
                loop.run_until_complete(agen.aclose())
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

    async def aprocess_stream(
        self, stream: Any, buffer_content: bool | None = None, *, controller: StreamController | None = None
    ) -> str:
        """Push: run the stream to its end and return the answer text.

        Cancelled: returns the partial text. Failed or cut off: calls `on_stream_error` and raises
        the error (a `RillStreamError`; `error.partial_text` holds the text received).
        """
        run = self.make_run(stream, controller=controller)
        session = self._open(run, self.buffer_content if buffer_content is None else buffer_content, apply=False)
        try:
            async for event in run.events():
                self._deliver(event, session)
        except BaseException:
            run.controller.cancel()  # a callback failed (or we were cancelled): stop the source
            raise
        finally:
            await run.aclose()
            self._close(session)
        return self._result(session)

    def process_stream(
        self, stream: Any, buffer_content: bool | None = None, *, controller: StreamController | None = None
    ) -> str:
        """The synchronous `aprocess_stream` (runs a private event loop in this thread)."""
        _no_running_loop("process_stream", "aprocess_stream")
        with asyncio.Runner() as runner:
            return runner.run(self.aprocess_stream(stream, buffer_content, controller=controller))

    # -- dispatch ------------------------------------------------------------------------------
    def _open(self, stream: ConsumedStream, buffer_content: bool, *, apply: bool) -> _Session:
        self.run = stream
        self.error = None
        if buffer_content:
            self._buffer.clear()
        return _Session(stream, buffer_content, apply=apply)

    def _deliver(self, event: StreamEvent, session: _Session) -> None:
        kind = event.type
        if session.fold:
            session.snapshot.apply(event)
        if kind is _DELTA:
            if session.buffer_content:
                self._buffer.append(event.content)
            self.on_token_received(event.content, event.index)
            for callback in self._delta_callbacks:
                callback(event.content)
        elif kind is _START:
            self.on_stream_start(dict(event.metadata or {}))
        elif kind is _ERROR:
            session.error = self.error = error_from_event(event)
            self.on_stream_error(session.error)
        elif kind is _END and event.meta("final") is not False:  # an exchange's inner rounds go on
            text = session.snapshot.text
            self.on_stream_complete(text)
            for callback in self._end_callbacks:
                callback(text)
        on_kind = self._event_callbacks.get(kind)
        if on_kind:
            for call in on_kind:
                call(event)

    def _close(self, session: _Session) -> None:
        """After the stream closed: report an incomplete end that no ERROR event explained."""
        if session is self._session:
            self._session = None
        if session.error is not None:
            return
        if session.stream.final_state in _INCOMPLETE:
            session.error = self.error = StreamIncompleteError(
                "the stream ended before it was complete; the partial answer is kept"
            )
            self.on_stream_error(session.error)

    def _result(self, session: _Session) -> str:
        text = session.snapshot.text
        if session.stream.final_state in _INCOMPLETE and session.error is not None:
            error = session.error
            try:
                error.partial_text = text  # type: ignore[attr-defined]
            except AttributeError:
                pass
            raise error
        return text


class BufferedStreamHandler(StreamHandler):
    """Keeps the answer text; `get_response()` returns it."""

    def get_response(self) -> str:
        return self._buffer.content


class ConsoleStreamHandler(StreamHandler):
    """Writes answer text to a console as it arrives (thinking, if shown, to stderr).

    Control characters (escape sequences included) are dropped so model output cannot drive the
    terminal; new lines and tabs are kept.
    """

    def __init__(
        self,
        prefix: str = "",
        *,
        file: TextIO | None = None,
        show_thinking: bool = False,
        thinking_file: TextIO | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.prefix = prefix
        self.file = file
        self.show_thinking = show_thinking
        self.thinking_file = thinking_file
        self._clean_text, self._clean_thinking = StreamSanitizer(), StreamSanitizer()
        self.on_event(StreamEventType.THINKING, self._thinking)

    def _out(self) -> TextIO:
        return self.file if self.file is not None else sys.stdout

    def on_stream_start(self, metadata: dict[str, Any]) -> None:
        if self.prefix:
            self._out().write(self.prefix)
            self._out().flush()

    def on_token_received(self, token: str, index: int) -> None:
        out = self._out()
        out.write(self._clean_text.feed(token))
        out.flush()

    def _thinking(self, event: StreamEvent) -> None:
        if self.show_thinking:
            out = self.thinking_file if self.thinking_file is not None else sys.stderr
            out.write(self._clean_thinking.feed(event.content))
            out.flush()

    def on_stream_complete(self, full_response: str) -> None:
        self._out().write(self._clean_text.flush() + "\n")
        self._out().flush()

    def on_stream_error(self, error: BaseException) -> None:
        message = getattr(error, "message", None) or str(error)
        err = self.thinking_file if self.thinking_file is not None else sys.stderr
        err.write(f"\nerror: {one_line(message)}\n")
        err.flush()


class CallbackStreamHandler(StreamHandler):
    """A handler from plain functions: `on_start(metadata)`, `on_token(token)`,
    `on_complete(full_response)`, `on_error(error)`; any may be omitted."""

    def __init__(
        self,
        on_start: Callable[[dict[str, Any]], Any] | None = None,
        on_token: Callable[[str], Any] | None = None,
        on_complete: Callable[[str], Any] | None = None,
        on_error: Callable[[BaseException], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._on_start, self._on_token = on_start, on_token
        self._on_complete, self._on_error = on_complete, on_error

    def on_stream_start(self, metadata: dict[str, Any]) -> None:
        if self._on_start is not None:
            self._on_start(metadata)

    def on_token_received(self, token: str, index: int) -> None:
        if self._on_token is not None:
            self._on_token(token)

    def on_stream_complete(self, full_response: str) -> None:
        if self._on_complete is not None:
            self._on_complete(full_response)

    def on_stream_error(self, error: BaseException) -> None:
        if self._on_error is not None:
            self._on_error(error)


def _no_running_loop(name: str, async_name: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise InvalidStateError(
        f"{name}() blocks; inside async code use `await handler.{async_name}(...)` (or `async for` over it) instead"
    )


__all__ = [
    "BufferedStreamHandler",
    "CallbackStreamHandler",
    "ConsoleStreamHandler",
    "StreamHandler",
    "error_from_event",
]
