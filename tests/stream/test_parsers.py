"""Wire shapes the corpus does not cover, each through the real provider over an httpx response."""

from __future__ import annotations

import json

from tests.stream.corpus import replay_transport
from tui.stream import ChatRequest, Message, StreamRun, get_provider
from tui.stream.errors import MalformedStreamError
from tui.stream.events import StreamEventType

REQUEST = ChatRequest(messages=[Message("user", "hi")])


def sse(*events) -> bytes:
    """`("name", payload)` pairs or bare payloads as an SSE body; dicts become JSON."""
    out = b""
    for event in events:
        name, payload = event if isinstance(event, tuple) else (None, event)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        out += (b"event: " + name.encode() + b"\n" if name else b"") + b"data: " + data + b"\n\n"
    return out


async def run(provider: str, body: bytes, content_type: str = "text/event-stream"):
    p = get_provider(
        provider,
        base_url="http://test.local",
        transport=replay_transport([body], content_type=content_type),
        max_retries=0,
    )
    stream_run = StreamRun.from_provider(p, REQUEST)
    events = [event async for event in stream_run]
    await p.aclose()
    return stream_run.snapshot, events


def chunk(**delta):
    return {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}


async def test_chat_tool_call_fragments_and_repeated_ids_names():
    body = sse(
        chunk(tool_calls=[{"index": 0, "id": "a", "type": "function", "function": {"name": "f", "arguments": ""}}]),
        chunk(tool_calls=[{"index": 0, "id": "a", "type": "function", "function": {"name": "f", "arguments": '{"x"'}}]),
        chunk(tool_calls=[{"index": 0, "function": {"arguments": ": 1}"}}]),
        {"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
        b"[DONE]",
    )
    snapshot, events = await run("openai", body)
    assert [c.to_dict() for c in snapshot.tool_calls] == [{"id": "a", "name": "f", "arguments": {"x": 1}}]
    done = [e for e in events if e.type is StreamEventType.TOOL_CALL]
    assert len(done) == 1 and done[0].meta("arguments_raw") == '{"x": 1}'
    assert snapshot.complete and snapshot.stop_reason == "tool_calls"


async def test_chat_bare_fragment_without_index_continues_the_last_call():
    body = sse(
        chunk(tool_calls=[{"id": "a", "function": {"name": "f", "arguments": '{"y": '}}]),
        chunk(tool_calls=[{"function": {"arguments": "2}"}}]),
        chunk(tool_calls=[{"id": "b", "function": {"name": "g", "arguments": "{}"}}]),
        b"[DONE]",
    )
    snapshot, _ = await run("openai", body)
    assert [c.to_dict() for c in snapshot.tool_calls] == [
        {"id": "a", "name": "f", "arguments": {"y": 2}},
        {"id": "b", "name": "g", "arguments": {}},
    ]


async def test_chat_usage_null_does_not_erase_usage_and_done_is_whitespace_tolerant():
    body = sse(
        chunk(content="hi"),
        {"id": "c1", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 1}},
        {"id": "c1", "choices": [], "usage": None},
        b" [DONE] ",
    )
    snapshot, _ = await run("openai", body)
    assert snapshot.usage == {"input_tokens": 3, "output_tokens": 1} and snapshot.complete


async def test_chat_content_as_typed_parts():
    body = sse(
        chunk(content=[{"type": "thinking", "thinking": [{"type": "text", "text": "hmm"}]}]),
        chunk(content=[{"type": "text", "text": "Answer"}, {"type": "image_url", "image_url": "x"}]),
        chunk(content={"odd": "shape"}),
        b"[DONE]",
    )
    snapshot, _ = await run("openai", body)
    assert snapshot.thinking == "hmm" and snapshot.text == "Answer" and snapshot.complete


async def test_chat_error_event_type():
    body = sse(chunk(content="so far"), ("error", {"message": "overloaded", "code": "overloaded"}))
    snapshot, _ = await run("openai", body)
    assert snapshot.text == "so far"
    assert snapshot.error["type"] == "overloaded" and snapshot.error["message"] == "overloaded"


async def test_unexpected_json_shape_is_a_malformed_stream():
    snapshot, events = await run("openai", sse({"id": "x", "choices": "nope"}))
    assert isinstance(snapshot.error["exception"], MalformedStreamError)
    assert "unexpected shape" in snapshot.error["message"]
    assert events[-1].type is StreamEventType.END


async def test_json_that_is_not_an_object_is_malformed():
    snapshot, _ = await run("openai", sse([1, 2, 3]))
    assert snapshot.error["type"] == "malformed_stream"


async def test_responses_without_event_lines_uses_the_json_type():
    body = sse(
        {"type": "response.created", "response": {"id": "r1", "model": "m"}},
        {"type": "response.output_text.delta", "delta": "Hi"},
        {
            "type": "response.completed",
            "response": {"status": "completed", "usage": {"input_tokens": 1, "output_tokens": 2}},
        },
    )
    snapshot, _ = await run("openai-responses", body)
    assert snapshot.text == "Hi" and snapshot.complete and snapshot.stop_reason == "completed"
    assert snapshot.response_id == "r1"


async def test_responses_summary_parts_are_separated_and_refusal_is_metadata():
    body = sse(
        ("response.reasoning_summary_part.added", {"summary_index": 0}),
        ("response.reasoning_summary_text.delta", {"delta": "First."}),
        ("response.reasoning_summary_part.added", {"summary_index": 1}),
        ("response.reasoning_summary_text.delta", {"delta": "Second."}),
        ("response.reasoning_text.delta", {"delta": "raw"}),
        ("response.refusal.delta", {"delta": "No."}),
        ("response.completed", {"response": {"status": "completed"}}),
    )
    snapshot, _ = await run("openai-responses", body)
    assert snapshot.thinking == "First.\n\nSecond."
    assert snapshot.refusal == "No." and snapshot.text == ""


async def test_responses_reasoning_text_when_there_is_no_summary():
    body = sse(
        ("response.reasoning_text.delta", {"delta": "thinking "}),
        ("response.reasoning_text.delta", {"delta": "aloud"}),
        ("response.completed", {"response": {"status": "completed"}}),
    )
    snapshot, _ = await run("openai-responses", body)
    assert snapshot.thinking == "thinking aloud"


async def test_anthropic_tool_input_given_whole_in_block_start():
    body = sse(
        (
            "content_block_start",
            {"index": 0, "content_block": {"type": "tool_use", "id": "t", "name": "f", "input": {"q": "x"}}},
        ),
        ("content_block_stop", {"index": 0}),
        ("message_delta", {"delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 5}}),
        ("message_stop", {}),
    )
    snapshot, _ = await run("anthropic", body)
    assert [c.to_dict() for c in snapshot.tool_calls] == [{"id": "t", "name": "f", "arguments": {"q": "x"}}]
    assert snapshot.usage == {"input_tokens": 0, "output_tokens": 5}


async def test_anthropic_redacted_thinking_and_signatures_are_not_text():
    body = sse(
        ("content_block_start", {"index": 0, "content_block": {"type": "redacted_thinking", "data": "xx"}}),
        ("content_block_delta", {"index": 0, "delta": {"type": "signature_delta", "signature": "sig"}}),
        ("content_block_start", {"index": 1, "content_block": {"type": "text", "text": "A"}}),
        ("content_block_delta", {"index": 1, "delta": {"type": "text_delta", "text": "B"}}),
        ("message_stop", {}),
    )
    snapshot, _ = await run("anthropic", body)
    assert snapshot.text == "AB" and snapshot.thinking == "" and snapshot.complete


async def test_ollama_tool_calls_error_line_and_unterminated_last_line():
    lines = [
        {
            "model": "m",
            "message": {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"function": {"name": "f", "arguments": {"a": 1}}},
                    {"function": {"name": "g", "arguments": {}}},
                ],
            },
            "done": False,
        },
        {"model": "m", "message": {"content": ""}, "done": True, "done_reason": "stop", "eval_count": 4},
    ]
    body = b"\n".join(json.dumps(line).encode() for line in lines)  # no newline after the last line
    snapshot, _ = await run("ollama", body, "application/x-ndjson")
    assert [c.to_dict() for c in snapshot.tool_calls] == [
        {"id": "call_0", "name": "f", "arguments": {"a": 1}},
        {"id": "call_1", "name": "g", "arguments": {}},
    ]
    assert snapshot.complete and snapshot.usage == {"input_tokens": 0, "output_tokens": 4}

    snapshot, _ = await run(
        "ollama", b'{"message": {"content": "pa"}}\n{"error": "out of memory"}\n', "application/x-ndjson"
    )
    assert snapshot.text == "pa"
    assert snapshot.error == {"type": None, "message": "out of memory", "exception": snapshot.error["exception"]}

    snapshot, _ = await run("ollama", b'{"message": {"content": "pa"}}\n{"message": {"con', "application/x-ndjson")
    assert snapshot.text == "pa" and snapshot.error is None and not snapshot.complete


async def test_ollama_non_json_line_is_malformed():
    snapshot, _ = await run("ollama", b"hello world\n", "application/x-ndjson")
    assert snapshot.error["type"] == "malformed_stream"


async def test_non_string_deltas_are_ignored_not_crashes():
    snapshot, _ = await run(
        "anthropic",
        sse(
            ("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": ["x"]}}),
            ("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": "ok"}}),
            ("message_stop", {}),
        ),
    )
    assert snapshot.text == "ok" and snapshot.complete
    snapshot, _ = await run(
        "openai-responses",
        sse(("response.output_text.delta", {"delta": 5}), ("response.output_text.delta", {"delta": "ok"})),
    )
    assert snapshot.text == "ok" and snapshot.error is None
    snapshot, _ = await run(
        "ollama", b'{"message": {"content": 3}}\n{"message": {"content": "ok"}}\n', "application/x-ndjson"
    )
    assert snapshot.text == "ok"
