"""`StreamController(read_interval=...)`: tokens are read in batches, yet nothing is lost or held back.

Over a real 127.0.0.1 socket a server sends one token per write. What is asserted is order and
counts, never a duration: every token arrives, in order; the body is taken in far fewer socket reads
than there are tokens (each read the provider makes is counted at the httpx transport); the first
token is never held back by a read pause; once content flows, a read that waited is followed by the
pause. How fast the client keeps pace with a fast server is a timing: `benchmarks/read_gathering.py`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx

from tests.stream.wire_server import Reply, WireServer, chat_body
from tui.stream import ChatRequest, Message, StreamController, StreamEventType, StreamRun, get_provider

TOKENS = [f" t{i}" for i in range(80)]
GUARD = 20  # seconds: a stream that takes this long is a failure, not a slow pass


class CountingTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, counting the body reads the provider makes."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        inner = response.stream
        assert isinstance(inner, httpx.AsyncByteStream)
        transport = self

        class Counted(httpx.AsyncByteStream):
            async def __aiter__(self) -> AsyncIterator[bytes]:
                async for chunk in inner:
                    transport.reads += 1
                    yield chunk

            async def aclose(self) -> None:
                await inner.aclose()

        return httpx.Response(
            response.status_code, headers=response.headers, stream=Counted(), extensions=response.extensions
        )


def one_token_per_write(tokens: list[str], delay: float) -> Reply:
    """Each event its own write, `delay` apart; no chunked framing, so each socket read is one read."""
    body = chat_body(*tokens)
    offsets, position = [], 0
    for piece in body.split(b"\n\n")[:-1]:
        position += len(piece) + 2
        offsets.append(position)
    return Reply(body=body, chunks=offsets, chunk_delay=delay, framing="close")


async def stream(
    url: str, read_interval: float, *, stop_after_first: bool = False, transport: httpx.AsyncBaseTransport | None = None
) -> tuple[str, list[str]]:
    provider = get_provider(
        "openai", base_url=url + "/v1", api_key="sk-test", model="m", max_retries=0, transport=transport
    )
    run = StreamRun.from_provider(
        provider, ChatRequest([Message("user", "go")]), controller=StreamController(read_interval=read_interval)
    )
    deltas: list[str] = []
    async with asyncio.timeout(GUARD):
        async for event in run:
            if event.type is StreamEventType.DELTA:
                deltas.append(event.content)
                if stop_after_first:
                    run.controller.cancel()
    await provider.aclose()
    return run.snapshot.text, deltas


def test_batched_reads_deliver_every_token_in_order_in_few_reads():
    transport = CountingTransport()
    with WireServer() as server:
        server.add(one_token_per_write(TOKENS, 0.005))
        text, deltas = asyncio.run(stream(server.url, 0.5, transport=transport))
    assert text == "".join(deltas) == "".join(TOKENS)
    assert deltas == TOKENS, "every token, once, in order"
    # The server sends 80 writes over ~0.4 s. Read one at a time that is ~80 reads; here the first
    # token is followed by a 0.5 s pause, and one read then takes all that piled up: a handful of
    # reads (about two per pause, so even a server ten times slower stays far under the bound).
    assert transport.reads <= len(TOKENS) // 4, f"{transport.reads} reads for {len(TOKENS)} tokens"


def test_the_first_token_is_never_held_back():
    """Waiting for the server before the first token is not "catching up": no pause is added there.
    With a 60 s read interval, a pause after the role-only chunk would hold the first token for a
    minute; it arrives (and the stream is cancelled) well inside the guard."""
    with WireServer() as server:
        body = chat_body("first", " second")
        role_end = body.index(b"\n\n") + 2  # the role-only chunk comes at once, the first token later
        first_end = body.index(b"\n\n", role_end) + 2
        server.add(Reply(body=body, chunks=[role_end, first_end], chunk_delay=0.3))
        text, deltas = asyncio.run(stream(server.url, 60.0, stop_after_first=True))
    assert deltas == ["first"] and text == "first"


def test_once_content_flows_a_read_that_waited_is_followed_by_the_pause():
    """The server sends " second" at once after "first"; the client, having waited for "first", pauses
    for the read interval before it reads again. A sleep never ends early, so the gap is at least the
    interval however busy the machine is (a lower bound cannot flake)."""
    loop_times: list[float] = []

    async def timed() -> tuple[str, list[str]]:
        loop = asyncio.get_running_loop()
        provider = get_provider("openai", base_url=url + "/v1", api_key="sk-test", model="m", max_retries=0)
        run = StreamRun.from_provider(
            provider, ChatRequest([Message("user", "go")]), controller=StreamController(read_interval=0.5)
        )
        deltas: list[str] = []
        async with asyncio.timeout(GUARD):
            async for event in run:
                if event.type is StreamEventType.DELTA:
                    deltas.append(event.content)
                    loop_times.append(loop.time())
        await provider.aclose()
        return run.snapshot.text, deltas

    with WireServer() as server:
        url = server.url
        body = chat_body("first", " second")
        role_end = body.index(b"\n\n") + 2
        first_end = body.index(b"\n\n", role_end) + 2
        server.add(Reply(body=body, chunks=[role_end, first_end], chunk_delay=0.2))
        text, deltas = asyncio.run(timed())
    assert deltas == ["first", " second"] and text == "first second"
    assert loop_times[1] - loop_times[0] >= 0.5 * 0.9  # the loop clock's granularity aside


def test_a_fast_stream_with_a_long_read_interval_arrives_whole_and_in_order():
    """2,000 tokens in 20 bursts with a 0.25 s read interval: all of them, in order (that the pauses
    shrink to the stream's rate, so the client keeps pace, is timed in benchmarks/read_gathering.py)."""
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
        text, deltas = asyncio.run(stream(server.url, 0.25))
    assert deltas == tokens and text == "".join(tokens)
