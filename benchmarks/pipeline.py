"""Throughput of the wire pipeline: rill's providers + accumulator vs the official SDKs' stream helpers.

One run builds two 50,000-event text-delta bodies (OpenAI Chat Completions and Anthropic Messages)
and feeds the *same bytes*, in the same 16 KiB network reads, through an in-memory HTTP transport to:

  rill (provider + MessageSnapshot)  - the provider's `stream()` folded by the accumulator directly;
  rill (StreamRun)                    - the full pipeline every consumer uses (buffer, pause/cancel
                                        checks, snapshot, stats);
  openai SDK   `client.chat.completions.stream(...)`  (the accumulating ChatCompletionStream helper);
  anthropic SDK `client.messages.stream(...)`        (the accumulating MessageStream helper).

Each figure is input events per second (rill: the best of REPEAT runs; SDKs: one run; all after a
small warm-up), and every path
must assemble the same answer text. Run: `/work/venv/bin/python benchmarks/pipeline.py`.
Needs the `bench` extra (openai, anthropic) for the SDK columns.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from tui.stream import ChatRequest, Message, MessageSnapshot, StreamRun, get_provider  # noqa: E402

EVENTS = 50_000
READ = 16 * 1024
REPEAT = 3
WORDS = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".", " Über", " naïve", " 🦊"]


# -- bodies ---------------------------------------------------------------------------------------
def openai_body(n: int = EVENTS) -> tuple[bytes, str]:
    def chunk(delta: dict, finish: str | None = None) -> bytes:
        return (
            b"data: "
            + json.dumps(
                {
                    "id": "chatcmpl-bench",
                    "object": "chat.completion.chunk",
                    "created": 1727346168,
                    "model": "gpt-4o-2024-08-06",
                    "system_fingerprint": "fp_5050236cbd",
                    "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
                },
                separators=(",", ":"),
            ).encode()
            + b"\n\n"
        )

    parts = [chunk({"role": "assistant", "content": "", "refusal": None})]
    text = []
    for i in range(n):
        word = WORDS[i % len(WORDS)]
        text.append(word)
        parts.append(chunk({"content": word}))
    parts.append(chunk({}, "stop"))
    parts.append(
        b'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1727346168,'
        b'"model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":'
        + str(n).encode()
        + b',"total_tokens":'
        + str(n + 12).encode()
        + b"}}\n\n"
    )
    parts.append(b"data: [DONE]\n\n")
    return b"".join(parts), "".join(text)


def anthropic_body(n: int = EVENTS) -> tuple[bytes, str]:
    def event(name: str, data: dict) -> bytes:
        return b"event: " + name.encode() + b"\ndata: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"

    parts = [
        event(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_bench",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "model": "claude-sonnet-4-5",
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 12, "output_tokens": 1},
                },
            },
        ),
        event(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ),
    ]
    text = []
    for i in range(n):
        word = WORDS[i % len(WORDS)]
        text.append(word)
        parts.append(
            event(
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": word}},
            )
        )
    parts.append(event("content_block_stop", {"type": "content_block_stop", "index": 0}))
    parts.append(
        event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": n},
            },
        )
    )
    parts.append(event("message_stop", {"type": "message_stop"}))
    return b"".join(parts), "".join(text)


def reads(body: bytes) -> list[bytes]:
    return [body[i : i + READ] for i in range(0, len(body), READ)]


# -- rill --------------------------------------------------------------------------------------------
def rill_transport(chunks: list[bytes]) -> httpx.MockTransport:
    class Body(httpx.AsyncByteStream):
        async def __aiter__(self):
            for chunk in chunks:
                yield chunk

    return httpx.MockTransport(
        lambda request: httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Body())
    )


def rill_provider(name: str, chunks: list[bytes]):
    return get_provider(name, base_url="http://bench.test", api_key="bench", transport=rill_transport(chunks))


REQUEST = ChatRequest(messages=[Message("user", "bench")])


async def rill_direct(name: str, chunks: list[bytes]) -> str:
    provider = rill_provider(name, chunks)
    snapshot = MessageSnapshot()
    apply = snapshot.apply
    async for event in provider.stream(REQUEST):
        apply(event)
    await provider.aclose()
    assert snapshot.complete, snapshot.error
    return snapshot.text


async def rill_run(name: str, chunks: list[bytes]) -> str:
    provider = rill_provider(name, chunks)
    run = StreamRun.from_provider(provider, REQUEST)
    async for _ in run:
        pass
    await provider.aclose()
    assert run.snapshot.complete, run.snapshot.error
    return run.snapshot.text


# -- SDKs --------------------------------------------------------------------------------------------
def sdk_client(chunks: list[bytes]):
    import httpx2

    class Body(httpx2.AsyncByteStream):
        async def __aiter__(self):
            for chunk in chunks:
                yield chunk

    return httpx2.AsyncClient(
        transport=httpx2.MockTransport(
            lambda request: httpx2.Response(200, headers={"content-type": "text/event-stream"}, stream=Body())
        )
    )


async def openai_sdk(chunks: list[bytes]) -> str:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(
        api_key="bench", base_url="http://bench.test/v1", http_client=sdk_client(chunks), max_retries=0
    )
    messages = [{"role": "user", "content": "bench"}]
    async with client.chat.completions.stream(model="gpt-4o", messages=messages) as stream:
        async for _ in stream:
            pass
        final = await stream.get_final_completion()
    await client.close()
    return final.choices[0].message.content


async def anthropic_sdk(chunks: list[bytes]) -> str:
    from anthropic import AsyncAnthropic

    client = AsyncAnthropic(
        api_key="bench", base_url="http://bench.test", http_client=sdk_client(chunks), max_retries=0
    )
    async with client.messages.stream(
        model="claude-sonnet-4-5", max_tokens=64, messages=[{"role": "user", "content": "bench"}]
    ) as stream:
        async for _ in stream:
            pass
        final = await stream.get_final_message()
    await client.close()
    return "".join(block.text for block in final.content if block.type == "text")


# -- measuring ---------------------------------------------------------------------------------------
def measure(
    label: str,
    path: Callable[[list[bytes]], Awaitable[str]],
    chunks: list[bytes],
    warm: list[bytes],
    expected: str,
    repeat: int = REPEAT,
) -> float | None:
    """Events/s of `path` over `chunks`, after one warm-up over the small body `warm`."""
    make = lambda: path(chunks)  # noqa: E731
    try:
        asyncio.run(path(warm))  # warm-up: imports, caches, first-call costs
    except ImportError as exc:
        print(f"  {label:<38} skipped ({exc}; install the bench extra)")
        return None
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        text = asyncio.run(make())
        best = min(best, time.perf_counter() - start)
        assert text == expected, f"{label}: assembled a different answer"
    rate = EVENTS / best
    print(f"  {label:<38} {rate:>12,.0f} events/s   ({best * 1000:7.1f} ms for {EVENTS:,} events)")
    return rate


def main() -> None:
    print(f"rill wire pipeline benchmark: {EVENTS:,} text-delta events, {READ // 1024} KiB reads, best of {REPEAT}\n")
    body, text = openai_body()
    chunks, warm = reads(body), reads(openai_body(500)[0])
    print(f"OpenAI Chat Completions body: {len(body) / 1e6:.1f} MB")
    direct = measure("rill provider + MessageSnapshot", lambda c: rill_direct("openai", c), chunks, warm, text)
    run = measure("rill StreamRun (full pipeline)", lambda c: rill_run("openai", c), chunks, warm, text)
    # the SDK helpers take seconds per run: measured once (after the warm-up) to keep the run short
    sdk = measure("openai SDK chat.completions.stream()", openai_sdk, chunks, warm, text, repeat=1)
    if sdk:
        print(f"  ratio: provider+snapshot {direct / sdk:.1f}x, StreamRun {run / sdk:.1f}x the openai SDK helper")

    body, text = anthropic_body()
    chunks, warm = reads(body), reads(anthropic_body(500)[0])
    print(f"\nAnthropic Messages body: {len(body) / 1e6:.1f} MB")
    direct = measure("rill provider + MessageSnapshot", lambda c: rill_direct("anthropic", c), chunks, warm, text)
    run = measure("rill StreamRun (full pipeline)", lambda c: rill_run("anthropic", c), chunks, warm, text)
    sdk = measure("anthropic SDK messages.stream()", anthropic_sdk, chunks, warm, text, repeat=1)
    if sdk:
        print(f"  ratio: provider+snapshot {direct / sdk:.1f}x, StreamRun {run / sdk:.1f}x the anthropic SDK helper")
    print("\ntargets: >= 150,000 events/s through rill; >= 15x the openai SDK helper")


if __name__ == "__main__":
    main()
