"""`StreamController(read_interval=...)`: tokens are read in batches, yet nothing is lost or late.

Over a real 127.0.0.1 socket, a server sends one token every 5 ms, each in its own HTTP chunk.
"""

from __future__ import annotations

import asyncio
import time

from tests.stream.wire_server import Reply, WireServer, chat_body
from tui.stream import ChatRequest, Message, StreamController, StreamEventType, StreamRun, get_provider

TOKENS = [f" t{i}" for i in range(80)]
DELAY = 0.005


def paced_reply() -> Reply:
    body = chat_body(*TOKENS)
    offsets, position = [], 0
    for piece in body.split(b"\n\n")[:-1]:
        position += len(piece) + 2
        offsets.append(position)
    return Reply(body=body, chunks=offsets, chunk_delay=DELAY)


async def _stream(url: str, read_interval: float) -> tuple[str, list[float], float]:
    provider = get_provider("openai", base_url=url + "/v1", api_key="sk-test", model="m", max_retries=0)
    run = StreamRun.from_provider(provider, ChatRequest([Message("user", "go")]),
                                  controller=StreamController(read_interval=read_interval))
    arrivals: list[float] = []
    started = time.monotonic()
    async for event in run:
        if event.type is StreamEventType.DELTA:
            arrivals.append(time.monotonic() - started)
    await provider.aclose()
    return run.snapshot.text, arrivals, time.monotonic() - started


def bursts(arrivals: list[float]) -> int:
    """How many separate wake-ups delivered the tokens (events closer than 2 ms share one)."""
    return 1 + sum(1 for a, b in zip(arrivals, arrivals[1:]) if b - a > 0.002)


def test_batched_reads_deliver_every_token_in_order_without_falling_behind():
    with WireServer() as server:
        server.add(paced_reply(), paced_reply())
        text, arrivals, took = asyncio.run(_stream(server.url, 0.05))
        plain_text, plain_arrivals, _ = asyncio.run(_stream(server.url, 0.0))
    assert text == plain_text == "".join(TOKENS)
    # The server needs 80 x 5 ms = 0.4 s. Pausing after every token instead of once per catch-up
    # would take 80 x 50 ms = 4 s; gathering keeps pace with the server.
    assert took < 2.0
    # and the tokens came in far fewer wake-ups than one per token
    assert bursts(arrivals) < bursts(plain_arrivals) / 2


def test_the_first_token_is_never_held_back():
    """Waiting for the server before the first token is not "catching up": no pause is added there."""
    with WireServer() as server:
        body = chat_body("first", " second")
        role_end = body.index(b"\n\n") + 2  # the role-only chunk comes at once, the first token later
        first_end = body.index(b"\n\n", role_end) + 2
        server.add(Reply(body=body, chunks=[role_end, first_end], chunk_delay=0.3))
        text, arrivals, took = asyncio.run(_stream(server.url, 1.0))
    assert text == "first second"
    # the first token left the server 0.3 s in; a pause after the role chunk would make it 1.3 s
    assert arrivals[0] < 0.9
    # once content flows, a read that had to wait is followed by the pause: " second" comes ~1 s on
    assert arrivals[1] - arrivals[0] > 0.9


def test_a_fast_stream_is_not_slowed_by_long_read_pauses():
    """2,000 tokens sent in 20 bursts over 0.4 s (5,000 tokens/s) with a 0.25 s read interval: the
    pauses shrink to the stream's rate, so the client keeps pace instead of pausing 0.25 s per read."""
    tokens = [f" token{i:04d}" for i in range(2000)]
    body = chat_body(*tokens)
    events = body.split(b"\n\n")[:-1]
    offsets, position = [], 0
    for number, event in enumerate(events, 1):
        position += len(event) + 2
        if number % 100 == 0:
            offsets.append(position)
    with WireServer() as server:
        server.add(Reply(body=body, chunks=offsets, chunk_delay=0.02))
        text, arrivals, took = asyncio.run(_stream(server.url, 0.25))
    assert text == "".join(tokens)
    assert took < 1.5  # server time 0.4 s; a full 0.25 s pause after each of 20 bursts would be 5 s
