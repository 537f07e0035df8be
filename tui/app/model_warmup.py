"""The embedded local model's first moments: say at once when it cannot run, else load it early.

At start-up the app asks the provider whether it can answer at all (`check_ready()`: for the local
model, llama-cpp-python and the model file are there) and, when it can, starts loading the
model in the background (`preload()`), so it is usually ready by the time the first prompt is sent.
While it loads, `note()` says how far it is ("loading model 2.1 s of ~5.4 s", the estimate being the
load time this machine took last time, remembered in the app state).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from tui.stream.errors import RillStreamError

LOADING = "loading model"


def loading_note(elapsed_s: float, expected_ms: float | None) -> str:
    """`loading model 2.1 s`, with `of ~5.4 s` when the last load's time is known."""
    note = f"{LOADING} {elapsed_s:.1f} s"
    if expected_ms:
        note += f" of ~{expected_ms / 1000:.1f} s"
    return note


class ModelWarmup:
    def __init__(self, provider: Any, clock: Callable[[], float], expected_ms: float | None = None) -> None:
        self.provider = provider
        self.clock = clock
        self.expected_ms = expected_ms
        self.problem: str | None = None  # why the local model cannot answer, or None
        self.load_ms: float | None = None  # how long this load took, once done
        self._future: Future[Any] | None = None
        self._started = 0.0

    def start(self) -> None:
        """Check the provider and start loading. Never raises, never blocks."""
        try:
            self.provider.check_ready()
        except RillStreamError as exc:
            self.problem = str(exc)
            return
        preload = getattr(self.provider, "preload", None)
        if callable(preload):
            self._started = self.clock()
            self._future = preload()

    @property
    def loading(self) -> bool:
        return self._future is not None and not self._future.done()

    def finished(self) -> bool:
        """True once (and only the first time it is seen) that the load has ended; `load_ms` is then set
        when it succeeded (a failed load is reported by the first answer, with its reason)."""
        future = self._future
        if future is None or not future.done():
            return False
        self._future = None
        if future.exception() is None:
            self.load_ms = getattr(future.result(), "load_ms", None)
        return True

    def note(self) -> str:
        return loading_note(self.clock() - self._started, self.expected_ms) if self.loading else ""
