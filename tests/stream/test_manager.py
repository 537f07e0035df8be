"""StreamManager: a provider stream in a background thread, dispatched to handlers, controlled from anywhere."""

import threading

import pytest

from tui.stream import (
    BufferedStreamHandler,
    CallbackStreamHandler,
    ContentFilterProcessor,
    InvalidStateError,
    Message,
    StreamHandler,
    StreamInterruptedError,
    StreamManager,
    StreamState,
    StreamTimeoutError,
    chunk_stream,
)
from tui.stream.providers.scripted import ScriptedProvider

TEXT = "The quick brown fox jumps over the lazy dog."


def test_generate_with_several_handlers_from_the_background_thread():
    threads = set()
    buffered = BufferedStreamHandler()
    tokens = []
    callback = CallbackStreamHandler(on_token=lambda t: (tokens.append(t), threads.add(threading.get_ident())))
    with StreamManager(ScriptedProvider(rate=0, text=TEXT)) as manager:
        stream = manager.generate_stream_with_handlers(prompt="tell me", handlers=[buffered, callback])
        result = stream.get_result(timeout=10)
        assert stream.done and manager.streams == []
    assert result.text == TEXT == buffered.get_response() == "".join(tokens)
    assert result.thinking and result.complete
    assert threads and threading.get_ident() not in threads  # dispatched off the caller's thread
    status = stream.get_stream_status()
    assert status["state"] == "completed" and status["done"] and status["error"] is None
    assert status["stats"]["tokens_received"] > 0 and status["stats"]["first_token_ms"] is not None


def test_the_request_carries_prompt_history_and_system():
    seen = {}

    def reply(request):
        seen["request"] = request
        return "ok"

    with StreamManager(ScriptedProvider(rate=0, reply=reply), system="be brief", model="m1") as manager:
        history = [Message("user", "first"), Message("assistant", "answer")]
        manager.generate_stream_with_handlers(prompt="second", messages=history).get_result(timeout=10)
    request = seen["request"]
    assert [m.content for m in request.messages] == ["first", "answer", "second"]
    assert request.system == "be brief" and request.model == "m1"


def test_status_while_streaming_has_live_values():
    half, proceed = threading.Event(), threading.Event()
    tokens = []

    def on_token(token):
        tokens.append(token)
        if len(tokens) == 21:
            half.set()
            proceed.wait(10)  # hold the stream mid-way while the main thread looks at it

    text = " ".join(["tok"] * 200)
    with StreamManager(ScriptedProvider(rate=0, text=text, thinking=None)) as manager:
        stream = manager.generate_stream_with_handlers(prompt="x", handlers=[CallbackStreamHandler(on_token=on_token)])
        assert half.wait(10)
        live = stream.get_stream_status()
        proceed.set()
        stream.get_result(timeout=10)
    assert live["state"] == "streaming" and not live["done"]
    assert live["stats"]["deltas_received"] == 21 and live["stats"]["tokens_estimated"]
    assert 0 < live["stats"]["tokens_received"] < 200


def test_get_result_timeout_failure_and_handler_errors():
    with StreamManager(ScriptedProvider(rate=20, text=TEXT)) as manager:
        slow = manager.generate_stream_with_handlers(prompt="x")
        with pytest.raises(StreamTimeoutError, match="did not finish within"):
            slow.get_result(timeout=0.01)
        slow.cancel_stream()
        assert not slow.get_result(timeout=5).complete

    with StreamManager(ScriptedProvider(rate=0, text=TEXT, fail_after=3)) as manager:
        broken = manager.generate_stream_with_handlers(prompt="x")
        with pytest.raises(StreamInterruptedError):
            broken.get_result(timeout=10)
        assert broken.snapshot.text == "The quick brown"
        assert broken.state is StreamState.INTERRUPTED
        assert "connection lost" in broken.get_stream_status()["error"]

    def explode(token):
        raise RuntimeError("handler bug")

    with StreamManager(ScriptedProvider(rate=0, text=TEXT)) as manager:
        failing = manager.generate_stream_with_handlers(prompt="x", handlers=[CallbackStreamHandler(on_token=explode)])
        with pytest.raises(RuntimeError, match="handler bug"):
            failing.get_result(timeout=10)
        assert failing.state is StreamState.CANCELLED


def test_any_stream_and_per_handler_processors():
    plain = BufferedStreamHandler()
    filtered = BufferedStreamHandler(processors=[ContentFilterProcessor(["fox"], "cat")])
    with StreamManager() as manager:
        stream = manager.start(chunk_stream(TEXT, 5), [plain, filtered])
        assert stream.get_result(timeout=10).text == TEXT
    assert plain.get_response() == TEXT
    assert filtered.get_response() == TEXT.replace("fox", "cat")


def test_bad_use_gets_clear_errors():
    with StreamManager() as manager:
        with pytest.raises(InvalidStateError, match="no provider"):
            manager.generate_stream_with_handlers(prompt="x")
        with pytest.raises(TypeError, match="StreamHandler"):
            manager.start(["x"], [print])
    with StreamManager(ScriptedProvider(rate=0)) as manager:
        with pytest.raises(ValueError, match="nothing to send"):
            manager.generate_stream_with_handlers()
    with pytest.raises(InvalidStateError, match="closed"):
        manager.start(["x"], [StreamHandler()])


def test_close_cancels_running_streams():
    started = threading.Event()
    manager = StreamManager(ScriptedProvider(rate=50, text=" ".join(["w"] * 500)))
    stream = manager.generate_stream_with_handlers(
        prompt="x", handlers=[CallbackStreamHandler(on_token=lambda t: started.set())]
    )
    assert started.wait(10)
    manager.close()
    assert stream.done and stream.state is StreamState.CANCELLED
    assert stream.snapshot.text.startswith("w")
