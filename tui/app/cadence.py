"""How often a stream's text is drawn: as often as the screen can afford, within a CPU budget.

Every text update costs Textual a re-layout and a repaint of the followed transcript: a few ms on a
short conversation, 15-40 ms once the answer fills the screen and new text arrives in bulk. Drawing at
a fixed rate would burn a fixed share of a core for nothing the eye can use. Instead the UI thread
measures what each update cost it (`DrawCost`, written on the UI thread: thread CPU from the update's
arrival until the screen has been refreshed) and the worker spaces updates so that drawing text takes
about `BUDGET` of a core (`Cadence`, read on the worker thread): cheap updates come up to 10 times a
second, expensive ones no less than twice. The first token and the end of a stream are always drawn at
once, and the stats bar keeps its own 5 Hz.
"""

from __future__ import annotations

import time
from collections.abc import Callable

BUDGET = 0.03  # share of one core that drawing a stream's text may take
FASTEST = 0.1  # seconds between text updates at best
SLOWEST = 0.5  # ... and at worst


class DrawCost:
    """The UI thread's CPU per text update, smoothed; `None` until one update has been measured.

    Both calls come from the UI thread; the worker only reads `per_update` (one float: atomic).
    """

    def __init__(self, cpu: Callable[[], float] = time.thread_time) -> None:
        self._cpu = cpu
        self._started: float | None = None
        self.per_update: float | None = None

    def start(self) -> None:
        """An update arrived (several arriving before one is drawn count as one)."""
        if self._started is None:
            self._started = self._cpu()

    def done(self) -> None:
        """The update has been drawn: appended and the screen refreshed."""
        if self._started is None:
            return
        cost = self._cpu() - self._started
        self._started = None
        self.per_update = cost if self.per_update is None else (self.per_update + cost) / 2


class Cadence:
    """The interval between text updates: moved halfway towards cost / budget at each adjustment."""

    def __init__(self, budget: float = BUDGET, fastest: float = FASTEST, slowest: float = SLOWEST) -> None:
        self.budget = budget
        self.fastest = fastest
        self.slowest = slowest
        self.interval = fastest

    def adjust(self, per_update: float | None) -> float:
        if per_update is not None:
            target = min(self.slowest, max(self.fastest, per_update / self.budget))
            self.interval = (self.interval + target) / 2
        return self.interval
