"""The one consumer protocol (begin / feed / finish) and the one loop that drives it (`consume`, `relay`)."""

from __future__ import annotations

import contextlib

import pytest

from tui.stream import (
    BufferedStreamHandler,
    ChatRequest,
    ContentFilterProcessor,
    Message,
    StreamConsumer,
    StreamEventType,
    StreamHandler,
    StreamManager,
    StreamRun,
    StreamState,
    chunk_stream,
    consume,
    relay,
)
from tui.stream.chat import Chat
from tui.stream.providers.scripted import ScriptedProvider

TEXT = "The quick brown fox jumps over the lazy dog."


class Log:
    """A consumer that is not a handler: it only has the protocol's three methods."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.calls: list[str] = []
        self.text = ""
        self.ended: StreamState | None = None
        self.fail_on = fail_on

    def begin(self, stream):
        self.calls.append("begin")

    def feed(self, event):
        self.calls.append(event.type.value)
        if event.type is StreamEventType.DELTA:
            self.text += event.content
            if self.fail_on is not None and len(self.text.split()) >= self.fail_on:
                raise RuntimeError("consumer bug")

    def finish(self, stream):
        self.calls.append("finish")
        self.ended = stream.final_state


def _run(**options) -> StreamRun:
    options.setdefault("rate", 0)
    options.setdefault("text", TEXT)
    return StreamRun.from_provider(ScriptedProvider(**options), ChatRequest([Message("user", "hi")]))


def _chat_stream(**options):
    options.setdefault("rate", 0)
    options.setdefault("text", TEXT)
    return Chat([Message("user", "hi")], provider=ScriptedProvider(**options)).complete_stream()


def test_handlers_and_plain_objects_are_stream_consumers():
    assert isinstance(StreamHandler(), StreamConsumer)
    assert isinstance(Log(), StreamConsumer)
    assert not isinstance(print, StreamConsumer)


@pytest.mark.parametrize("make", [_run, _chat_stream], ids=["StreamRun", "ChatStream"])
async def test_consume_drives_any_stream_through_every_consumer(make):
    log, handler = Log(), BufferedStreamHandler()
    stream = make()
    state = await consume(stream, [log, handler])
    assert state is StreamState.COMPLETED
    assert log.calls[0] == "begin" and log.calls[-1] == "finish" and log.calls.count("finish") == 1
    assert log.calls[-2] == "end" and log.ended is StreamState.COMPLETED  # finished after the stream closed
    assert log.text == handler.get_response() == stream.snapshot.text == TEXT
    assert handler.state is StreamState.COMPLETED and handler.stats.total_tokens > 0


@pytest.mark.parametrize("make", [_run, _chat_stream], ids=["StreamRun", "ChatStream"])
async def test_a_failing_consumer_cancels_the_stream_and_every_consumer_is_finished(make):
    broken, other = Log(fail_on=3), Log()
    stream = make(rate=500, text=" ".join(["word"] * 200))
    with pytest.raises(RuntimeError, match="consumer bug"):
        await consume(stream, [broken, other])
    assert stream.final_state is StreamState.CANCELLED
    assert broken.ended is other.ended is StreamState.CANCELLED
    # the failing event reached no later consumer; what came before it is kept
    assert other.calls[-1] == "finish" and other.text.split() == ["word"] * 2
    assert stream.snapshot.text.startswith("word word word")


async def test_leaving_relay_early_cancels_and_finishes():
    log = Log()
    stream = _run(rate=500, text=" ".join(["word"] * 200))
    async with contextlib.aclosing(relay(stream, [log])) as events:
        async for event in events:
            if event.type is StreamEventType.DELTA and event.content.strip() == "word" and log.text.count("word") == 2:
                break
    assert stream.final_state is StreamState.CANCELLED and log.ended is StreamState.CANCELLED
    assert log.calls[-1] == "finish" and log.text.split() == ["word", "word"]


async def test_a_handler_driven_from_outside_applies_its_own_processors():
    filtered = BufferedStreamHandler(processors=[ContentFilterProcessor(["fox"], "cat")])
    plain = BufferedStreamHandler()
    run = _run(thinking=None)
    await consume(run, [filtered, plain])
    assert filtered.get_response() == TEXT.replace("fox", "cat")
    assert plain.get_response() == run.snapshot.text == TEXT  # the stream itself is untouched


async def test_a_run_closed_before_it_started_ends_cancelled():
    run = _run()
    await run.aclose()
    assert run.final_state is StreamState.CANCELLED and run.state is StreamState.CANCELLED
    log = Log()
    with pytest.raises(RuntimeError, match="iterated once"):
        await consume(run, [log])


def test_stream_manager_takes_any_consumer():
    log = Log()
    with StreamManager() as manager:
        stream = manager.start(chunk_stream(TEXT, 5), [log])
        result = stream.get_result(timeout=10)
    assert result.text == log.text == TEXT
    assert log.calls[0] == "begin" and log.calls[-1] == "finish" and log.ended is StreamState.COMPLETED


def test_stream_manager_buffer_content_sets_the_handlers_buffering():
    kept, dropped = BufferedStreamHandler(), BufferedStreamHandler(buffer_content=False)
    with StreamManager() as manager:
        manager.start(chunk_stream(TEXT, 5), [kept, dropped]).get_result(timeout=10)
        assert kept.get_response() == TEXT and dropped.get_response() == ""
        manager.start(chunk_stream(TEXT, 5), [dropped], buffer_content=True).get_result(timeout=10)
    assert dropped.get_response() == TEXT
