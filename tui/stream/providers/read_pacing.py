"""Reading a streamed body in batches once content flows, so a slow stream costs few wake-ups.

At 200 tokens/s a server sends one token per network write; reading each as it comes means a trip
through the event loop and httpx for every token. A consumer that only looks a few times a second
(the app) sets `StreamController.read_interval`, and the provider reads through `GatheredReads`:

- a read that had to wait means nothing was buffered: we are level with the server, so we pause
  for the read interval and let the next tokens pile up, to be taken in one go;
- reads that return at once (already buffered) are drained without pausing;
- a pause is cut short so that, at the stream's recent rate, no more than `PILE` bytes gather (a
  fraction of one httpcore read): however fast the server sends, one read after a pause takes all
  of it, and the stream never falls behind;
- nothing pauses before the first content (text, thinking or a tool call): TTFT is untouched.

The interval is read at every pause, so a consumer may change it as the stream goes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from tui.stream.control import StreamController
from tui.stream.events import StreamEvent, StreamEventType

CAUGHT_UP = 0.0005  # a read that took longer than this waited for the network
PILE = 16 * 1024  # bytes a pause may let gather (httpcore reads up to 64 KiB at once)
CONTENT = frozenset(
    {StreamEventType.DELTA, StreamEventType.THINKING, StreamEventType.TOOL_CALL_START, StreamEventType.TOOL_CALL_DELTA}
)


class GatheredReads:
    def __init__(self, control: StreamController | None) -> None:
        self.control = control
        self.flowing = False  # content seen: only then may reads pause

    def saw(self, event: StreamEvent) -> None:
        """Called for each parsed event (the first content event lets pauses begin)."""
        if event.type in CONTENT:
            self.flowing = True

    async def of(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """`chunks`, with the pauses described above between reads."""
        clock = time.perf_counter
        iterator = chunks.__aiter__()
        since = clock()  # start of the current cycle (pause + reads): the arrival rate is measured over it
        received = 0
        while True:
            started = clock()
            try:
                chunk = await iterator.__anext__()
            except StopAsyncIteration:
                return
            waited = clock() - started
            received += len(chunk)
            yield chunk
            gap = self.control.read_interval if self.control is not None else 0.0
            if gap and waited > CAUGHT_UP and self.flowing:
                now = clock()
                rate = received / max(now - since, 1e-3)  # bytes per second lately
                since, received = now, 0
                await asyncio.sleep(min(gap, PILE / rate) if rate else gap)
