"""Hosted tools and citations: every body in `hosted_streams/` through the real provider code over a
real HTTP response equals its expected.json; the event order a UI relies on; `rill -p --json` shows
`server_tools` and `citations`; and the bodies match the official SDK's types."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.stream.corpus import Case, load_cases, run_case
from tests.stream.wire_server import Reply, WireServer
from tui.stream.events import StreamEventType

ROOT = Path(__file__).parent / "hosted_streams"
CASES = load_cases(ROOT)
IDS = [case.name for case in CASES]
_E = StreamEventType


def without_durations(result: dict[str, Any]) -> dict[str, Any]:
    return {
        **result,
        "server_tools": [{k: v for k, v in s.items() if k != "duration_ms"} for s in result["server_tools"]],
    }


def test_corpus_has_every_kind():
    assert len(CASES) == 8
    names = {tool["name"] for case in CASES for tool in case.expected["server_tools"]}
    assert names == {"web_search", "file_search", "code_interpreter"}
    statuses = {tool["status"] for case in CASES for tool in case.expected["server_tools"]}
    assert statuses == {"done", "failed", "incomplete"}
    kinds = {c["type"] for case in CASES for c in case.expected["citations"]}
    assert kinds == {"url_citation", "file_citation", "web_search_result_location"}


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_one_read(case: Case):
    run, events = await run_case(case, [case.body])
    assert without_durations(run.snapshot.to_dict()) == case.compared()
    assert [e.type for e in events].count(_E.END) == 1


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_one_byte_reads(case: Case):
    run, _ = await run_case(case, [case.body[i : i + 1] for i in range(len(case.body))])
    assert without_durations(run.snapshot.to_dict()) == case.compared()


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_each_call_starts_then_progresses_then_ends(case: Case):
    """A pane can show a row at START, update it, and close it at DONE: never the other way round."""
    _, events = await run_case(case, [case.body])
    seen: dict[str, list[StreamEventType]] = {}
    for event in events:
        if event.type in (_E.HOSTED_TOOL_START, _E.HOSTED_TOOL_PROGRESS, _E.HOSTED_TOOL_DONE):
            seen.setdefault(event.meta("id"), []).append(event.type)
    assert seen, "every body has a hosted call"
    for kinds in seen.values():
        assert kinds[0] is _E.HOSTED_TOOL_START and kinds.count(_E.HOSTED_TOOL_START) == 1
        if _E.HOSTED_TOOL_DONE in kinds:
            assert _E.HOSTED_TOOL_PROGRESS not in kinds[kinds.index(_E.HOSTED_TOOL_DONE) :]


async def test_durations_are_measured():
    case = next(c for c in CASES if c.name == "anth_web_search_citations")
    run, _ = await run_case(case, [case.body])
    (call,) = run.snapshot.server_tools
    assert call.duration_ms is not None and call.duration_ms >= 0
    cut = next(c for c in CASES if c.name == "tr_anth_cut_mid_search")
    run, _ = await run_case(cut, [cut.body])
    assert run.snapshot.server_tools[0].status == "incomplete" and run.snapshot.server_tools[0].duration_ms is not None


async def test_a_search_cut_off_is_an_interrupted_answer_not_a_failed_one():
    """The answer had begun (a search ran): the run ends interrupted, so the app keeps it and offers continue."""
    case = next(c for c in CASES if c.name == "tr_oai_resp_cut_mid_search")
    run, _ = await run_case(case, [case.body])
    assert run.snapshot.has_content and not run.snapshot.complete


@pytest.mark.parametrize("name", ["oai_resp_web_search_citations", "anth_web_search_citations"])
def test_print_mode_json(name: str):
    case = next(c for c in CASES if c.name == name)
    with WireServer() as server:
        server.add(Reply(body=case.body, content_type=case.content_type))
        base = server.url + ("/v1" if case.protocol.startswith("openai") else "")
        proc = subprocess.run(
            [sys.executable, "-m", "tui", "-p", "hi", "--json", "--no-history", "--provider", case.provider]
            + ["--base-url", base],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert without_durations(result) == case.compared()
    assert all(isinstance(tool["duration_ms"], float) for tool in result["server_tools"])


def _frames(body: bytes):
    blocks = body.decode().split("\n\n")
    for number, block in enumerate(blocks):
        lines = block.split("\n")
        kind = [line[7:] for line in lines if line.startswith("event: ")]
        data = [line[6:] for line in lines if line.startswith("data: ")]
        if kind and data and kind[0] != "ping":
            try:
                yield kind[0], json.loads("\n".join(data))
            except ValueError:
                assert number == len(blocks) - 1, "only a cut-off body's last event may be partial"


def _unknown_fields(sent: Any, kept: Any, path: str = "") -> list[str]:
    if isinstance(sent, dict):
        return [
            found
            for key, value in sent.items()
            for found in ([path + key] if key not in kept else _unknown_fields(value, kept[key], path + key + "."))
        ]
    if isinstance(sent, list):
        return [found for a, b in zip(sent, kept, strict=False) for found in _unknown_fields(a, b, path)]
    return []


@pytest.mark.parametrize("case", [c for c in CASES if c.protocol == "openai-responses"], ids=lambda c: c.name)
def test_openai_bodies_match_the_sdk_types(case: Case):
    """Faithful to the API reference: each event is a valid ResponseStreamEvent of the official SDK,
    of the type its `event:` line names, with no field the SDK does not know."""
    pytest.importorskip("openai")
    from openai.types.responses import ResponseStreamEvent
    from pydantic import TypeAdapter

    adapter = TypeAdapter(ResponseStreamEvent)
    count = 0
    for kind, data in _frames(case.body):
        event = adapter.validate_python(data)
        assert event.type == kind
        assert _unknown_fields(data, json.loads(event.model_dump_json(exclude_unset=True))) == []
        count += 1
    assert count >= 5
