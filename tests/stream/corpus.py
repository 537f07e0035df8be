"""The wire-format corpus and ways to replay it.

The corpus lives in `tests/stream/streams/`: a byte-exact copy of the project's shared corpus
(`/work/shared/streams`, README.md there has the rules), so a fresh clone can run the tests.
`RILL_STREAMS=/path` points the tests at another copy.

`replay_transport(body, reads)` is an httpx transport whose response body arrives in exactly the given
network reads, so a provider runs its real HTTP code path on the corpus bytes without a socket.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

STREAMS = Path(os.environ.get("RILL_STREAMS") or Path(__file__).parent / "streams")

PROVIDER_FOR = {
    "openai-chat": "openai",
    "openai-responses": "openai-responses",
    "anthropic": "anthropic",
    "ollama": "ollama",
}
PATH_FOR = {
    "openai-chat": "/v1/chat/completions",
    "openai-responses": "/v1/responses",
    "anthropic": "/v1/messages",
    "ollama": "/api/chat",
}


@dataclass(frozen=True)
class Case:
    name: str
    protocol: str
    chunks: list[int] | None
    body: bytes
    expected: dict[str, Any]

    @property
    def provider(self) -> str:
        return PROVIDER_FOR[self.protocol]

    @property
    def content_type(self) -> str:
        return "application/x-ndjson" if self.protocol == "ollama" else "text/event-stream"

    def compared(self) -> dict[str, Any]:
        """expected.json minus what is not part of the comparison."""
        compared = {k: v for k, v in self.expected.items() if k not in ("protocol", "chunks", "extra")}
        return {"server_tools": [], "citations": [], **compared}  # a body without hosted tools has none

    def manifest_reads(self) -> list[bytes]:
        return split(self.body, self.chunks or [])


def split(body: bytes, offsets: Iterable[int]) -> list[bytes]:
    points = [0, *offsets, len(body)]
    return [body[a:b] for a, b in zip(points, points[1:], strict=False)]


def load_cases(root: Path = STREAMS) -> list[Case]:
    manifest = json.loads((root / "manifest.json").read_text())
    cases = []
    for entry in manifest:
        file = entry["file"]
        stem = file.rsplit(".", 1)[0]
        cases.append(
            Case(
                stem,
                entry["protocol"],
                entry["chunks"],
                (root / file).read_bytes(),
                json.loads((root / f"{stem}.expected.json").read_text()),
            )
        )
    return cases


class ReadsStream(httpx.AsyncByteStream):
    def __init__(self, reads: list[bytes]) -> None:
        self.reads = reads

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for read in self.reads:
            yield read


def replay_transport(
    reads: list[bytes], *, content_type: str = "text/event-stream", seen: list[httpx.Request] | None = None
) -> httpx.MockTransport:
    """Every request gets a 200 whose body arrives in exactly `reads` (a fresh copy each time)."""

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(200, headers={"content-type": content_type}, stream=ReadsStream(list(reads)))

    return httpx.MockTransport(handler)


async def run_case(case: Case, reads: list[bytes]) -> tuple[Any, list[Any]]:
    """The case's body through its real provider (HTTP code path included), in `reads`: (run, events)."""
    from tui.stream import ChatRequest, Message, StreamRun, get_provider

    provider = get_provider(
        case.provider,
        base_url="http://corpus.test",
        api_key="k",
        transport=replay_transport(reads, content_type=case.content_type),
        max_retries=0,
    )
    run = StreamRun.from_provider(provider, ChatRequest(messages=[Message("user", "hi")]))
    events = [event async for event in run]
    await provider.aclose()
    return run, events
