"""The stats bar's token counts over an exchange with a tool round: the output count keeps rising
while the second round streams (it used to stay at the first round's number), and the end shows the
sum of both rounds. Once with the scripted model, once with a real socket speaking OpenAI chat SSE."""

from __future__ import annotations

import asyncio
import json
import threading

from tests.app.chat_helpers import make_app, send, wait_finished, wait_for
from tests.stream.wire_server import Reply, WireServer, chat_chunk
from tui.app.widgets.stats_bar import format_stats
from tui.builtin_tools import calculator
from tui.stream import StreamEventType, StreamState, get_provider
from tui.stream.providers.scripted import ScriptedProvider

ROUND_TWO = " ".join(f"word{n}" for n in range(80))
HOLD_AT = 40  # round two's text tokens before the model is held


class HeldSecondRound(ScriptedProvider):
    """The scripted model, held in its second round after `HOLD_AT` text tokens until `gate` is set;
    it notes each round's reported usage."""

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.gate = threading.Event()
        self.held = threading.Event()
        self.usages: list[dict] = []

    async def stream(self, request, control=None):
        second = request.messages[-1].role == "tool"
        texts = 0
        async for event in super().stream(request, control):
            if event.meta("usage"):
                self.usages.append(event.meta("usage"))
            if second and event.type is StreamEventType.DELTA:
                texts += 1
                if texts == HOLD_AT:
                    self.held.set()
                    while not self.gate.is_set():
                        await asyncio.sleep(0.01)
            yield event


async def test_output_tokens_keep_rising_in_the_second_round_and_add_up():
    provider = HeldSecondRound(
        rate=0, thinking=None, tool_calls=[{"name": "calculator", "arguments": {"expression": "6 * 7"}}]
    )
    provider.reply = lambda request: ROUND_TWO
    app = make_app(provider, tools=[calculator])
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, app, "what is 6 * 7?")
        await wait_for(pilot, provider.held.is_set, what="round two to be held mid-answer")
        first = provider.usages[0]["output_tokens"]
        await wait_for(
            pilot,
            lambda: (app.chat.stats_view.output_tokens or 0) > first,
            what=f"the shown output count to rise above round one's {first}",
        )
        assert app.chat.stats_view.tokens_estimated and "out ~" in format_stats(app.chat.stats_view)
        provider.gate.set()
        await wait_finished(pilot, app)
        view = app.chat.stats_view
        assert len(provider.usages) == 2 and not view.tokens_estimated
        assert view.output_tokens == sum(u["output_tokens"] for u in provider.usages)
        assert view.input_tokens == sum(u["input_tokens"] for u in provider.usages)
        assert f"out {view.output_tokens}" in format_stats(view)


def sse(*events: dict) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)


def usage(prompt: int, completion: int) -> dict:
    return {"id": "chatcmpl-test", "object": "chat.completion.chunk", "model": "test-model", "choices": [],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion}}  # fmt: skip


def tool_round() -> bytes:
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "calculator", "arguments": ""}}
    return (
        sse(
            chat_chunk(role="assistant", content="Let me check."),
            chat_chunk(tool_calls=[call]),
            chat_chunk(tool_calls=[{"index": 0, "function": {"arguments": '{"expression": "6 * 7"}'}}]),
            chat_chunk(finish="tool_calls"),
            usage(20, 9),
        )
        + b"data: [DONE]\n\n"
    )


async def test_over_a_real_socket_the_second_round_count_rises_too():
    answer = sse(chat_chunk(role="assistant", content=""), *(chat_chunk(f" word{n}") for n in range(60)))
    with WireServer() as server:
        # round two sends its text, then nothing more (held open) until the test is done with it
        server.add(Reply(body=tool_round()), Reply(body=answer, stall=30, stall_at=len(answer)))
        provider = get_provider(
            "openai", base_url=server.url + "/v1", api_key="sk-test", model="test-model", max_retries=0
        )
        app = make_app(provider, tools=[calculator])
        async with app.run_test(size=(140, 40)) as pilot:
            await send(pilot, app, "what is 6 * 7?")
            await wait_for(pilot, lambda: "word59" in app.chat.transcript.answers[-1].text, what="round two's text")
            await wait_for(
                pilot,
                lambda: (app.chat.stats_view.output_tokens or 0) > 9 and app.chat.stats_view.input_tokens == 20,
                what="the shown output count to rise above round one's 9",
            )
            assert "out ~" in format_stats(app.chat.stats_view)
            await pilot.press("escape")
            await wait_finished(pilot, app)
            assert app.chat.stats_view.state is StreamState.CANCELLED
        assert len(server.requests) == 2 and server.requests[1].json["messages"][-1]["role"] == "tool"
