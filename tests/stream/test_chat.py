"""Chat and ChatStream: iterator views, cancel semantics, tool rounds (scripted and over real HTTP)."""

import asyncio
import json
import threading

import pytest

from tests.stream.wire_server import Reply, WireServer, chat_chunk
from tui.stream import (
    Chat,
    ChatStream,
    Message,
    StreamController,
    StreamEventType,
    StreamIncompleteError,
    StreamState,
    ToolExecutionAbortError,
    get_provider,
    tool,
)
from tui.stream.providers.scripted import DEFAULT_THINKING, ScriptedProvider

T = StreamEventType
TEXT = "One two three four five."


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


TWO_ROUNDS = [
    {"name": "add", "arguments": {"a": 2, "b": 3}},
    {"name": "multiply", "arguments": {"a": 4, "b": 5}, "round": 1},
]


def make_chat(**provider_options) -> Chat:
    provider_options.setdefault("rate", 0)
    provider_options.setdefault("text", TEXT)
    return Chat([Message("user", "hi")], provider=ScriptedProvider(**provider_options))


async def test_thinking_then_content_views_share_one_cursor():
    async with make_chat().complete_stream() as stream:
        thinking = [t async for t in stream.thinking_delta]
        deltas = [d async for d in stream.content_delta]
        final = await stream.chat
    assert "".join(thinking) == DEFAULT_THINKING
    assert "".join(deltas) == TEXT
    assert final.text == TEXT and final.messages[-1].thinking == DEFAULT_THINKING
    assert [m.role for m in final.messages] == ["user", "assistant"]
    assert stream.state is StreamState.COMPLETED and stream.stats.total_tokens > 0


async def test_accumulating_views():
    async with make_chat().complete_stream() as stream:
        thoughts = [t async for t in stream.thinking]
        contents = [c async for c in stream.content]
    assert thoughts[-1] == DEFAULT_THINKING
    assert all(b.startswith(a) for a, b in zip(thoughts, thoughts[1:], strict=False))
    assert contents[0] == "One" and contents[-1] == TEXT


async def test_skipping_thinking_drains_it_and_keeps_it():
    async with make_chat().complete_stream() as stream:
        deltas = [d async for d in stream.content_delta]
        final = await stream.chat
    assert "".join(deltas) == TEXT
    assert final.messages[-1].thinking == DEFAULT_THINKING
    assert stream.snapshot.thinking == DEFAULT_THINKING


async def test_breaking_out_early_cancels_and_chat_raises_incomplete():
    closed = threading.Event()
    provider = ScriptedProvider(rate=0, text=TEXT)
    original = provider.stream

    async def watched(request, control=None):
        try:
            async for event in original(request, control):
                yield event
        finally:
            closed.set()

    provider.stream = watched
    chat = Chat([Message("user", "hi")], provider=provider)
    async with chat.complete_stream() as stream:
        async for delta in stream.content_delta:
            if delta.strip() == "two":
                break
        assert stream.state is StreamState.CANCELLED
        with pytest.raises(StreamIncompleteError, match="cancelled"):
            await stream.chat
        assert stream.snapshot.text == "One two"
        assert stream.snapshot.thinking == DEFAULT_THINKING
    assert closed.is_set()


async def test_leaving_the_thinking_view_early_only_skips_thinking():
    async with make_chat().complete_stream() as stream:
        async for _ in stream.thinking_delta:
            break
        assert stream.state is not StreamState.CANCELLED
        final = await stream.chat
    assert final.text == TEXT


async def test_complete_returns_the_final_chat_and_leaves_the_original_alone():
    chat = make_chat()
    final = await chat.complete()
    assert final.text == TEXT and len(chat.messages) == 1
    follow_up = final.with_message("and then?")
    assert [m.role for m in follow_up.messages] == ["user", "assistant", "user"]


async def test_tools_over_two_rounds_with_the_scripted_provider():
    requests = []
    provider = ScriptedProvider(rate=0, text="Done.", tool_calls=TWO_ROUNDS)
    original = provider.stream

    def recording(request, control=None):
        requests.append(request)
        return original(request, control)

    provider.stream = recording
    chat = Chat([Message("user", "compute")], provider=provider).with_tools([add, multiply])
    async with chat.complete_stream() as stream:
        events = [e async for e in stream.events()]
        final = await stream.chat
    results = [e for e in events if e.type is T.TOOL_RESULT]
    assert [(r.content, r.meta("name"), r.meta("round"), r.meta("is_error")) for r in results] == [
        ("5", "add", 1, False),
        ("20", "multiply", 2, False),
    ]
    assert all(r.meta("id") == "call_1" and r.meta("duration_ms") >= 0 for r in results)
    ends = [e for e in events if e.type is T.END]
    assert [(e.meta("round"), e.meta("final")) for e in ends] == [(1, False), (2, False), (3, True)]
    assert [m.role for m in final.messages] == ["user", "assistant", "tool", "assistant", "tool", "assistant"]
    assert final.messages[2].tool_call_id == "call_1" and final.messages[2].name == "add"
    assert len(requests) == 3 and [t.name for t in requests[0].tools] == ["add", "multiply"]
    assert requests[2].messages[-1].content == "20"
    assert stream.state is StreamState.COMPLETED and stream.stats.rounds == 3
    assert stream.stats.total_tokens == sum(1 for e in events if e.type in (T.DELTA, T.THINKING, T.TOOL_CALL_DELTA))


async def test_tool_errors_go_back_to_the_model_and_unknown_tools_are_reported():
    def broken(a: int, b: int) -> int:
        """Fails."""
        raise ZeroDivisionError("division by zero")

    calls = [{"name": "broken", "arguments": {"a": 1, "b": 0}}, {"name": "ghost", "arguments": {}}]
    provider = ScriptedProvider(rate=0, text="Sorry.", tool_calls=calls)
    chat = Chat([Message("user", "x")], provider=provider, tools=[broken])
    seen = {}
    original = provider.stream

    def recording(request, control=None):
        seen["last"] = request
        return original(request, control)

    provider.stream = recording
    # the scripted model only calls offered tools; make it call one that is not offered, like a real one may
    provider._wanted_calls = lambda request: calls if request.messages[-1].role == "user" else []
    final = await chat.complete()
    broken_result, ghost_result = final.messages[2], final.messages[3]
    assert broken_result.is_error and broken_result.content == "ZeroDivisionError: division by zero"
    assert ghost_result.is_error and ghost_result.content == "unknown tool 'ghost'; available tools: broken"
    assert [m.is_error for m in seen["last"].messages[-2:]] == [True, True]
    assert final.text.startswith("The tools answered")


async def test_abort_error_ends_the_stream_and_propagates():
    def abort(a: int, b: int) -> int:
        """Stops everything."""
        raise ToolExecutionAbortError("stop right there")

    provider = ScriptedProvider(rate=0, tool_calls=[{"name": "abort", "arguments": {"a": 1, "b": 2}}])
    chat = Chat([Message("user", "x")], provider=provider, tools=[abort])
    async with chat.complete_stream() as stream:
        with pytest.raises(ToolExecutionAbortError, match="stop right there"):
            async for _ in stream.events():
                pass
        with pytest.raises(ToolExecutionAbortError):
            await stream.chat
    assert stream.state is StreamState.FAILED
    assert stream.snapshot.text == "Let me check." and stream.snapshot.error["type"] == "tool_aborted"


@pytest.mark.parametrize(("answer", "expected"), [(True, "5"), (False, "the user denied this call"), (None, None)])
async def test_confirm_hook(answer, expected):
    confirmed = tool(add, requires_confirmation=True)
    asked = []

    async def confirm(call, the_tool):
        asked.append((call.name, call.arguments, the_tool.name))
        return answer

    provider = ScriptedProvider(rate=0, tool_calls=[{"name": "add", "arguments": {"a": 2, "b": 3}}])
    chat = Chat([Message("user", "x")], provider=provider, tools=[confirmed])
    final = await chat.complete(confirm=None if answer is None else confirm)
    result = final.messages[2]
    if answer is None:  # nobody to ask: a tool that needs consent does not run
        assert result.content == "the user denied this call" and result.is_error and asked == []
    else:
        assert result.content == expected and asked == [("add", {"a": 2, "b": 3}, "add")]
        assert result.is_error is (not answer)


async def test_rounds_are_bounded():
    looping = [{"name": "add", "arguments": {"a": 1, "b": 1}, "round": n} for n in range(10)]
    chat = Chat([Message("user", "x")], provider=ScriptedProvider(rate=0, tool_calls=looping), tools=[add])
    async with chat.complete_stream(max_rounds=2) as stream:
        final = await stream.chat
    assert stream.rounds_exhausted and stream.round == 2
    assert [m.role for m in final.messages] == ["user", "assistant", "tool", "assistant", "tool"]
    assert "limit of 2 model calls" in final.messages[-1].content and final.messages[-1].is_error
    with pytest.raises(ValueError):
        chat.complete_stream(max_rounds=0)


async def test_cancel_during_tool_execution_keeps_the_partial_exchange():
    started, release = threading.Event(), threading.Event()

    def slow(a: int, b: int) -> int:
        """Takes a while."""
        started.set()
        release.wait(10)
        return a + b

    controller = StreamController()
    provider = ScriptedProvider(rate=0, tool_calls=[{"name": "slow", "arguments": {"a": 1, "b": 2}}])
    chat = Chat([Message("user", "x")], provider=provider, tools=[slow])
    try:
        async with chat.complete_stream(controller=controller) as stream:

            async def cancel_when_running():
                await asyncio.to_thread(started.wait, 10)
                controller.cancel()

            canceller = asyncio.create_task(cancel_when_running())
            events = [e.type async for e in stream.events()]
            await canceller
            with pytest.raises(StreamIncompleteError):
                await stream.chat
    finally:
        release.set()
    assert T.TOOL_RESULT not in events
    assert stream.state is StreamState.CANCELLED
    assert stream.snapshot.text == "Let me check." and stream.snapshot.tool_calls[0].name == "slow"


async def test_pause_holds_tool_results_until_resume():
    controller = StreamController()
    provider = ScriptedProvider(rate=0, text="Fine.", tool_calls=[{"name": "add", "arguments": {"a": 1, "b": 2}}])
    chat = Chat([Message("user", "x")], provider=provider, tools=[add])
    got = []

    async def resume_later():
        for _ in range(200):  # the loop runs freely: a result must still not be delivered
            await asyncio.sleep(0)
        got.append("resume")
        assert controller.resume()

    async with chat.complete_stream(controller=controller) as stream:
        async for event in stream.events():
            got.append(event.type)
            if event.type is T.END and not event.meta("final"):
                assert controller.pause()
                resumer = asyncio.create_task(resume_later())
        await resumer
        final = await stream.chat
    assert got[got.index("resume") - 1] is T.END and got[got.index("resume") + 1] is T.TOOL_RESULT
    assert got.count(T.TOOL_RESULT) == 1 and final.text.startswith("The tools answered")


def sse(*chunks) -> bytes:
    return b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"


def tool_call_body(call_id, name, arguments: dict) -> bytes:
    raw = json.dumps(arguments)
    return sse(
        chat_chunk(role="assistant", content=""),
        chat_chunk(
            tool_calls=[{"index": 0, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}]
        ),
        chat_chunk(tool_calls=[{"index": 0, "function": {"arguments": raw[:6]}}]),
        chat_chunk(tool_calls=[{"index": 0, "function": {"arguments": raw[6:]}}]),
        chat_chunk(finish="tool_calls"),
    )


async def test_tools_over_two_rounds_against_a_real_openai_chat_server():
    text_body = sse(
        chat_chunk(role="assistant", content="The answer"), chat_chunk(" is 20."), chat_chunk(finish="stop")
    )
    with WireServer() as server:
        server.add(
            Reply(body=tool_call_body("call_a", "add", {"a": 2, "b": 3}), chunks=[40, 200, 400]),
            Reply(body=tool_call_body("call_m", "multiply", {"a": 4, "b": 5})),
            Reply(body=text_body, chunks=[30]),
        )
        provider = get_provider("openai", base_url=server.url + "/v1", model="test-model", max_retries=0)
        chat = Chat([Message("user", "compute (2+3)*4")], provider=provider, tools=[add, multiply])
        try:
            async with chat.complete_stream() as stream:
                events = [e async for e in stream.events()]
                final = await stream.chat
        finally:
            await provider.aclose()
    assert final.text == "The answer is 20."
    results = [(e.meta("name"), e.content) for e in events if e.type is T.TOOL_RESULT]
    assert results == [("add", "5"), ("multiply", "20")]
    bodies = [r.json for r in server.requests]
    assert len(bodies) == 3
    assert [t["function"]["name"] for t in bodies[0]["tools"]] == ["add", "multiply"]
    assert bodies[1]["messages"][-2]["tool_calls"][0]["id"] == "call_a"
    assert bodies[1]["messages"][-1] == {"role": "tool", "tool_call_id": "call_a", "content": "5"}
    assert bodies[2]["messages"][-1] == {"role": "tool", "tool_call_id": "call_m", "content": "20"}
    assert stream.state is StreamState.COMPLETED


def test_chat_values():
    chat = Chat(provider="scripted", tools=[add])
    assert chat.provider.name == "scripted" and chat.tool("add").name == "add" and chat.tool("x") is None
    assert chat.text == "" and chat.last_message is None
    with pytest.raises(ValueError, match="share a name"):
        chat.with_tools([add])
    assert isinstance(chat.with_message("hi").complete_stream(), ChatStream)
    from tui.stream import StreamStats

    mine = StreamStats()
    assert chat.complete_stream(stats=mine).stats is mine  # e.g. with the app's own clock


async def test_a_broken_round_raises_its_error_and_keeps_the_partial_answer():
    from tui.stream import StreamInterruptedError

    chat = make_chat(fail_after=2)
    async with chat.complete_stream() as stream:
        deltas = [d async for d in stream.content_delta]
        with pytest.raises(StreamInterruptedError, match="connection lost"):
            await stream.chat
    assert "".join(deltas) == "One two" == stream.snapshot.text
    assert stream.state is StreamState.INTERRUPTED


# -- zero tools is one round: a ChatStream without tools is exactly one StreamRun ---------------------
def _shape(events):
    """What a consumer sees of the events (ChatStream's END adds `round` and `final`)."""
    return [(e.type, e.content, e.index, e.meta("complete"), e.meta("type")) for e in events]


def _both(**options):
    """The same scripted model behind a single StreamRun and a tool-less ChatStream."""
    from tui.stream import ChatRequest, StreamRun

    options.setdefault("rate", 0)
    options.setdefault("text", TEXT)
    run = StreamRun.from_provider(ScriptedProvider(**options), ChatRequest([Message("user", "hi")]))
    stream = Chat([Message("user", "hi")], provider=ScriptedProvider(**options)).complete_stream()
    return run, stream


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"fail_after": 2},  # broken after the first tokens: interrupted, partial kept
        {"fail_after": 2, "failure": "api_error"},
        {"fail_after": 0, "failure": "api_error"},  # failed before the first token
    ],
    ids=["complete", "interrupted", "api-error", "failed-at-once"],
)
async def test_without_tools_a_chat_stream_is_exactly_one_stream_run(options):
    run, stream = _both(**options)
    run_events = [e async for e in run]
    async with stream:
        chat_events = [e async for e in stream.events()]
    assert _shape(chat_events) == _shape(run_events)
    assert chat_events[-1].meta("final") is True and chat_events[-1].meta("round") == 1
    assert stream.final_state is run.final_state and stream.state is run.state
    assert stream.snapshot.to_dict() == run.snapshot.to_dict()
    assert stream.stats.rounds == 1 and stream.stats.ended_at is not None
    assert stream.stats.total_tokens == run.stats.total_tokens
    assert stream.stats.tokens_estimated == run.stats.tokens_estimated
    if run.final_state is StreamState.COMPLETED:
        assert (await stream.chat).text == run.snapshot.text
    else:
        with pytest.raises(Exception) as raised:
            await stream.chat
        assert str(raised.value) == (run.snapshot.error or {}).get("message", str(raised.value))


async def test_without_tools_a_tool_call_the_model_makes_anyway_is_kept_not_run():
    provider = ScriptedProvider(rate=0, text="Let me look.", tool_calls=[{"name": "add", "arguments": {"a": 1}}])
    provider._wanted_calls = lambda request: [{"name": "add", "arguments": {"a": 1}}]  # a model may do that
    async with Chat([Message("user", "hi")], provider=provider).complete_stream() as stream:
        events = [e async for e in stream.events()]
        final = await stream.chat
    assert [e.type for e in events].count(T.START) == 1 and T.TOOL_RESULT not in [e.type for e in events]
    assert stream.stats.rounds == 1 and events[-1].meta("final") is True
    assert [m.role for m in final.messages] == ["user", "assistant"]
    assert final.messages[-1].tool_calls[0].name == "add"


async def _pause_then_cancel(source) -> tuple[list[str], bool]:
    """Pause after 3 deltas (nothing may arrive while paused, however long the loop turns), resume,
    cancel after 10; returns the deltas delivered and whether the pause held."""
    controller = source.controller
    delivered: list[str] = []
    held: list[bool] = []

    async def watch():
        while controller.state is not StreamState.PAUSED:
            await asyncio.sleep(0)
        count = len(delivered)
        for _ in range(50):  # the loop turns, the source is read into the buffer, nothing is delivered
            await asyncio.sleep(0)
        held.append(len(delivered) == count)
        controller.resume()

    watcher = asyncio.get_running_loop().create_task(watch())
    async for event in source.events():
        if event.type is T.DELTA:
            delivered.append(event.content)
            if len(delivered) == 3:
                controller.pause()
            if len(delivered) == 10:
                controller.cancel()
    await watcher
    return delivered, held == [True]


@pytest.mark.parametrize("kind", ["StreamRun", "ChatStream"])
async def test_without_tools_cancel_and_pause_mean_what_they_mean_for_a_stream_run(kind):
    run, stream = _both(text=" ".join(f"w{n}" for n in range(40)), thinking=None)
    source = run if kind == "StreamRun" else stream
    delivered, held = await _pause_then_cancel(source)
    if kind == "ChatStream":
        await stream.aclose()
        with pytest.raises(StreamIncompleteError):
            await stream.chat
    assert held
    assert source.final_state is StreamState.CANCELLED and source.state is StreamState.CANCELLED
    assert len(delivered) == 10 and source.snapshot.text == "".join(delivered)
    assert not source.snapshot.complete and source.stats.ended_at is not None


async def test_the_public_cursor_is_what_every_view_reads():
    async with make_chat().complete_stream() as stream:
        first = await stream.next_event()
        assert first.type is T.START
        stream.push_back(first)  # handed back: the next reader gets it again
        events = [e async for e in stream.events()]
        assert events[0] is first and events[-1].type is T.END
        assert await stream.next_event() is None  # the end, for every view after it
        assert [d async for d in stream.content_delta] == []


async def test_a_chat_from_a_request_sends_that_request():
    from tui.stream import ChatRequest

    seen = []
    provider = ScriptedProvider(rate=0, reply=lambda request: seen.append(request) or "ok")
    request = ChatRequest([Message("user", "hi")], model="m1", system="be brief", max_tokens=7, temperature=0.5)
    final = await Chat.from_request(request, provider=provider).complete()
    assert final.text == "ok"
    sent = seen[0]
    assert (sent.model, sent.system, sent.max_tokens, sent.temperature, sent.tools) == ("m1", "be brief", 7, 0.5, [])
    assert [m.content for m in sent.messages] == ["hi"]


@pytest.mark.parametrize("allowed", [True, False])
async def test_on_tool_start_comes_after_the_consent_and_only_for_a_tool_that_runs(allowed):
    """A tool's running time starts after the person answered: `on_tool_start` marks that moment."""
    order = []
    confirmed = tool(add, requires_confirmation=True)

    async def confirm(call, the_tool):
        order.append(("asked", call.name))
        return allowed

    calls = [{"name": "add", "arguments": {"a": 2, "b": 3}}, {"name": "multiply", "arguments": {"a": 4, "b": 5}}]
    provider = ScriptedProvider(rate=0, tool_calls=calls)
    chat = Chat([Message("user", "x")], provider=provider, tools=[confirmed, multiply])
    started = lambda call, index: order.append(("started", call.name, index, call.id))  # noqa: E731
    await chat.complete(confirm=confirm, on_tool_start=started)
    ran_add = [("started", "add", 0, "call_1")] if allowed else []
    assert order == [("asked", "add"), *ran_add, ("started", "multiply", 1, "call_2")]
