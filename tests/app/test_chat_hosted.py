"""Hosted calls as rows of the tool pane and citations as numbered references under the answer:
while the answer streams, after it, and when the conversation is opened again from history."""

from __future__ import annotations

from pathlib import Path

from tests.app.chat_helpers import make_app, send, wait_finished, wait_for
from tests.stream.corpus import load_cases
from tests.stream.wire_server import Reply, WireServer
from tui.history import HistoryStore
from tui.stream import get_provider
from tui.stream.providers.scripted import ScriptedProvider

CASES = {case.name: case for case in load_cases(Path(__file__).parents[1] / "stream" / "hosted_streams")}
ANSWER = "Textual draws the screen; SSE carries the stream."
SOURCES = [
    "[1] Textual documentation — https://textual.textualize.io/",
    "[2] Server-sent events — HTML Standard — https://html.spec.whatwg.org/multipage/server-sent-events.html",
    "[3] design.md",
]


def hosted_app(store=None, **kwargs):
    provider = ScriptedProvider(
        rate=0, thinking=None, text=ANSWER, hosted_tools=["web_search", "file_search", "code_interpreter"]
    )
    return make_app(provider, store=store, tools=[], **kwargs)


def shown(app) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    """The pane's rows (name, status, result, arguments) and the answer's reference lines."""
    rows = [(r.name, r.status, r.result or "", r.arguments) for r in app.chat.tools.rows.values()]
    answer = app.chat.transcript.answers[-1]
    return rows, [f"[{c.number}] {c.label}" for c in answer.references]


ROWS = [
    ("web_search", "done", "3 results", "what is new"),
    ("file_search", "done", "1 result", "what is new"),
    ("code_interpreter", "done", "1 result", "print(sum(range(10)))"),
]


async def test_rows_and_references_streamed_then_reopened(tmp_path):
    store = HistoryStore(tmp_path / "h.db")
    app = hosted_app(store)
    async with app.run_test(size=(160, 50)) as pilot:
        await send(pilot, app, "what is new")
        await wait_finished(pilot, app)
        rows, references = shown(app)
        assert rows == ROWS and references == SOURCES
        transcript = app.chat.transcript.visible_text()
        assert "Sources" in transcript and SOURCES[0] in transcript
        assert transcript.index(ANSWER) < transcript.index(SOURCES[0])  # under the answer
        cid = app.chat.cid
    reopened = make_app(ScriptedProvider(rate=0), store=store, cid=cid, tools=[])
    async with reopened.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: reopened.chat.transcript.answers, what="the transcript")
        await pilot.pause()
        assert shown(reopened) == (ROWS, SOURCES)
        assert SOURCES[1] in reopened.chat.transcript.visible_text()
        # the conversation goes on: the next request is sent and answered
        await send(pilot, reopened, "and then?")
        await wait_finished(pilot, reopened)
        assert reopened.chat.transcript.answers[-1].status == ""
    store.close()


async def test_references_show_while_the_answer_streams():
    provider = ScriptedProvider(rate=40, thinking=None, text=ANSWER * 4, hosted_tools=["web_search"])
    app = make_app(provider, tools=[])
    async with app.run_test(size=(160, 50)) as pilot:
        await send(pilot, app, "what is new")
        answer = None

        def cited_while_streaming() -> bool:
            nonlocal answer
            answers = app.chat.transcript.answers
            answer = answers[-1] if answers else None
            return answer is not None and answer.streaming and bool(answer.references)

        await wait_for(pilot, cited_while_streaming, what="references before the end")
        assert [c.number for c in answer.references] == [1, 2]
        await pilot.press("escape")
        await wait_finished(pilot, app)


async def test_a_failed_and_a_cut_off_search_against_a_wire_server():
    failed, cut = CASES["anth_web_search_error"], CASES["tr_anth_cut_mid_search"]
    with WireServer() as server:
        server.add(Reply(body=failed.body, content_type=failed.content_type))
        server.add(Reply(body=cut.body, content_type=cut.content_type))
        provider = get_provider("anthropic", base_url=server.url, max_retries=0, hosted_tools=["web_search"])
        app = make_app(provider, tools=[])
        async with app.run_test(size=(160, 50)) as pilot:
            await send(pilot, app, "weather?")
            await wait_finished(pilot, app)
            rows, references = shown(app)
            assert rows == [("web_search", "failed", "failed: max_uses_exceeded", "Lisbon weather tomorrow")]
            assert references == [] and "Sources" not in app.chat.transcript.visible_text()
            await send(pilot, app, "rust?")
            await wait_finished(pilot, app)
            rows, _ = shown(app)
            assert rows == [("web_search", "aborted", "incomplete", "rust 1.85 release date")]
            assert "interrupted" in app.chat.transcript.answers[-1].status
        second = server.requests[1].json
    assert second["tools"] == [{"type": "web_search_20250305", "name": "web_search"}]
    assert [turn["role"] for turn in second["messages"]] == ["user", "assistant", "user"]
