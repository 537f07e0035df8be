"""Handler overhead: event-to-callback latency through the pipeline, and memory a stream holds.

Latency: a source stamps each text event as it yields it into a `StreamRun` (the pipeline's entry)
and waits until the handler callback has seen it (ping-pong, so no queueing inflates the number);
the callback takes the difference. Three processors are in the chain (a content filter, a
passthrough and a small user-style processor). Median and p99 over 20,000 events, after warm-up.

Memory: tracemalloc while a 20,000-delta answer streams through a handler; "beyond its text" is
what the stream's objects (run, snapshot, stats, handler) hold minus the answer text itself.

Targets (issue 3): p99 < 50 us, < 1 MB overhead. Run: python benchmarks/handlers.py
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import time
import tracemalloc

from tui.stream import (
    ContentFilterProcessor,
    PassthroughProcessor,
    StreamEvent,
    StreamEventType,
    StreamHandler,
    StreamProcessor,
    StreamRun,
)

DELTA, START, END = StreamEventType.DELTA, StreamEventType.START, StreamEventType.END
EVENTS = 20_000
WARMUP = 2_000


class StripControl(StreamProcessor):
    """A typical user processor: drops control characters from text."""

    def process(self, event):
        if event.type is DELTA and not event.content.isprintable():
            return StreamEvent(
                event.type,
                "".join(c for c in event.content if c.isprintable() or c == "\n"),
                event.index,
                event.metadata,
                event.timestamp,
            )
        return event


def processors():
    return [ContentFilterProcessor(["forbidden", "secret"], "[x]"), PassthroughProcessor(), StripControl()]


async def latency(chain) -> list[float]:
    stamps = [0] * (EVENTS + WARMUP)
    samples: list[float] = []
    seen = asyncio.Event()
    clock = time.perf_counter_ns

    async def source():
        yield StreamEvent(START)
        for number in range(EVENTS + WARMUP):
            seen.clear()
            stamps[number] = clock()
            yield StreamEvent(DELTA, f" w{number % 10}", number)
            await seen.wait()
        yield StreamEvent(END, metadata={"complete": True})

    def on_token(event):
        now = clock()
        if event.index >= WARMUP:
            samples.append((now - stamps[event.index]) / 1000)
        seen.set()

    handler = StreamHandler(processors=chain).on_event(DELTA, on_token)
    await handler.aprocess_stream(StreamRun(source()), buffer_content=False)
    return samples


def report(name: str, samples: list[float]) -> None:
    samples.sort()
    p = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]  # noqa: E731
    print(
        f"{name:<28} median {statistics.median(samples):6.1f} us   p90 {p(0.90):6.1f} us   "
        f"p99 {p(0.99):6.1f} us   max {samples[-1]:8.1f} us   (n={len(samples)})"
    )


async def throughput(chain) -> float:
    async def source():
        yield StreamEvent(START)
        for number in range(EVENTS * 5):
            yield StreamEvent(DELTA, " word")
            if number % 64 == 0:
                await asyncio.sleep(0)
        yield StreamEvent(END, metadata={"complete": True})

    count = 0

    def on_delta(text):
        nonlocal count
        count += 1

    handler = StreamHandler(processors=chain).on_delta(on_delta)
    started = time.perf_counter()
    await handler.aprocess_stream(source(), buffer_content=False)
    return count / (time.perf_counter() - started)


async def memory(buffer_content: bool) -> tuple[int, int, int]:
    async def source():
        yield StreamEvent(START)
        for number in range(EVENTS):
            yield StreamEvent(DELTA, f" w{number % 100:02d}")
            if number % 64 == 0:
                await asyncio.sleep(0)
        yield StreamEvent(END, metadata={"complete": True})

    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    handler = StreamHandler(processors=processors())
    run = StreamRun(source())
    text = await handler.aprocess_stream(run, buffer_content=buffer_content)
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # what the live objects hold (run, snapshot, stats, handler), minus the text: one copy in the
    # snapshot, and a second one in the handler's buffer when buffer_content is on
    text_bytes = sys.getsizeof(text) * (2 if buffer_content else 1)
    del text
    return held - base - text_bytes, peak - base - text_bytes, len(run.snapshot.text)


async def main() -> None:
    print(f"rill handler benchmark: {EVENTS} events after {WARMUP} warm-up, Python {sys.version.split()[0]}")
    report("3 processors (the target)", await latency(processors()))
    report("no processors", await latency([]))
    print(f"throughput, 3 processors:    {await throughput(processors()):,.0f} events/s to a callback")
    for buffer_content in (False, True):
        held, peak, chars = await memory(buffer_content)
        label = "handler buffer on " if buffer_content else "handler buffer off"
        print(
            f"memory beyond the text ({label}, {chars:,} chars in {EVENTS:,} deltas): "
            f"held {held / 1024:7.1f} KiB, peak {peak / 1024:7.1f} KiB"
        )
    print("targets: p99 < 50 us, overhead < 1024 KiB")


if __name__ == "__main__":
    asyncio.run(main())
