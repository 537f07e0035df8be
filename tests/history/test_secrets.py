"""API keys and auth headers never reach the history file, even when a provider error echoes them."""

from __future__ import annotations

from tests.history.conftest import delta
from tui.history import AnswerRecorder
from tui.history.errors import redact
from tui.stream import StreamState
from tui.stream.events import StreamEvent, StreamEventType

KEY = "sk-proj-abcdefghijklmnopqrstuvwxyz123456"


def test_redact_patterns():
    assert KEY not in redact(f"Incorrect API key provided: {KEY}.")
    assert "secret-token-value" not in redact("Authorization: Bearer secret-token-value")
    assert "abcdef123456" not in redact('{"x-api-key": "abcdef123456"}')
    assert "zzzzzzzz" not in redact("GET https://host/v1?key=zzzzzzzz&alt=sse")
    assert redact("a normal message about keys") == "a normal message about keys"


def test_an_echoed_key_is_not_written(store, db_path, monkeypatch):
    env_key = "my-own-anthropic-key-0123456789"
    monkeypatch.setenv("ANTHROPIC_API_KEY", env_key)
    conv = store.create_conversation(provider="anthropic")
    rec = AnswerRecorder(store, conv.id, None, provider="anthropic", model="claude")
    rec.feed(StreamEvent(StreamEventType.START, metadata={"provider": "anthropic", "model": "claude"}))
    rec.feed(delta("partial"))
    rec.feed(
        StreamEvent(
            StreamEventType.ERROR,
            f"401: invalid x-api-key {env_key} / {KEY}",
            metadata={"type": "authentication_error"},
        )
    )
    rec.finish(StreamState.FAILED, None)
    store.close()
    raw = b"".join(p.read_bytes() for p in db_path.parent.iterdir() if p.name.startswith(db_path.name))
    assert b"partial" in raw
    assert env_key.encode() not in raw and KEY.encode() not in raw
