"""Hosted calls and citations in history (schema v4): saved while the answer streams, read back with
the thread, exported, and left out of the next request so the conversation stays sendable."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.stream.corpus import Case, load_cases, replay_transport
from tui.history import AnswerRecorder, HistoryStore
from tui.history.schema import LATEST
from tui.stream import ChatRequest, Message, StreamRun, consume, get_provider
from tui.stream.providers.anthropic import anthropic_messages

CASES = {case.name: case for case in load_cases(Path(__file__).parents[1] / "stream" / "hosted_streams")}


async def record(store: HistoryStore, case: Case, prompt: str = "eclipse?") -> tuple[int, AnswerRecorder, StreamRun]:
    conversation = store.create_conversation(title="hosted")
    user = store.add_message(conversation.id, "user", prompt)
    provider = get_provider(
        case.provider,
        base_url="http://corpus.test",
        api_key="k",
        transport=replay_transport([case.body]),
        max_retries=0,
    )
    run = StreamRun.from_provider(provider, ChatRequest(messages=[Message("user", prompt)]))
    recorder = AnswerRecorder(store, conversation.id, user.id, provider=case.provider)
    await consume(run, [recorder])
    await provider.aclose()
    return conversation.id, recorder, run


def test_schema_has_the_tables(store, db_path):
    with sqlite3.connect(db_path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = conn.execute("SELECT max(version) FROM migrations").fetchone()[0]
    assert {"server_tools", "citations"} <= tables and version == LATEST >= 4


@pytest.mark.parametrize("name", sorted(CASES))
async def test_what_streamed_is_what_is_read_back(store, name: str):
    cid, recorder, run = await record(store, CASES[name])
    assert recorder.error is None
    (answer,) = [m for m in store.thread(cid) if m.role == "assistant"]
    assert [call.to_dict() for call in answer.server_tools] == [call.to_dict() for call in run.snapshot.server_tools]
    assert [c.to_dict() for c in answer.citations] == [c.to_dict() for c in run.snapshot.citations]
    expected_status = "complete" if CASES[name].expected["complete"] else "interrupted"
    assert answer.status == expected_status


async def test_a_search_cut_off_before_any_text_is_kept(store):
    cid, _, _ = await record(store, CASES["tr_oai_resp_cut_mid_search"])
    (answer,) = [m for m in store.thread(cid) if m.role == "assistant"]
    assert answer.text == "" and answer.status == "interrupted"
    assert [(c.name, c.status) for c in answer.server_tools] == [("web_search", "incomplete")]


async def test_plain_tables_a_person_can_query(store, db_path):
    await record(store, CASES["anth_web_search_citations"])
    with sqlite3.connect(db_path) as conn:
        calls = conn.execute("SELECT name, status, query, result_count FROM server_tools").fetchall()
        cited = conn.execute("SELECT number, url FROM citations ORDER BY position").fetchall()
    assert calls == [("web_search", "done", "next total solar eclipse 2026 date", 3)]
    assert [number for number, _ in cited] == [1, 2, 1]


async def test_exports_list_calls_and_numbered_sources(store):
    cid, _, _ = await record(store, CASES["anth_web_search_citations"])
    markdown = store.export_markdown(cid)
    assert "**Hosted tool** `web_search` · 3 results: `next total solar eclipse 2026 date`" in markdown
    assert (
        "**Sources**\n\n1. [Solar eclipse of August 12, 2026 - Wikipedia]"
        "(https://en.wikipedia.org/wiki/Solar_eclipse_of_August_12,_2026)\n"
        "2. [Total solar eclipse 2026 in Spain: where and when | Example Astronomy]"
        "(https://www.example.com/eclipse-2026-spain)\n"
    ) in markdown
    data = store.export_json(cid)
    (answer,) = [m for m in data["messages"] if m["role"] == "assistant"]
    assert [call["status"] for call in answer["server_tools"]] == ["done"]
    assert [c["number"] for c in answer["citations"]] == [1, 2, 1]


async def test_a_failed_search_exports_its_error(store):
    cid, _, _ = await record(store, CASES["anth_web_search_error"])
    assert "**Hosted tool** `web_search` · failed: max_uses_exceeded" in store.export_markdown(cid)


@pytest.mark.parametrize(
    "name", ["anth_web_search_citations", "tr_anth_cut_mid_search", "oai_resp_web_search_citations"]
)
async def test_the_next_request_is_valid_for_the_api(store, name: str):
    """Only the answer's text goes back: no server_tool_use block without its result, no hosted item the
    server would have to find again, and turns that alternate (an answer that said nothing is left out)."""
    case = CASES[name]
    cid, _, _ = await record(store, case)
    context = [*store.to_chat_messages(cid), Message("user", "and the one after?")]
    seen: list = []
    done = CASES["anth_web_search_error" if case.protocol == "anthropic" else "oai_resp_web_search_failed"]
    provider = get_provider(
        case.provider,
        base_url="http://corpus.test",
        api_key="k",
        transport=replay_transport([done.body], seen=seen),
        max_retries=0,
        hosted_tools=["web_search"],
    )
    await StreamRun.from_provider(provider, ChatRequest(messages=context)).run()
    await provider.aclose()
    body = json.loads(seen[0].content)
    if case.protocol == "anthropic":
        roles = [turn["role"] for turn in body["messages"]]
        assert roles[0] == "user" and all(a != b for a, b in zip(roles, roles[1:], strict=False))
        blocks = [block for turn in body["messages"] for block in turn["content"]]
        assert {block["type"] for block in blocks} == {"text"} and all(block["text"] for block in blocks)
    else:
        assert [item.get("type", "message") for item in body["input"]] == ["message"] * len(body["input"])
        assert all(item["content"] for item in body["input"])
    assert body["tools"][-1]["type"].startswith("web_search")


async def test_an_answer_that_said_nothing_leaves_turns_that_alternate(store):
    """Cut off mid-search before any text: the answer is kept in history but not sent; the two prompts
    around it become one user turn for Anthropic, whose turns must alternate."""
    cid, _, _ = await record(store, CASES["tr_oai_resp_cut_mid_search"])
    context = [*store.to_chat_messages(cid), Message("user", "try again")]
    assert [m.role for m in context] == ["user", "user"]
    turns = anthropic_messages(ChatRequest(messages=context))
    assert [turn["role"] for turn in turns] == ["user"]
    assert [block["text"] for block in turns[0]["content"]] == ["eclipse?", "try again"]


def test_a_file_written_before_hosted_tools_is_upgraded(tmp_path):
    """A file at the version before this one (attachments, no hosted tables) opens, gains the two
    tables, and its answers read back with no hosted calls."""
    import sqlite_utils

    from tui.history.schema import MIGRATIONS, migrate

    path = tmp_path / "before.db"
    db = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    before = [name for name, _ in MIGRATIONS].index("hosted tools and citations")
    migrate(db, str(path), upto=before)
    db.execute("INSERT INTO conversations(id, title, created, updated) VALUES (1, 'old', 't', 't')")
    db.execute(
        "INSERT INTO messages(id, conversation_id, role, status, created, updated) "
        "VALUES (1, 1, 'assistant', 'complete', 't', 't')"
    )
    db.conn.close()
    with HistoryStore(path) as store:
        (answer,) = store.thread(1, 1)
        assert answer.server_tools == [] and answer.citations == []
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"server_tools", "citations"} <= tables
