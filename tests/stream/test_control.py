"""Pause, resume and cancel through the one pipeline, as a library user drives them.

Pause stops delivery at once and buffers (bounded, then the source stops being read); resume delivers
exactly what was held back; cancel, whenever it comes, closes the source at once and keeps the
partial answer.
"""

import asyncio
import threading
import time

import pytest

from tui.stream import (
    CallbackStreamHandler,
    ChatRequest,
    Message,
    StreamController,
    StreamEvent,
    StreamEventType,
    StreamHandler,
    StreamManager,
    StreamRun,
    StreamState,
)
from tui.stream.providers.scripted import ScriptedProvider, tokenize

T = StreamEventType
REQUEST = ChatRequest([Message("user", "hi")])
TEXT = " ".join(f"word{i}" for i in range(400))


async def until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.001)


def test_pause_then_resume_loses_and_duplicates_nothing():
    tokens: list[str] = []
    paused_at = threading.Event()
    box: dict = {}

    ready = threading.Event()

    def on_token(token):
        tokens.append(token)
        if len(tokens) == 50:
            assert ready.wait(10)
            assert box["stream"].pause_stream()  # from the delivering thread: nothing more comes
            paused_at.set()

    with StreamManager(ScriptedProvider(rate=3000, text=TEXT, thinking=None)) as manager:
        box["stream"] = stream = manager.generate_stream_with_handlers(
            prompt="hi", handlers=[CallbackStreamHandler(on_token=on_token)]
        )
        ready.set()
        assert paused_at.wait(10)
        # the source goes on being read into the buffer while nothing is delivered
        deadline = time.monotonic() + 10
        while stream.get_stream_status()["buffered_bytes"] < 1000 and time.monotonic() < deadline:
            time.sleep(0.005)
        status = stream.get_stream_status()
        assert status["state"] == "paused" and status["buffered_bytes"] >= 1000
        assert len(tokens) == 50
        assert stream.resume_stream()
        result = stream.get_result(timeout=30)
    assert tokens == tokenize(TEXT)
    assert result.text == TEXT and result.complete
    assert stream.state is StreamState.COMPLETED


async def test_pause_with_a_full_buffer_stops_reading_the_source():
    pulled = 0
    count = 20000

    async def source():
        nonlocal pulled
        yield StreamEvent(T.START)
        for number in range(count):
            pulled += 1
            yield StreamEvent(T.DELTA, f"{number:07d},")
            await asyncio.sleep(0)
        yield StreamEvent(T.END, metadata={"complete": True})

    controller = StreamController()
    run = StreamRun(source(), controller=controller, buffer_limit=8192)
    delivered: list[StreamEvent] = []
    controller.pause()
    consumer = asyncio.create_task(run.run(delivered.append))
    await until(lambda: run.buffered_bytes >= 8192)
    held = pulled
    for _ in range(500):  # give the reader every chance to go on: it must not
        await asyncio.sleep(0)
    assert pulled == held < count
    assert delivered == []
    assert controller.resume()
    snapshot = await asyncio.wait_for(consumer, 60)
    assert snapshot.text == "".join(f"{n:07d}," for n in range(count))
    assert snapshot.complete


async def cancel_when(predicate, **provider_options):
    """Run a scripted stream, cancel at the first event matching `predicate`; return the run."""
    controller = StreamController()
    run = StreamRun.from_provider(ScriptedProvider(rate=0, **provider_options), REQUEST, controller=controller)
    after_cancel = []
    async for event in run:
        if controller.cancelled:
            after_cancel.append(event.type)
        elif predicate(event):
            controller.cancel()
    assert after_cancel == [T.END]  # only the closing END follows a cancel
    return run


async def test_cancel_during_thinking_keeps_the_thinking_so_far():
    seen = []
    run = await cancel_when(lambda e: e.type is T.THINKING and seen.append(e) is None and len(seen) == 3)
    assert run.state is StreamState.CANCELLED
    assert run.snapshot.thinking == "".join(e.content for e in seen) != ""
    assert run.snapshot.text == "" and not run.snapshot.complete


async def test_cancel_during_text_keeps_the_partial_answer():
    run = await cancel_when(lambda e: e.type is T.DELTA and "word3" in e.content, text=TEXT)
    assert run.state is StreamState.CANCELLED
    assert run.snapshot.text == "word0 word1 word2 word3"


def _tool_request():
    from tui.stream import ToolSpec

    return ChatRequest([Message("user", "hi")], tools=[ToolSpec("lookup")])


async def cancel_when_tools(predicate):
    controller = StreamController()
    provider = ScriptedProvider(rate=0, tool_calls=[{"name": "lookup", "arguments": {"query": "a long query"}}])
    run = StreamRun.from_provider(provider, _tool_request(), controller=controller)
    async for event in run:
        if not controller.cancelled and predicate(event):
            controller.cancel()
    return run


async def test_cancel_during_a_tool_call_with_tools_offered():
    run = await cancel_when_tools(lambda e: e.type is T.TOOL_CALL_DELTA)
    assert run.state is StreamState.CANCELLED
    assert run.snapshot.text == "Let me check."
    assert run.snapshot.tool_call_state(0).name == "lookup"
    assert run.snapshot.tool_call_state(0).raw == '{"query"'


def test_cancel_closes_a_stalled_source_at_once():
    closed = threading.Event()
    first = threading.Event()
    order: list[str] = []

    async def stalled():
        try:
            yield StreamEvent(T.START)
            yield StreamEvent(T.DELTA, "partial")
            await asyncio.Event().wait()  # a server that stops sending: only a cancel ends this
            yield StreamEvent(T.DELTA, "never")
        except (asyncio.CancelledError, GeneratorExit) as stop:
            order.append(f"source stopped by {type(stop).__name__}")
            raise
        finally:
            closed.set()

    with StreamManager() as manager:
        stream = manager.start(stalled(), [CallbackStreamHandler(on_token=lambda t: first.set())])
        assert first.wait(10)
        order.append("cancel")
        assert stream.cancel_stream()
        assert closed.wait(10), "the stalled source was never closed"
        result = stream.get_result(timeout=10)
    assert order[0] == "cancel" and order[1].startswith("source stopped by")
    assert result.text == "partial" and not result.complete
    assert stream.state is StreamState.CANCELLED
    assert stream.cancel_stream() is False  # nothing left to cancel


async def test_cancel_while_the_consumer_is_busy_still_closes_the_source():
    closed = asyncio.Event()

    async def slow():
        try:
            yield StreamEvent(T.START)
            while True:
                yield StreamEvent(T.DELTA, "x")
                await asyncio.sleep(0.001)
        finally:
            closed.set()

    run = StreamRun(slow())
    events = run.events()
    await events.__anext__()
    run.controller.cancel()  # the consumer is not pulling right now
    await asyncio.wait_for(closed.wait(), 10)  # the source loops forever: only the cancel closes it
    rest = [e.type async for e in events]
    assert rest[-1] is T.END and run.state is StreamState.CANCELLED


def test_pause_resume_cancel_from_another_thread_while_handlers_run():
    delivered = []
    started = threading.Event()
    handler = StreamHandler().on_delta(lambda t: (delivered.append(t), started.set()))
    with StreamManager(ScriptedProvider(rate=2000, text=TEXT, thinking=None)) as manager:
        stream = manager.generate_stream_with_handlers(prompt="go", handlers=[handler])
        assert started.wait(10)
        results = []
        workers = [threading.Thread(target=lambda: results.append(stream.pause_stream())) for _ in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(5)
        assert results.count(True) == 1  # exactly one pause took effect
        count = len(delivered)
        assert stream.get_stream_status()["state"] == "paused"
        assert len(delivered) == count
        assert stream.resume_stream() and not stream.resume_stream()
        assert stream.cancel_stream()
        result = stream.get_result(timeout=10)
    assert result.text == "".join(delivered) and TEXT.startswith(result.text)
    assert stream.state is StreamState.CANCELLED


@pytest.mark.parametrize("when", ["idle", "paused"])
async def test_cancel_before_start_or_while_paused_ends_cleanly(when):
    controller = StreamController()
    run = StreamRun.from_provider(ScriptedProvider(rate=0), REQUEST, controller=controller)
    if when == "paused":
        controller.pause()
        task = asyncio.create_task(run.run())
        await until(lambda: run.buffered_bytes > 0)
        controller.cancel()
        snapshot = await asyncio.wait_for(task, 5)
    else:
        controller.cancel()
        snapshot = await run.run()
    assert run.state is StreamState.CANCELLED and snapshot.text == ""
