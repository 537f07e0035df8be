"""How often a stream's text is drawn: as often as the screen can afford, within a CPU budget.

Every text update costs Textual a re-layout and a repaint of the followed transcript (10-40 ms on a
2-core machine, more as the conversation grows), whatever the amount of new text. Drawing at a fixed
rate therefore burns a fixed share of a core for nothing the eye can use. Instead the UI thread
measures its own CPU share while a stream is drawn (`DrawLoad`, written on the UI thread) and the
worker stretches or shortens the interval between text updates to keep that share near `BUDGET`
(`Cadence`, read on the worker thread). Cheap screens update up to 10 times a second, expensive ones
no less than twice; the first token and the end of a stream are always drawn at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

BUDGET = 0.05  # share of one core the UI thread may spend drawing a stream
FASTEST = 0.1  # seconds between text updates at best
SLOWEST = 0.5  # ... and at worst (the stats bar keeps its own 5 Hz)
_STEP = 1.25  # how much one adjustment stretches or shortens the interval
_WINDOW = 0.25  # seconds of UI time one load sample covers


class DrawLoad:
    """The UI thread's CPU share, sampled by the UI thread itself (thread CPU time over wall time)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 cpu: Callable[[], float] = time.thread_time) -> None:
        self._clock = clock
        self._cpu = cpu
        self._mark: tuple[float, float] | None = None
        self.share: float | None = None  # None until one window has been measured

    def sample(self) -> None:
        """Call on the UI thread, e.g. whenever a stream update arrives."""
        now, cpu = self._clock(), self._cpu()
        if self._mark is None:
            self._mark = (now, cpu)
            return
        then, cpu_then = self._mark
        if now - then < _WINDOW:
            return
        share = (cpu - cpu_then) / (now - then)
        self.share = share if self.share is None else (self.share + share) / 2
        self._mark = (now, cpu)


class Cadence:
    """The interval between text updates, adjusted towards the budget one step at a time."""

    def __init__(self, budget: float = BUDGET, fastest: float = FASTEST, slowest: float = SLOWEST) -> None:
        self.budget = budget
        self.fastest = fastest
        self.slowest = slowest
        self.interval = fastest

    def adjust(self, share: float | None) -> float:
        if share is not None:
            if share > self.budget:
                self.interval = min(self.slowest, self.interval * _STEP)
            elif share < self.budget / 2:
                self.interval = max(self.fastest, self.interval / _STEP)
        return self.interval
