"""Every corpus body through the real provider code over a real HTTP response equals its expected.json.

(a) httpx with a transport that delivers the manifest's reads (or one read, and one byte per read);
(b) a real local server for a few bodies of each protocol; and `rill -p --json` as a subprocess
against the local server for one body per protocol.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.stream.corpus import PATH_FOR, Case, load_cases, run_case
from tests.stream.wire_server import Reply, WireServer
from tui.stream import ChatRequest, Message, StreamRun, get_provider
from tui.stream.events import StreamEventType

CASES = load_cases()
IDS = [case.name for case in CASES]


def request() -> ChatRequest:
    return ChatRequest(messages=[Message("user", "hi")])


def test_corpus_is_complete():
    assert len(CASES) == 32


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_manifest_reads(case: Case):
    run, events = await run_case(case, case.manifest_reads())
    assert run.snapshot.to_dict() == case.compared()
    assert events[0].type is StreamEventType.START
    assert events[-1].type is StreamEventType.END
    assert [e.type for e in events].count(StreamEventType.END) == 1


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.chunks is None], ids=[c.name for c in CASES if c.chunks is None]
)
async def test_one_byte_reads(case: Case):
    run, _ = await run_case(case, [case.body[i : i + 1] for i in range(len(case.body))])
    assert run.snapshot.to_dict() == case.compared()


async def test_refusal_is_metadata_not_text():
    case = next(c for c in CASES if c.name == "oai_chat_refusal")
    run, events = await run_case(case, [case.body])
    assert run.snapshot.text == ""
    assert run.snapshot.refusal == case.expected["extra"]["refusal"]


async def test_errors_carry_the_exception():
    case = next(c for c in CASES if c.name == "oai_chat_error_midstream")
    run, events = await run_case(case, [case.body])
    (error,) = [e for e in events if e.type is StreamEventType.ERROR]
    assert error.meta("type") == "server_error"
    assert error.meta("error").error_type == "server_error"
    assert "server had an error" in error.meta("error").message


LOCAL = [
    "oai_chat_parallel_tool_calls",
    "tr_oai_chat_crlf_keepalive",
    "oai_resp_reasoning_summary_function_call",
    "tr_anth_crlf_unknown_event",
    "anth_max_tokens_partial_tool_json",
    "ollama_chat_thinking",
    "tr_anth_truncated",
]


@pytest.mark.parametrize("name", LOCAL)
async def test_local_server(name: str):
    case = next(c for c in CASES if c.name == name)
    with WireServer() as server:
        server.add(Reply(body=case.body, chunks=case.chunks, content_type=case.content_type))
        base = server.url + ("/v1" if case.protocol.startswith("openai") else "")
        provider = get_provider(case.provider, base_url=base, max_retries=0)
        run = StreamRun.from_provider(provider, request())
        await run.run()
        await provider.aclose()
    assert run.snapshot.to_dict() == case.compared()
    assert server.requests[0].path == PATH_FOR[case.protocol]


CLI = [
    "oai_chat_deepseek_reasoning_tool",
    "oai_resp_incomplete",
    "anth_thinking_signature",
    "ollama_chat_text",
    "tr_oai_chat_truncated",
]


@pytest.mark.parametrize("name", CLI)
def test_print_mode_json(name: str):
    case = next(c for c in CASES if c.name == name)
    with WireServer() as server:
        server.add(Reply(body=case.body, chunks=case.chunks, content_type=case.content_type))
        base = server.url + ("/v1" if case.protocol.startswith("openai") else "")
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "tui",
                "-p",
                "hi",
                "--json",
                "--no-history",
                "--provider",
                case.provider,
                "--base-url",
                base,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert json.loads(proc.stdout) == case.compared()
    assert proc.returncode == (0 if case.expected["complete"] else 1)
    assert "Traceback" not in proc.stderr
