"""Markdown and JSON export of a conversation."""

from __future__ import annotations

import json

import pytest

from tui.history import HistoryError
from tui.stream.messages import ToolCall


@pytest.fixture
def conversation(store):
    conv = store.create_conversation(provider="scripted", model="demo", system="Be brief.", title="Time check")
    q = store.add_message(conv.id, "user", "What time is it?")
    store.add_message(
        conv.id,
        "assistant",
        "Let me check.",
        thinking="Use the clock.",
        tool_calls=[ToolCall("c1", "time", {"tz": "UTC"})],
        model="demo",
    )
    store.add_message(conv.id, "tool", "12:00", tool_call_id="c1", name="time")
    store.add_message(conv.id, "assistant", "It is noon. ```inline```", status="cancelled")
    store.add_message(conv.id, "assistant", "An abandoned branch.", parent_id=q.id)
    store.set_current_leaf(conv.id, 4)
    return conv


def test_markdown(store, conversation):
    md = store.export_markdown(conversation.id)
    assert md.startswith("# Time check\n")
    assert "scripted/demo" in md and "> Be brief." in md
    assert "## User\n\nWhat time is it?" in md
    assert "## Assistant (demo)" in md
    assert "> **Thinking**\n>\n> Use the clock." in md
    assert '**Tool call** `time`\n\n```json\n{\n  "tz": "UTC"\n}\n```' in md
    assert "**Tool result** `time`\n\n```\n12:00\n```" in md
    assert "_(answer cancelled)_" in md
    assert "abandoned" not in md  # only the current branch


def test_json_has_every_branch_and_the_current_thread(store, conversation):
    data = store.export_json(conversation.id)
    json.dumps(data)  # serialisable as is
    assert data["format"] == "rill.conversation/1"
    assert data["conversation"]["title"] == "Time check"
    assert data["thread"] == [1, 2, 3, 4]
    assert [m["id"] for m in data["messages"]] == [1, 2, 3, 4, 5]
    call = data["messages"][1]["parts"][-1]
    assert (call["kind"], call["tool_name"], call["arguments"]) == ("tool_call", "time", {"tz": "UTC"})
    assert data["messages"][1]["thinking"] == "Use the clock."
    assert data["messages"][3]["status"] == "cancelled"


def test_code_fences_survive_backticks_in_results(store):
    conv = store.create_conversation()
    store.add_message(conv.id, "tool", "```py\nx\n```", tool_call_id="c", name="run")
    md = store.export_markdown(conv.id)
    assert "````\n```py\nx\n```\n````" in md


def test_missing_conversation(store):
    with pytest.raises(HistoryError, match="no conversation"):
        store.export_markdown(42)
