"""A cancelled answer never makes the next request invalid, in any wire format.

Each case streams a real answer from a `WireServer` (thinking, then text, then a tool call whose
arguments arrive in pieces), cancels it in one state (while it thinks, while it writes text, while the
tool's arguments stream, while the tool runs), saves it in history like the app does, then sends the
next prompt twice: with the context rebuilt from history (a reopened conversation) and with the
partial answer as the stream left it in memory. Each request body the server receives is checked
against the rules the real API enforces (what peers break: a tool call with no result, an empty
assistant turn, roles out of order) -- a 400 for every later request in those clients.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest

from tests.stream.wire_server import Reply, WireServer
from tui.history import AnswerRecorder, HistoryStore
from tui.stream import Chat, Message, StreamEventType, get_provider
from tui.stream.messages import CONTINUE_INSTRUCTION, ChatRequest, ToolCall, sendable, wire_messages
from tui.stream.tools import Tool

THINK = "I should look this up."
TEXT = "Let me check the weather."
ARGS = ['{"ci', 'ty": "Pa', 'ris"}']
STATES = ("thinking", "text", "tool_args", "tool_running")
WAIT_FOR = {
    "thinking": StreamEventType.THINKING,
    "text": StreamEventType.DELTA,
    "tool_args": StreamEventType.TOOL_CALL_DELTA,
}


# -- answer bodies, frame by frame (the stall point is a frame boundary) -------------------------------
def _sse(event: str | None, data: Any) -> bytes:
    head = f"event: {event}\n".encode() if event else b""
    return head + b"data: " + json.dumps(data).encode() + b"\n\n"


def _chat_frames() -> dict[str, list[bytes]]:
    def chunk(**delta: Any) -> bytes:
        return _sse(None, {"id": "c", "model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})

    call = {"index": 0, "id": "call_a", "type": "function", "function": {"name": "weather", "arguments": ""}}
    args = [chunk(tool_calls=[{"index": 0, "function": {"arguments": a}}]) for a in ARGS]
    end = _sse(None, {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    return {
        "thinking": [chunk(role="assistant", reasoning_content=THINK)],
        "text": [chunk(content=TEXT)],
        "tool_args": [chunk(tool_calls=[call]), *args[:2]],
        "rest": [args[2], end, b"data: [DONE]\n\n"],
    }


def _responses_frames() -> dict[str, list[bytes]]:
    item = {"type": "function_call", "id": "fc_1", "call_id": "call_a", "name": "weather", "arguments": ""}
    done = {**item, "arguments": "".join(ARGS)}
    return {
        "thinking": [
            _sse("response.created", {"type": "response.created", "response": {"id": "r", "model": "m"}}),
            _sse("response.reasoning_summary_text.delta", {"type": "x", "delta": THINK}),
        ],
        "text": [_sse("response.output_text.delta", {"type": "x", "delta": TEXT})],
        "tool_args": [
            _sse("response.output_item.added", {"type": "x", "output_index": 2, "item": item}),
            *[
                _sse("response.function_call_arguments.delta", {"type": "x", "item_id": "fc_1", "delta": a})
                for a in ARGS[:2]
            ],
        ],
        "rest": [
            _sse("response.function_call_arguments.delta", {"type": "x", "item_id": "fc_1", "delta": ARGS[2]}),
            _sse("response.output_item.done", {"type": "x", "output_index": 2, "item": done}),
            _sse("response.completed", {"type": "response.completed", "response": {"id": "r", "status": "completed"}}),
        ],
    }


def _anthropic_frames() -> dict[str, list[bytes]]:
    def delta(index: int, **body: Any) -> bytes:
        return _sse("content_block_delta", {"type": "content_block_delta", "index": index, "delta": body})

    def block(index: int, **body: Any) -> bytes:
        return _sse("content_block_start", {"type": "content_block_start", "index": index, "content_block": body})

    def stop(index: int) -> bytes:
        return _sse("content_block_stop", {"type": "content_block_stop", "index": index})

    start = {"type": "message_start", "message": {"id": "msg", "model": "m", "usage": {"input_tokens": 5}}}
    return {
        "thinking": [
            _sse("message_start", start),
            block(0, type="thinking", thinking=""),
            delta(0, type="thinking_delta", thinking=THINK),
        ],
        "text": [stop(0), block(1, type="text", text=""), delta(1, type="text_delta", text=TEXT)],
        "tool_args": [
            stop(1),
            block(2, type="tool_use", id="call_a", name="weather", input={}),
            *[delta(2, type="input_json_delta", partial_json=a) for a in ARGS[:2]],
        ],
        "rest": [
            delta(2, type="input_json_delta", partial_json=ARGS[2]),
            stop(2),
            _sse("message_delta", {"type": "message_delta", "delta": {"stop_reason": "tool_use"}}),
            _sse("message_stop", {"type": "message_stop"}),
        ],
    }


def _ollama_frames() -> dict[str, list[bytes]]:
    def line(message: dict[str, Any], done: bool = False) -> bytes:
        return json.dumps({"model": "m", "message": {"role": "assistant", **message}, "done": done}).encode() + b"\n"

    call = {"function": {"name": "weather", "arguments": {"city": "Paris"}}}
    return {  # Ollama sends a tool call whole: "tool_args" stops right after it, before `done`
        "thinking": [line({"content": "", "thinking": THINK})],
        "text": [line({"content": TEXT})],
        "tool_args": [line({"content": "", "tool_calls": [call]})],
        "rest": [line({"content": ""}, done=True)],
    }


def _text_reply(fmt: str) -> bytes:
    if fmt == "openai":
        return (
            _sse(None, {"id": "c", "choices": [{"index": 0, "delta": {"content": "Sunny."}, "finish_reason": "stop"}]})
            + b"data: [DONE]\n\n"
        )
    if fmt == "openai-responses":
        return _sse("response.output_text.delta", {"type": "x", "delta": "Sunny."}) + _sse(
            "response.completed", {"type": "response.completed", "response": {"status": "completed"}}
        )
    if fmt == "anthropic":
        return (
            _sse("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}})
            + _sse(
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Sunny."}},
            )
            + _sse("message_stop", {"type": "message_stop"})
        )
    return json.dumps({"model": "m", "message": {"role": "assistant", "content": "Sunny."}, "done": True}).encode()


FORMATS: dict[str, tuple[Callable[[], dict[str, list[bytes]]], str, str]] = {
    # format -> (frames, content type, base URL suffix)
    "openai": (_chat_frames, "text/event-stream", "/v1"),
    "openai-responses": (_responses_frames, "text/event-stream", "/v1"),
    "anthropic": (_anthropic_frames, "text/event-stream", ""),
    "ollama": (_ollama_frames, "application/x-ndjson", ""),
}


def _first_reply(fmt: str, state: str) -> Reply:
    frames_of, content_type, _ = FORMATS[fmt]
    frames = frames_of()
    order = ["thinking", "text", "tool_args", "rest"]
    if state == "tool_running":
        return Reply(body=b"".join(b"".join(frames[k]) for k in order), content_type=content_type)
    upto = order[: order.index(state) + 1]
    body = b"".join(b"".join(frames[k]) for k in upto)
    # send what comes up to this state, then nothing more: the answer is cancelled right there
    return Reply(body=body, content_type=content_type, stall=30, stall_at=len(body))


# -- what each API accepts (the rules real servers answer with a 400) ------------------------------------
def check_openai(body: dict[str, Any]) -> None:
    messages = body["messages"]
    for i, m in enumerate(messages):
        if m["role"] == "assistant":
            calls = m.get("tool_calls") or []
            assert (m.get("content") or "").strip() or calls, f"empty assistant message: {m}"
            following = []
            for n in messages[i + 1 :]:
                if n["role"] != "tool":
                    break
                following.append(n["tool_call_id"])
            assert sorted(c["id"] for c in calls) == sorted(following), "every tool call needs its result"
            for c in calls:
                json.loads(c["function"]["arguments"])
        if m["role"] == "tool":
            previous = next(p for p in reversed(messages[:i]) if p["role"] != "tool")
            ids = [c["id"] for c in previous.get("tool_calls") or []]
            assert m["tool_call_id"] in ids, "a tool result must answer a call of the assistant turn before it"


def check_responses(body: dict[str, Any]) -> None:
    items = body["input"]
    calls = [i["call_id"] for i in items if i.get("type") == "function_call"]
    outputs = [i["call_id"] for i in items if i.get("type") == "function_call_output"]
    assert sorted(calls) == sorted(outputs), "every function_call needs its output and the reverse"
    for item in items:
        if item.get("role") == "assistant":
            assert item["content"].strip(), "empty assistant message"
        if item.get("type") == "function_call":
            json.loads(item["arguments"])


def check_anthropic(body: dict[str, Any]) -> None:
    turns = body["messages"]
    assert turns[0]["role"] == "user"
    for a, b in zip(turns, turns[1:], strict=False):
        assert a["role"] != b["role"], "roles must alternate"
    for i, turn in enumerate(turns):
        for block in turn["content"]:
            if block["type"] == "text":
                assert block["text"].strip(), "text content blocks must be non-empty"
        uses = [b["id"] for b in turn["content"] if b["type"] == "tool_use"]
        if turn["role"] == "assistant" and uses:
            nxt = turns[i + 1]["content"] if i + 1 < len(turns) else []
            results = [b["tool_use_id"] for b in nxt if b["type"] == "tool_result"]
            assert sorted(uses) == sorted(results), "each tool_use needs a tool_result in the next turn"
        if turn["role"] == "user":
            results = [b["tool_use_id"] for b in turn["content"] if b["type"] == "tool_result"]
            before = turns[i - 1]["content"] if i else []
            assert set(results) <= {b["id"] for b in before if b["type"] == "tool_use"}
    last = turns[-1]
    if last["role"] == "assistant":
        assert last["content"][-1]["text"] == last["content"][-1]["text"].rstrip(), "no trailing white space"


def check_ollama(body: dict[str, Any]) -> None:
    messages = body["messages"]
    for i, m in enumerate(messages):
        if m["role"] == "assistant":
            assert m["content"].strip() or m.get("tool_calls"), f"empty assistant message: {m}"
        if m["role"] == "tool":
            previous = next(p for p in reversed(messages[:i]) if p["role"] != "tool")
            names = [c["function"]["name"] for c in previous.get("tool_calls") or []]
            assert m.get("tool_name") in names


CHECKS = {
    "openai": check_openai,
    "openai-responses": check_responses,
    "anthropic": check_anthropic,
    "ollama": check_ollama,
}


def weather_tool(started: threading.Event) -> Tool:
    async def weather(city: str) -> str:
        """The weather in a city."""
        started.set()
        await asyncio.sleep(30)  # runs until the exchange is cancelled
        return "sunny"

    return Tool.from_function(weather)


async def _cancelled_exchange(fmt: str, state: str, server: WireServer, store: HistoryStore) -> tuple[int, Any]:
    """Stream the first answer, cancel it in `state`, save it like the app: (conversation, snapshot)."""
    _, _, suffix = FORMATS[fmt]
    provider = get_provider(fmt, base_url=server.url + suffix, api_key="k", model="m", max_retries=0)
    started = threading.Event()
    tool = weather_tool(started)
    cid = store.create_conversation(provider=fmt).id
    prompt = store.add_message(cid, "user", "Weather in Paris?")
    recorder = AnswerRecorder(store, cid, prompt.id, provider=fmt)
    chat = Chat([Message("user", "Weather in Paris?")], provider=provider, tools=[tool])
    watcher = None
    async with asyncio.timeout(20):
        async with chat.complete_stream(confirm=lambda call, t: True) as stream:
            recorder.begin(stream)
            while (event := await stream.next_event()) is not None:
                recorder.feed(event)
                if state in WAIT_FOR and event.type is WAIT_FOR[state]:
                    stream.cancel()
                if state == "tool_running" and event.type is StreamEventType.TOOL_CALL and watcher is None:
                    watcher = asyncio.ensure_future(_cancel_when(started, stream))  # the tool runs on the next pull
            recorder.finish(stream)
            snapshot = stream.snapshot
    await provider.aclose()
    assert recorder.status == "cancelled"
    return cid, snapshot


async def _cancel_when(started: threading.Event, stream: Any) -> None:
    while not started.is_set():
        await asyncio.sleep(0.01)
    stream.cancel()


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("fmt", list(FORMATS))
async def test_the_next_request_after_a_cancel_is_valid(fmt: str, state: str, tmp_path) -> None:
    _, _, suffix = FORMATS[fmt]
    with WireServer() as server, HistoryStore(tmp_path / "h.db") as store:
        server.add(_first_reply(fmt, state))
        cid, snapshot = await _cancelled_exchange(fmt, state, server, store)
        server.replies.clear()
        server.add(Reply(body=_text_reply(fmt), content_type=FORMATS[fmt][1]))
        reopened = [*store.to_chat_messages(cid), Message("user", "And tomorrow?")]
        in_memory = [Message("user", "Weather in Paris?"), snapshot.to_message(), Message("user", "And tomorrow?")]
        provider = get_provider(fmt, base_url=server.url + suffix, api_key="k", model="m", max_retries=0)
        for messages in (reopened, in_memory):
            chat = Chat(messages, provider=provider, tools=[weather_tool(threading.Event())])
            answer = await chat.complete()
            assert answer.text == "Sunny."
        await provider.aclose()
    assert len(server.requests) == 3
    for recorded in server.requests[1:]:
        body = recorded.json
        CHECKS[fmt](body)
        sent = json.dumps(body)
        assert "And tomorrow?" in sent and "Weather in Paris?" in sent
        if state in ("text", "tool_args", "tool_running"):
            assert TEXT in sent  # the partial text the user saw is context for the model


def test_sendable_drops_only_what_no_api_accepts() -> None:
    call = ToolCall("c1", "weather", {"city": "Paris"})
    other = ToolCall("c2", "weather", {"city": "Rome"})
    messages = [
        Message("user", "a"),
        Message("assistant", "", thinking="only thought"),  # cancelled while thinking
        Message("user", "b"),
        Message("assistant", "checking", tool_calls=[call, other]),  # c2 never ran
        Message("tool", "sunny", tool_call_id="c1", name="weather"),
        Message("tool", "orphan", tool_call_id="zz", name="weather"),
        Message("assistant", "It is sunny."),
    ]
    out = sendable(messages)
    assert [m.role for m in out] == ["user", "user", "assistant", "tool", "assistant"]
    assert out[2].tool_calls == [call] and out[3].content == "sunny"
    assert messages[3].tool_calls == [call, other]  # the caller's messages are left alone


def test_a_continuation_is_prefill_or_an_instruction() -> None:
    request = ChatRequest(
        messages=[Message("user", "Count"), Message("assistant", "one two  \n")], continue_answer=True
    )
    assert wire_messages(request, prefill=True)[-1] == Message("assistant", "one two")
    plain = wire_messages(request, prefill=False)
    assert plain[-2].content == "one two  \n" and plain[-1] == Message("user", CONTINUE_INSTRUCTION)
