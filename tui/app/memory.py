"""Keep Python's cyclic garbage collector out of the way while a stream is drawn.

Textual allocates many short-lived objects per frame (strips, caches), so the collector's oldest
generation runs every second or so during a stream, and each such pass walks every object the app
holds: a 50-100 ms frame, visible as a hitch and worth several percent of a core at 200 tokens/s.
At idle moments (after start-up, after each stream) we collect everything once and freeze the
survivors (`gc.freeze`), so later passes only look at what is new. Unfreezing first means garbage
cycles that became unreachable since the previous settle are still collected: nothing leaks.
"""

from __future__ import annotations

import gc

SETTLE_DELAY = 1.0  # seconds after start-up or a stream's end: the final frame and the save come first


def settle() -> None:
    gc.unfreeze()
    gc.collect()
    gc.freeze()
