"""Pause, resume and cancel for one stream, callable from any thread.

The controller only holds intent and state; `StreamRun` (run.py) acts on it inside the event loop,
and a provider that generates in a thread of its own (the local model) waits on it between tokens,
so that pause really halts generation there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import Enum


class StreamState(str, Enum):  # noqa: UP042 - StrEnum would change str(member), a public behaviour
    IDLE = "idle"
    CONNECTING = "connecting"
    STREAMING = "streaming"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # broke after the first token: the partial answer is kept

    @property
    def terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def active(self) -> bool:
        return self in (StreamState.CONNECTING, StreamState.STREAMING, StreamState.PAUSED)


_TERMINAL = frozenset({StreamState.COMPLETED, StreamState.CANCELLED, StreamState.FAILED, StreamState.INTERRUPTED})

Listener = Callable[[StreamState], None]


class StreamController:
    def __init__(self, *, read_interval: float = 0.0) -> None:
        # Seconds a network provider waits between reads once content flows (0: read at once).
        # A consumer that redraws in frames (the app, a few times a second) sets it so the socket
        # is read once per batch of tokens instead of once per token: the same bytes, far fewer
        # wake-ups through httpx. Never applied before the first content, so TTFT is untouched.
        # It may be changed while the stream runs (from the thread that consumes it).
        self.read_interval = max(0.0, float(read_interval))
        self._lock = threading.RLock()
        self._state = StreamState.IDLE
        self._before_pause = StreamState.STREAMING
        self._running = threading.Event()  # set while delivery may go on
        self._running.set()
        self._cancelled = threading.Event()
        self._listeners: list[Listener] = []

    # -- what users call ---------------------------------------------------------------------
    @property
    def state(self) -> StreamState:
        return self._state

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def pause(self) -> bool:
        """Stop delivery at once. False when there is nothing to pause."""
        with self._lock:
            if self._state not in (StreamState.IDLE, StreamState.CONNECTING, StreamState.STREAMING):
                return False
            self._before_pause = self._state
            self._running.clear()
            self._set(StreamState.PAUSED)
        return True

    def resume(self) -> bool:
        with self._lock:
            if self._state is not StreamState.PAUSED:
                return False
            self._running.set()
            self._set(self._before_pause)
        return True

    def toggle_pause(self) -> bool:
        return self.resume() if self._state is StreamState.PAUSED else self.pause()

    def cancel(self) -> bool:
        """Stop the stream for good; the partial answer is kept by whoever consumes it."""
        with self._lock:
            if self._state.terminal:
                return False
            self._cancelled.set()
            self._running.set()  # wake anything blocked on pause so it can see the cancel
            self._set(StreamState.CANCELLED)
        return True

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(state)` on every change, from the thread that made it. Returns remover."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    # -- what producers call -----------------------------------------------------------------
    def wait_while_paused(self, timeout: float | None = None) -> bool:
        """Block a generating thread while paused. True when it may go on, False once cancelled."""
        self._running.wait(timeout)
        return not self._cancelled.is_set()

    def mark(self, state: StreamState) -> None:
        """Move to a state reached by the stream itself (connecting, streaming, or an end)."""
        with self._lock:
            if self._state.terminal:
                return
            if self._state is StreamState.PAUSED and not state.terminal:
                self._before_pause = state
                return
            if state.terminal:
                self._running.set()
            self._set(state)

    def _set(self, state: StreamState) -> None:
        if state is self._state:
            return
        self._state = state
        for listener in list(self._listeners):
            listener(state)
