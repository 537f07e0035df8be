"""Ctrl-C, SIGTERM and SIGHUP stop a print-mode answer the same way: cancelled, kept, reported.

`StopSignals` is installed for the whole of print mode (a `with` block), so there is no instant in
which a signal meets Python's default handling (a `KeyboardInterrupt` traceback, or a silent death
that leaves the answer `streaming` in history):

- before the stream (typing or piping the prompt): the signal raises `Stopped`, and print mode exits
  with one line;
- while the stream runs (`attach`): it cancels the stream through its controller, from the event
  loop; the partial answer is printed, saved as `cancelled`, and `--json` still prints its object;
- after it, and for a second signal: it is noted, nothing more, so the save and the final output
  always finish (two Ctrl-C in a row must not cost the partial answer);
- a third signal is a person who wants out whatever is stuck (a tool blocked on a device, say): the
  process exits at once; an answer it was saving is marked `interrupted` on the next open.

`exit_status` is 128 + the first signal's number, as a shell reports a process a signal stopped.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from types import FrameType, TracebackType
from typing import Any

from tui.stream.control import StreamController

FORCE_AFTER = 3  # the signal that leaves at once
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Stopped(Exception):
    """A stop signal arrived before the stream started."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StopSignals:
    def __init__(self) -> None:
        self.received: int | None = None
        self._previous: dict[int, Any] = {}
        self._controller: StreamController | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._raising = True
        self.count = 0

    @property
    def exit_status(self) -> int | None:
        return None if self.received is None else 128 + self.received

    @property
    def name(self) -> str:
        return signal.Signals(self.received).name if self.received is not None else ""

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    def attach(self, controller: StreamController, loop: asyncio.AbstractEventLoop) -> None:
        """From now on a signal cancels the stream (at once, if one already came)."""
        self._controller, self._loop, self._raising = controller, loop, False
        if self.received is not None:
            controller.cancel()

    def stop_raising(self) -> None:
        """The exchange is set up: from now on a signal is noted, and `attach` acts on it."""
        self._raising = False

    def detach(self) -> None:
        """The stream is over: signals are only noted while the exchange is saved and reported."""
        self._controller, self._loop = None, None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        first = self.received is None
        if first:
            self.received = signum
        self.count += 1
        if self.count >= FORCE_AFTER:
            try:
                os.write(2, b"\nrill: stopped at once\n")
            except OSError:
                pass
            os._exit(128 + (self.received or signum))
        if self._controller is not None and self._loop is not None:
            try:
                self._loop.call_soon_threadsafe(self._controller.cancel)
            except RuntimeError:  # the loop just closed: the stream is over anyway
                pass
        elif self._raising and first:
            raise Stopped(signum)
