"""StreamHandler and its three ready-made kinds: push and pull, sync and async, every stream kind."""

import asyncio
import io
import threading

import pytest

from tui.stream import (
    BufferedStreamHandler,
    CallbackStreamHandler,
    ChatRequest,
    ConsoleStreamHandler,
    InvalidStateError,
    Message,
    ProviderAPIError,
    StreamBufferOverflow,
    StreamEventType,
    StreamHandler,
    StreamInterruptedError,
    StreamRun,
    StreamState,
    achunk_stream,
    astream_to_string,
    chunk_stream,
    stream_to_string,
)
from tui.stream.providers.scripted import ScriptedProvider

T = StreamEventType
REQUEST = ChatRequest([Message("user", "hi")])


def provider_stream(**options):
    return ScriptedProvider(rate=0, **options).stream(REQUEST)


class Recorder(StreamHandler):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = []

    def on_stream_start(self, metadata):
        self.calls.append(("start", metadata.get("provider")))

    def on_token_received(self, token, index):
        self.calls.append(("token", token))

    def on_stream_complete(self, full_response):
        self.calls.append(("complete", full_response))

    def on_stream_error(self, error):
        self.calls.append(("error", type(error).__name__))


def test_hooks_fire_in_order_for_an_iterator_of_text():
    handler = Recorder()
    assert handler.process_stream(iter(["Hel", "lo", "!"])) == "Hello!"
    assert handler.calls == [
        ("start", "text"),
        ("token", "Hel"),
        ("token", "lo"),
        ("token", "!"),
        ("complete", "Hello!"),
    ]
    assert handler.buffer.content == "Hello!"
    assert handler.state is StreamState.COMPLETED
    assert handler.stats.total_tokens == 2 and handler.stats.tokens_estimated


def test_registration_chains_and_callbacks_receive_what_they_promise():
    deltas, ends, thinking = [], [], []
    handler = (
        StreamHandler()
        .on_delta(deltas.append)
        .on_end(ends.append)
        .on_event(T.THINKING, lambda e: thinking.append(e.content))
    )
    text = handler.process_stream(provider_stream(text="one two three"))
    assert text == "one two three" == "".join(deltas)
    assert ends == ["one two three"]
    assert "".join(thinking).startswith("The user wants")
    assert handler.on_event("metadata", lambda e: None) is handler


def test_every_kind_of_stream():
    expected = "alpha beta"

    async def agen():
        for piece in ("alpha", " beta"):
            yield piece

    handler = BufferedStreamHandler()
    assert handler.process_stream(["alpha", " beta"]) == expected
    assert handler.process_stream(chunk_stream(expected, 3)) == expected
    assert handler.process_stream(agen()) == expected
    assert handler.process_stream(provider_stream(text=expected, thinking=None)) == expected
    run = StreamRun(provider_stream(text=expected))
    assert handler.process_stream(run) == expected and run.state is StreamState.COMPLETED
    assert handler.get_response() == expected
    assert handler.process_stream([]) == ""
    with pytest.raises(InvalidStateError, match="already consumed"):
        handler.process_stream(run)


async def test_async_variants():
    handler = Recorder()
    text = await handler.aprocess_stream(achunk_stream("abcdef", 2))
    assert text == "abcdef"
    types = [e.type async for e in handler.aiter_events(provider_stream(text="x y"))]
    assert types[0] is T.START and types[-1] is T.END and T.THINKING in types
    assert handler.calls[-1] == ("complete", "x y")
    assert await astream_to_string(["a", "b"]) == "ab"


def test_iter_events_pulls_and_still_fires_callbacks():
    tokens = []
    handler = CallbackStreamHandler(on_token=tokens.append)
    events = list(handler.iter_events(provider_stream(text="pull me please")))
    assert [e.type for e in events][0] is T.START and events[-1].type is T.END
    assert "".join(e.content for e in events if e.type is T.DELTA) == "pull me please" == "".join(tokens)


def test_leaving_iter_events_early_cancels_and_closes_the_source():
    closed = threading.Event()

    def endless():
        try:
            while True:
                yield "word "
        finally:
            closed.set()

    handler = StreamHandler()
    for count, _event in enumerate(handler.iter_events(endless())):
        if count == 5:
            break
    assert closed.wait(2)
    assert handler.state is StreamState.CANCELLED
    assert handler.buffer.content.startswith("word word")


def test_a_failure_mid_stream_calls_on_stream_error_then_raises_with_the_partial_text():
    handler = Recorder()
    ends = []
    handler.on_end(ends.append)
    with pytest.raises(StreamInterruptedError) as info:
        handler.process_stream(provider_stream(text="one two three four", fail_after=2))
    assert info.value.partial_text == "one two"
    assert ("error", "StreamInterruptedError") in handler.calls
    assert ends == ["one two"] and handler.buffer.content == "one two"
    assert handler.state is StreamState.INTERRUPTED

    with pytest.raises(ProviderAPIError) as info:
        handler.process_stream(provider_stream(text="a b c", fail_after=1, failure="api_error"))
    assert "scripted server reported an error" in info.value.message


def test_sync_forms_refuse_to_block_inside_async_code():
    async def inside():
        with pytest.raises(InvalidStateError, match="aprocess_stream"):
            StreamHandler().process_stream(["x"])
        with pytest.raises(InvalidStateError, match="aiter_events"):
            next(StreamHandler().iter_events(["x"]))

    asyncio.run(inside())


def test_bad_streams_get_clear_messages():
    with pytest.raises(TypeError, match="chunk_stream"):
        StreamHandler().process_stream("a plain string")
    with pytest.raises(TypeError, match="cannot stream from int"):
        StreamHandler().process_stream(42)
    with pytest.raises(StreamInterruptedError, match="str or StreamEvent"):
        StreamHandler().process_stream(["ok", 3])
    with pytest.raises(TypeError, match="not a processor"):
        StreamHandler().add_processor(object())


def test_buffer_limit_stops_the_stream_and_keeps_what_fit():
    closed = threading.Event()

    def endless():
        try:
            while True:
                yield "0123456789"
        finally:
            closed.set()

    handler = BufferedStreamHandler(max_buffer_size=95)
    with pytest.raises(StreamBufferOverflow):
        handler.process_stream(endless())
    assert closed.is_set()
    assert handler.get_response() == "0123456789" * 9


def test_console_handler_writes_live_and_strips_control_characters():
    out, err = io.StringIO(), io.StringIO()
    handler = ConsoleStreamHandler(prefix="> ", file=out, show_thinking=True, thinking_file=err)
    handler.process_stream(provider_stream(text="red \x1b[31malert\x07 done", thinking="hmm \x1b]0;title\x07"))
    assert out.getvalue() == "> red alert done\n"  # whole sequences go, not just their ESC
    assert err.getvalue() == "hmm "
    with pytest.raises(StreamInterruptedError):
        handler.process_stream(provider_stream(text="a b c", fail_after=1, thinking=None))
    assert "error: connection lost" in err.getvalue()


def test_callback_handler_calls_each_function():
    seen = {"start": [], "token": [], "complete": [], "error": []}
    handler = CallbackStreamHandler(
        on_start=seen["start"].append,
        on_token=seen["token"].append,
        on_complete=seen["complete"].append,
        on_error=seen["error"].append,
    )
    handler.process_stream(provider_stream(text="x y"))
    assert seen["start"][0]["provider"] == "scripted"
    assert seen["token"] == ["x", " y"] and seen["complete"] == ["x y"] and seen["error"] == []


def test_one_handler_from_several_threads_at_once():
    lock = threading.Lock()
    tokens: dict[str, list[str]] = {}
    registered = []

    def on_token(token):
        with lock:
            tokens.setdefault(threading.current_thread().name, []).append(token)

    handler = CallbackStreamHandler(on_token=on_token)
    texts = {f"t{n}": " ".join(f"w{n}_{i}" for i in range(300)) for n in range(4)}
    results: dict[str, str] = {}
    errors = []
    start = threading.Barrier(5)

    def work(name):
        try:
            start.wait(5)
            results[name] = handler.process_stream(chunk_stream(texts[name], 7), buffer_content=False)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,), name=name) for name in texts]
    for thread in threads:
        thread.start()
    start.wait(5)
    for _ in range(50):  # register callbacks while the threads dispatch
        handler.on_delta(lambda text: registered.append(1))
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert results == texts
    assert {name: "".join(parts) for name, parts in tokens.items()} == texts


def test_chunk_stream_and_stream_to_string():
    assert list(chunk_stream("abcdefg", 3)) == ["abc", "def", "g"]
    assert list(chunk_stream("", 3)) == []
    with pytest.raises(ValueError):
        list(chunk_stream("x", 0))
    assert stream_to_string(chunk_stream("hello world", 4)) == "hello world"
    assert stream_to_string(provider_stream(text="from a provider")) == "from a provider"
