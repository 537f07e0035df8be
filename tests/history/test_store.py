"""The store's public API: conversations, messages as a tree, listing, titles, threads."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from tui.history import ROOT, HistoryError, HistoryStore


def test_create_and_get_conversation(store):
    conv = store.create_conversation(provider="openai", model="gpt", system="be brief")
    again = store.get_conversation(conv.id)
    assert again == conv
    assert (again.provider, again.model, again.system, again.archived) == ("openai", "gpt", "be brief", False)
    assert store.get_conversation(str(conv.id)) == conv  # ids typed on a command line work
    assert store.get_conversation(99999) is None
    assert store.get_conversation("nope") is None


def test_first_prompt_names_the_conversation(store):
    conv = store.create_conversation()
    store.add_message(conv.id, "user", "How do I reverse a list in Python? I tried reversed() but")
    store.add_message(conv.id, "user", "another prompt")
    assert store.get_conversation(conv.id).title == "How do I reverse a list in Python?"


def test_thread_follows_parents_and_current_leaf(store):
    conv = store.create_conversation()
    q = store.add_message(conv.id, "user", "question")
    a1 = store.add_message(conv.id, "assistant", "first answer")
    assert a1.parent_id == q.id
    a2 = store.add_message(conv.id, "assistant", "regenerated answer", parent_id=q.id)
    assert [m.text for m in store.thread(conv.id)] == ["question", "regenerated answer"]
    assert [m.id for m in store.siblings(a1.id)] == [a1.id, a2.id]
    store.set_current_leaf(conv.id, a1.id)
    assert store.get_conversation(conv.id).current_leaf_id == a1.id
    assert [m.text for m in store.thread(conv.id)] == ["question", "first answer"]
    assert [m.text for m in store.thread(conv.id, a2.id)] == ["question", "regenerated answer"]


def test_root_sentinel_starts_a_new_branch(store):
    conv = store.create_conversation()
    store.add_message(conv.id, "user", "one")
    other = store.add_message(conv.id, "user", "edited one", parent_id=ROOT)
    assert other.parent_id is None
    assert [m.text for m in store.thread(conv.id)] == ["edited one"]


def test_set_current_leaf_descend_goes_to_newest_leaf(store):
    conv = store.create_conversation()
    q = store.add_message(conv.id, "user", "q")
    a = store.add_message(conv.id, "assistant", "a")
    follow = store.add_message(conv.id, "user", "follow up")
    store.add_message(conv.id, "assistant", "b", parent_id=q.id)
    store.set_current_leaf(conv.id, a.id, descend=True)
    assert store.get_conversation(conv.id).current_leaf_id == follow.id


def test_parent_from_another_conversation_is_refused(store):
    one, two = store.create_conversation(), store.create_conversation()
    m = store.add_message(one.id, "user", "hi")
    with pytest.raises(HistoryError, match="not in conversation"):
        store.add_message(two.id, "user", "x", parent_id=m.id)
    with pytest.raises(HistoryError, match="no conversation"):
        store.add_message(12345, "user", "x")


def test_assistant_text_is_split_into_parts(store):
    conv = store.create_conversation()
    text = "# Title\n\nA paragraph.\n\n```py\nx = 1\n\ny = 2\n```\n\n- a\n- b\n"
    msg = store.add_message(conv.id, "assistant", text)
    assert [p.kind for p in msg.parts] == ["text"] * 4
    assert msg.text == text
    assert store.text_parts(msg.id)[2].content == "```py\nx = 1\n\ny = 2\n```\n\n"


def test_list_conversations_newest_first_with_counts(store):
    ids = []
    for n in range(3):
        conv = store.create_conversation(title=f"c{n}")
        for _ in range(n):
            store.add_message(conv.id, "user", "hi")
        ids.append(conv.id)
    store.add_message(ids[0], "user", "bump the oldest")
    listed = store.list_conversations()
    assert [c.id for c in listed] == [ids[0], ids[2], ids[1]]
    assert [c.message_count for c in listed] == [1, 2, 1]
    assert [c.id for c in store.list_conversations(limit=1, offset=1)] == [ids[2]]
    assert store.latest_conversation().id == ids[0]


def test_rename_archive_delete(store):
    conv = store.create_conversation(title="old")
    store.add_message(conv.id, "user", "hello there")
    store.rename_conversation(conv.id, "new name")
    assert store.get_conversation(conv.id).title == "new name"
    store.set_archived(conv.id)
    assert store.list_conversations() == []
    store.delete_conversation(conv.id)
    assert store.get_conversation(conv.id) is None
    assert store.search("hello") == []
    with pytest.raises(HistoryError):
        store.delete_conversation(conv.id)


def test_to_chat_messages_rebuilds_tool_rounds(store):
    from tui.stream.messages import ToolCall

    conv = store.create_conversation()
    store.add_message(conv.id, "system", "sys")
    store.add_message(conv.id, "user", "what time is it")
    store.add_message(
        conv.id, "assistant", "Let me check.", tool_calls=[ToolCall(id="c1", name="time", arguments={"tz": "UTC"})]
    )
    store.add_message(conv.id, "tool", "12:00", tool_call_id="c1", name="time")
    msgs = store.to_chat_messages(conv.id)
    assert [m.role for m in msgs] == ["system", "user", "assistant", "tool"]
    assert msgs[2].tool_calls[0].arguments == {"tz": "UTC"}
    assert (msgs[3].tool_call_id, msgs[3].name, msgs[3].content) == ("c1", "time", "12:00")


def test_tables_are_plain_and_readable_by_any_sqlite_tool(store, db_path):
    conv = store.create_conversation(title="plain")
    store.add_message(conv.id, "user", "hi")
    conn = sqlite3.connect(db_path)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {
        "conversations",
        "messages",
        "parts",
        "part_revisions",
        "stats",
        "migrations",
        "messages_fts",
        "conversations_fts",
    } <= names
    assert conn.execute("SELECT title FROM conversations").fetchone() == ("plain",)
    assert conn.execute("SELECT text FROM messages_fts WHERE messages_fts MATCH 'hi'").fetchone() == ("hi",)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_reads_from_one_thread_while_another_writes(store):
    conv = store.create_conversation()
    errors: list[BaseException] = []
    done = threading.Event()

    def writer():
        try:
            for n in range(200):
                store.add_message(conv.id, "user", f"message {n}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    reads = 0
    while not done.is_set():
        store.list_conversations()
        store.thread(conv.id)
        reads += 1
    thread.join(10)
    assert errors == []
    assert reads > 0
    assert len(store.thread(conv.id)) == 200


def test_memory_database_works_across_threads():
    store = HistoryStore(":memory:")
    conv = store.create_conversation()
    t = threading.Thread(target=lambda: store.add_message(conv.id, "user", "from a thread"))
    t.start()
    t.join(5)
    assert [m.text for m in store.thread(conv.id)] == ["from a thread"]
    store.close()


def test_closed_store_raises_history_error(db_path):
    store = HistoryStore(db_path)
    store.close()
    with pytest.raises(HistoryError, match="closed"):
        store.list_conversations()


def test_an_answer_cut_off_while_thinking_is_not_sent_back(store):
    conv = store.create_conversation()
    store.add_message(conv.id, "user", "q")
    store.add_message(conv.id, "assistant", "", thinking="hmm", status="interrupted")
    store.add_message(conv.id, "user", "again?")
    assert [m.role for m in store.to_chat_messages(conv.id)] == ["user", "user"]
