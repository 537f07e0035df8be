"""Streams in the background for synchronous programs: start one, keep working, control it from anywhere.

A `StreamManager` owns one daemon thread running one asyncio event loop (a provider's HTTP client
belongs to the loop that made it, so all of a manager's streams share that loop). Each stream is a
`StreamRun` driven there by `consume` through a list of consumers (handlers, the history recorder,
anything with the `StreamConsumer` shape); the returned `ManagedStream` is the
thread-safe remote control: pause, resume, cancel, status, and a blocking `get_result(timeout)`.
Pause and cancel go through the run's `StreamController`, so their meaning is exactly the
pipeline's: pause stops delivery at once and buffers (then backpressure), cancel closes the
connection and keeps the partial answer.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from concurrent.futures import Future
from typing import Any

from tui.stream.consumer import StreamConsumer, consume
from tui.stream.control import StreamController, StreamState
from tui.stream.errors import InvalidStateError, StreamIncompleteError, StreamingError
from tui.stream.handlers import StreamHandler
from tui.stream.messages import ChatRequest, Message
from tui.stream.run import DEFAULT_BUFFER_LIMIT, Processor, StreamRun
from tui.stream.snapshot import MessageSnapshot
from tui.stream.sources import as_event_source
from tui.stream.stats import StreamStats


class StreamTimeoutError(StreamingError, TimeoutError):
    """`get_result(timeout=...)` ran out of time; the stream goes on (cancel it if it should not)."""

    type = "timeout"


class ManagedStream:
    """One background stream. Every method is safe to call from any thread."""

    def __init__(self, run: StreamRun, handlers: list[StreamConsumer]) -> None:
        self.run = run
        self.handlers = handlers  # the consumers (handlers or any StreamConsumer)
        self.error: BaseException | None = None  # a consumer's exception, which stopped the stream
        self._future: Future[None] = Future()

    # -- control -------------------------------------------------------------------------------
    @property
    def controller(self) -> StreamController:
        return self.run.controller

    def pause_stream(self) -> bool:
        return self.run.controller.pause()

    def resume_stream(self) -> bool:
        return self.run.controller.resume()

    def cancel_stream(self) -> bool:
        return self.run.controller.cancel()

    # -- state ---------------------------------------------------------------------------------
    @property
    def state(self) -> StreamState:
        return self.run.state

    @property
    def done(self) -> bool:
        return self._future.done()

    @property
    def stats(self) -> StreamStats:
        return self.run.stats

    @property
    def snapshot(self) -> MessageSnapshot:
        """The answer so far (read while streaming: text joins what arrived up to now)."""
        return self.run.snapshot

    def get_stream_status(self) -> dict[str, Any]:
        stats = self.run.stats
        return {
            "state": self.run.state.value,
            "done": self.done,
            "stats": {
                **stats.as_dict(),
                "chars_received": stats.chars_received,
                "deltas_received": stats.deltas_received,
                "elapsed_ms": stats.elapsed_ms,
            },
            "buffered_bytes": self.run.buffered_bytes,
            "error": _message(self.error) or (self.run.snapshot.error or {}).get("message"),
        }

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the stream has ended (True) or `timeout` seconds passed (False)."""
        try:
            self._future.result(timeout)
        except TimeoutError:
            return False
        except BaseException:
            return True
        return True

    def get_result(self, timeout: float | None = None) -> MessageSnapshot:
        """The final answer. Cancelled: the partial answer (`complete` is False). Failed or cut
        off: raises the error (the partial answer stays in `snapshot`). Timeout: StreamTimeoutError."""
        if not self.wait(timeout):
            raise StreamTimeoutError(f"the stream did not finish within {timeout:g} s (state: {self.run.state.value})")
        self._future.result()  # re-raises an internal failure, if any
        if self.error is not None:
            raise self.error
        snapshot = self.run.snapshot
        if self.run.final_state in (StreamState.FAILED, StreamState.INTERRUPTED):
            error = (snapshot.error or {}).get("exception")
            if isinstance(error, BaseException):
                raise error
            raise StreamIncompleteError(
                (snapshot.error or {}).get("message") or "the stream ended before it was complete"
            )
        return snapshot

    # -- running (in the manager's loop) ---------------------------------------------------------
    async def _consume(self) -> None:
        try:
            await consume(self.run, self.handlers)
        except Exception as exc:  # a consumer failed: the stream was cancelled; get_result reports it
            self.error = exc


def _message(error: BaseException | None) -> str | None:
    if error is None:
        return None
    return getattr(error, "message", None) or str(error)


class StreamManager:
    """Runs streams from `provider` in a background thread and dispatches them to handlers."""

    def __init__(
        self,
        provider: Any = None,
        *,
        model: str | None = None,
        system: str | None = None,
        processors: Iterable[Processor] = (),
        buffer_limit: int = DEFAULT_BUFFER_LIMIT,
    ) -> None:
        if isinstance(provider, str):
            from tui.stream.providers import get_provider

            provider = get_provider(provider)
        self.provider = provider
        self.model = model
        self.system = system
        self.processors = list(processors)
        self.buffer_limit = buffer_limit
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._streams: list[ManagedStream] = []
        self._closed = False

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._closed:
                raise InvalidStateError("this StreamManager is closed")
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def main() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                self._thread = threading.Thread(target=main, name="rill-stream-manager", daemon=True)
                self._thread.start()
                ready.wait()
                self._loop = loop
            return self._loop

    @property
    def streams(self) -> list[ManagedStream]:
        """Streams started and not yet finished."""
        with self._lock:
            return [s for s in self._streams if not s.done]

    def generate_stream_with_handlers(
        self,
        prompt: str | None = None,
        handlers: Iterable[StreamConsumer] = (),
        *,
        messages: Iterable[Message] | None = None,
        system: str | None = None,
        model: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        buffer_content: bool | None = None,
        controller: StreamController | None = None,
    ) -> ManagedStream:
        """Start streaming an answer to `prompt` (or to `messages`) in the background."""
        if self.provider is None:
            raise InvalidStateError("this StreamManager has no provider; pass one to StreamManager(...)")
        thread = list(messages or [])
        if prompt is not None:
            thread.append(Message(role="user", content=prompt))
        if not thread:
            raise ValueError("nothing to send: give a prompt or messages")
        request = ChatRequest(
            messages=thread,
            model=model or self.model,
            system=system or self.system,
            max_tokens=max_tokens,
            temperature=temperature,
        )
        controller = controller or StreamController()
        run = StreamRun(
            self.provider.stream(request, control=controller),
            controller=controller,
            processors=self.processors,
            buffer_limit=self.buffer_limit,
        )
        return self.start(run, handlers, buffer_content=buffer_content)

    def start(
        self,
        stream: Any,
        handlers: Iterable[StreamConsumer] = (),
        *,
        controller: StreamController | None = None,
        buffer_content: bool | None = None,
    ) -> ManagedStream:
        """Run any stream a handler accepts (provider stream, iterator of text, ...) in the background.

        `handlers` are any `StreamConsumer`s. `buffer_content` (None: each handler's own setting) sets
        whether the `StreamHandler`s among them keep the answer text in their `buffer`."""
        handlers = list(handlers)
        for handler in handlers:
            if not isinstance(handler, StreamConsumer):
                raise TypeError(
                    "handlers must be stream consumers (a StreamHandler, or anything with "
                    f"begin/feed/finish), not {type(handler).__name__}"
                )
            if buffer_content is not None and isinstance(handler, StreamHandler):
                handler.buffer_content = buffer_content
        loop = self._ensure_loop()
        if isinstance(stream, StreamRun):
            run = stream
        else:
            run = StreamRun(
                as_event_source(stream),
                controller=controller,
                processors=self.processors,
                buffer_limit=self.buffer_limit,
            )
        managed = ManagedStream(run, handlers)
        with self._lock:
            self._streams = [s for s in self._streams if not s.done] + [managed]

        future = asyncio.run_coroutine_threadsafe(managed._consume(), loop)
        future.add_done_callback(lambda f: _copy_outcome(f, managed._future))
        return managed

    def cancel_all(self) -> None:
        for stream in self.streams:
            stream.cancel_stream()

    def close(self, timeout: float = 5.0) -> None:
        """Cancel running streams, release the provider, stop the thread."""
        self.cancel_all()
        for stream in list(self._streams):
            stream.wait(timeout)
        with self._lock:
            loop, thread, self._loop, self._closed = self._loop, self._thread, None, True
        if loop is None:
            return
        if self.provider is not None:
            try:
                asyncio.run_coroutine_threadsafe(self.provider.aclose(), loop).result(timeout)
            except Exception:
                pass
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout)
        if not loop.is_running():
            loop.close()

    def __enter__(self) -> StreamManager:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def _copy_outcome(source: Future[None], target: Future[None]) -> None:
    error = source.exception() if not source.cancelled() else None
    if error is not None:
        target.set_exception(error)
    else:
        target.set_result(None)
