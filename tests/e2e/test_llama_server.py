"""End to end against a server no one here wrote: llama-cpp-python's OpenAI-compatible `llama_cpp.server`
running SmolLM2-135M on 127.0.0.1, spoken to by rill's `openai` provider and by `rill -p --json`.

The server is started once for the module and always stopped (terminate, then kill). It runs with
`interrupt_requests` off, so it serves one answer at a time: a cancelled answer that kept generating
would hold up the next request, which makes "the server stopped" observable.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tui.stream import ChatRequest, Message, StreamController, StreamRun, StreamState
from tui.stream.events import StreamEventType
from tui.stream.providers import get_provider
from tui.stream.providers.local_model import packaged_model_path

LAUNCHER = Path(__file__).with_name("llama_server_launcher.py")
MODEL_ALIAS = "SmolLM2-135M-Instruct"
STARTUP_TIMEOUT = 60.0
DISCONNECTED = "Disconnected from client"


@dataclass
class Server:
    base_url: str
    model: str
    log: Path
    process: subprocess.Popen

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(process: subprocess.Popen, url: str, log: Path) -> str:
    """Poll /v1/models until it answers; returns the model id the server reports."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"llama_cpp.server exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            response = httpx.get(f"{url}/models", timeout=2)
            if response.status_code == 200:
                return response.json()["data"][0]["id"]
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"llama_cpp.server did not answer within {STARTUP_TIMEOUT}s:\n{log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        sys.executable,
        str(LAUNCHER),
        "--model",
        str(packaged_model_path()),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        "--interrupt_requests",
        "False",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # the server's "disconnected" lines must reach the log now
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        base_url = f"http://127.0.0.1:{port}/v1"
        model = wait_until_serving(process, base_url, log)
        yield Server(base_url=base_url, model=model, log=log, process=process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def openai(server: Server):
    return get_provider("openai", base_url=server.base_url, model=server.model, max_retries=0, read_timeout=30)


async def test_openai_provider_streams_a_real_answer(server):
    assert server.model == MODEL_ALIAS
    provider = openai(server)
    try:
        run = StreamRun.from_provider(
            provider,
            ChatRequest(
                [Message("user", "What is the capital of France? Answer in one sentence.")],
                max_tokens=48,
                temperature=0,
            ),
        )
        deltas = [event async for event in run if event.type is StreamEventType.DELTA]
    finally:
        await provider.aclose()
    snap, stats = run.snapshot, run.stats
    assert snap.text.strip() and len(deltas) > 1, "the answer did not stream"
    assert snap.complete and snap.error is None and run.state is StreamState.COMPLETED
    assert snap.stop_reason in ("stop", "length")
    assert snap.model == MODEL_ALIAS
    assert stats.first_token_ms is not None and 0 < stats.first_token_ms < stats.total_duration_ms
    assert stats.tokens_per_second and stats.tokens_per_second > 0
    assert stats.total_tokens > 0
    if snap.usage is None:
        # llama_cpp.server does not send usage in streaming mode (stream_options.include_usage is
        # ignored): the token count is StreamStats' estimate, and says so
        assert stats.tokens_estimated
    else:
        assert snap.usage["output_tokens"] > 0 and not stats.tokens_estimated
    print(
        f"\nllama_cpp.server via rill: TTFT {stats.first_token_ms:.0f} ms, "
        f"{stats.tokens_per_second:.1f} tokens/s, {stats.total_tokens} tokens"
    )


async def test_cancel_mid_answer_stops_the_server(server):
    provider = openai(server)
    controller = StreamController()
    max_tokens = 1500
    run = StreamRun.from_provider(
        provider,
        ChatRequest(
            [Message("user", "Write a very long story about a river, chapter by chapter.")],
            max_tokens=max_tokens,
            temperature=0,
        ),
        controller=controller,
    )
    disconnects_before = server.log_text().count(DISCONNECTED)
    deltas = 0
    try:
        async for event in run:
            if event.type is StreamEventType.DELTA:
                deltas += 1
                if deltas == 12:
                    controller.cancel()
        assert run.state is StreamState.CANCELLED
        text_at_cancel = run.snapshot.text
        assert text_at_cancel and not run.snapshot.complete  # the partial answer is kept
        rate = run.stats.tokens_per_second or 1.0
        # the server notices the closed connection and stops generating
        deadline = time.monotonic() + 10
        while server.log_text().count(DISCONNECTED) <= disconnects_before:
            assert time.monotonic() < deadline, "the server never saw the client go away"
            await asyncio.sleep(0.05)
        # it serves one answer at a time, so a quick next answer means the long one is not running
        started = time.monotonic()
        follow = StreamRun.from_provider(
            provider, ChatRequest([Message("user", "Say yes.")], max_tokens=4, temperature=0)
        )
        await follow.run()
        waited = time.monotonic() - started
    finally:
        await provider.aclose()
    assert follow.snapshot.complete and follow.snapshot.text
    remaining = (max_tokens - deltas) / rate
    assert waited < remaining / 2, f"the next answer waited {waited:.1f}s: the cancelled one kept generating"
    assert run.snapshot.text == text_at_cancel  # nothing arrived on the cancelled response


def test_print_mode_json_against_the_server(server, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tui",
            "-p",
            "Name a colour.",
            "--json",
            "--provider",
            "openai",
            "--base-url",
            server.base_url,
            "--model",
            server.model,
            "--max-tokens",
            "24",
            "--db",
            str(tmp_path / "rill.db"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["complete"] is True and answer["text"].strip()
    assert answer["error"] is None
