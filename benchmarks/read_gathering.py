"""Timings of read gathering (`StreamController(read_interval=...)`) over a real 127.0.0.1 socket.

The tests (tests/stream/test_read_gathering.py) check order, completeness and read counts; the
durations a person would feel are measured here:

  paced     80 tokens, one every 5 ms (server time 0.4 s), read interval 50 ms: the stream ends
            close to the server's own time (pausing after every token would take 80 x 50 ms = 4 s);
  fast      2,000 tokens in 20 bursts over 0.4 s, read interval 0.25 s: pauses shrink to the
            stream's rate, so the client keeps pace (a full pause per burst would take 5 s);
  first     the first token leaves the server 0.3 s in, read interval 1 s: it arrives at ~0.3 s,
            never after a pause (1.3 s).

Run: `PYTHONPATH=. python benchmarks/read_gathering.py`.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.stream.wire_server import Reply, WireServer, chat_body  # noqa: E402
from tui.stream import ChatRequest, Message, StreamController, StreamEventType, StreamRun, get_provider  # noqa: E402


def paced(tokens: list[str], delay: float, every: int = 1) -> Reply:
    body = chat_body(*tokens)
    offsets, position = [], 0
    for number, piece in enumerate(body.split(b"\n\n")[:-1], 1):
        position += len(piece) + 2
        if number % every == 0:
            offsets.append(position)
    return Reply(body=body, chunks=offsets, chunk_delay=delay)


async def timed(url: str, read_interval: float) -> tuple[float, float]:
    """(seconds to the first token, seconds to the end)."""
    provider = get_provider("openai", base_url=url + "/v1", api_key="sk-test", model="m", max_retries=0)
    run = StreamRun.from_provider(
        provider, ChatRequest([Message("user", "go")]), controller=StreamController(read_interval=read_interval)
    )
    started = time.monotonic()
    first = None
    async for event in run:
        if event.type is StreamEventType.DELTA and first is None:
            first = time.monotonic() - started
    await provider.aclose()
    return first or 0.0, time.monotonic() - started


def main() -> None:
    cases = [
        ("paced", paced([f" t{i}" for i in range(80)], 0.005), 0.05, "server 0.40 s"),
        ("fast", paced([f" token{i:04d}" for i in range(2000)], 0.02, every=100), 0.25, "server 0.40 s"),
        ("first", Reply(body=chat_body("first", " second"), chunk_delay=0.3), 1.0, "first token sent at 0.3 s"),
    ]
    with WireServer() as server:  # warm-up: imports, the TLS context, the first client
        server.add(Reply(body=chat_body("warm")))
        asyncio.run(timed(server.url, 0.0))
    for name, reply, interval, note in cases:
        if name == "first":
            body = reply.body
            role_end = body.index(b"\n\n") + 2
            reply.chunks = [role_end, body.index(b"\n\n", role_end) + 2]
        with WireServer() as server:
            server.add(reply)
            first, total = asyncio.run(timed(server.url, interval))
        print(f"{name:6} read_interval {interval:4.2f} s: first token {first:5.2f} s, end {total:5.2f} s ({note})")


if __name__ == "__main__":
    main()
