"""Continuing a cut-off answer: each provider gets the partial answer the way it can continue it, and
the exchange's result is one answer (the partial and what carried it on)."""

from __future__ import annotations

import json

import pytest

from tests.stream.wire_server import Reply, WireServer, chat_body
from tui.stream import Chat, Message, get_provider
from tui.stream.messages import CONTINUE_INSTRUCTION
from tui.stream.providers.scripted import DEFAULT_TEXT, ScriptedProvider

PARTIAL = [Message("user", "Tell me a story."), Message("assistant", "Once upon a time ")]


def anthropic_body(text: str) -> bytes:
    frames = [
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}}),
        (
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}},
        ),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"}}),
        ("message_stop", {"type": "message_stop"}),
    ]
    return b"".join(f"event: {e}\ndata: {json.dumps(d)}\n\n".encode() for e, d in frames)


async def test_anthropic_continues_the_partial_as_a_prefill_without_trailing_space():
    with WireServer() as server:
        server.add(Reply(body=anthropic_body(" there was a river.")))
        provider = get_provider("anthropic", base_url=server.url, api_key="k", max_retries=0)
        chat = await Chat(PARTIAL, provider=provider).complete(continue_answer=True)
        await provider.aclose()
    sent = server.requests[0].json["messages"]
    assert sent[-1] == {"role": "assistant", "content": [{"type": "text", "text": "Once upon a time"}]}
    assert [m.role for m in chat.messages] == ["user", "assistant"]  # one answer, not two
    assert chat.text == "Once upon a time  there was a river."


async def test_openai_gets_the_partial_and_an_instruction_to_continue():
    with WireServer() as server:
        server.add(Reply(body=chat_body("there", " was a river.")))
        provider = get_provider("openai", base_url=server.url + "/v1", api_key="k", max_retries=0)
        chat = await Chat(PARTIAL, provider=provider).complete(continue_answer=True)
        await provider.aclose()
    sent = server.requests[0].json["messages"]
    assert sent[-2] == {"role": "assistant", "content": "Once upon a time "}
    assert sent[-1] == {"role": "user", "content": CONTINUE_INSTRUCTION}
    assert chat.text == "Once upon a time there was a river."
    assert CONTINUE_INSTRUCTION not in json.dumps([m.content for m in chat.messages])  # not kept in the chat


async def test_the_scripted_model_carries_on_exactly():
    cut = DEFAULT_TEXT[:50]
    chat = Chat([Message("user", "tour"), Message("assistant", cut)], provider=ScriptedProvider(rate=0))
    async with chat.complete_stream(continue_answer=True) as stream:
        new = "".join([piece async for piece in stream.content_delta])
        result = await stream.chat
    assert new == DEFAULT_TEXT[50:]
    assert result.text == DEFAULT_TEXT and not result.messages[-1].thinking


def test_there_must_be_text_to_continue():
    provider = ScriptedProvider(rate=0)
    with pytest.raises(ValueError, match="nothing to continue"):
        Chat([Message("user", "hi")], provider=provider).complete_stream(continue_answer=True)
    with pytest.raises(ValueError, match="nothing to continue"):
        Chat([Message("user", "hi"), Message("assistant", "", thinking="hm")], provider=provider).complete_stream(
            continue_answer=True
        )
