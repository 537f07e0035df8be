"""Exchange: what print mode uses to save `rill -p` (new, -c latest, --cid), as a stream consumer."""

from __future__ import annotations

import io

import pytest

from tui.history import Exchange, HistoryError
from tui.stream import ChatRequest, StreamRun, get_provider


async def _run(exchange, reply="An answer."):
    provider = get_provider("scripted", rate=0, thinking="", reply=lambda request: reply)
    provider.seen = None
    run = StreamRun.from_provider(provider, ChatRequest(messages=exchange.messages, system=exchange.system))
    async for event in run:
        exchange.feed(event)
    exchange.finish(run)
    return run


async def test_new_conversation_then_continue_latest_then_cid(store):
    first = Exchange.start(store, "What is a rill?", provider="scripted", system="Be brief.")
    assert [m.content for m in first.messages] == ["What is a rill?"] and first.system == "Be brief."
    await _run(first, "A small stream.")
    assert first.error is None
    conv = store.get_conversation(first.conversation.id)
    assert conv.title == "What is a rill?" and conv.provider == "scripted"
    assert [(m.role, m.text, m.status) for m in store.thread(conv.id)] == [
        ("user", "What is a rill?", "complete"),
        ("assistant", "A small stream.", "complete"),
    ]

    other = Exchange.start(store, "unrelated")
    await _run(other)
    again = Exchange.start(store, "And a brook?", cid=str(conv.id))
    assert [m.content for m in again.messages] == ["What is a rill?", "A small stream.", "And a brook?"]
    assert again.system == "Be brief."
    await _run(again, "Bigger.")
    assert [m.text for m in store.thread(conv.id)][-2:] == ["And a brook?", "Bigger."]

    latest = Exchange.start(store, "continue", continue_latest=True)
    assert latest.conversation.id == conv.id  # the one just written is the latest


async def test_unknown_cid_is_refused_before_streaming(store):
    with pytest.raises(HistoryError, match="no conversation with id 77") as info:
        Exchange.start(store, "hi", cid=77)
    assert info.value.kind == "missing"
    assert store.list_conversations() == []


async def test_a_failed_save_is_one_line_on_stderr_and_the_answer_still_streams(store):
    err = io.StringIO()
    exchange = Exchange.start(store, "hi", err=err)
    store.delete_conversation(exchange.conversation.id)  # the answer has nowhere to go
    run = await _run(exchange, "Still printed.")
    assert run.snapshot.text == "Still printed."
    assert exchange.error is not None
    assert err.getvalue().startswith("rill: the answer was not saved to history:") and err.getvalue().count("\n") == 1
