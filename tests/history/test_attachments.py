"""Attachments in history (schema: the `attachments` table): saved whole with the user message, read
back with the thread, sent again from history alone, readable with plain SQLite, and in both exports."""

from __future__ import annotations

import base64
import json
import sqlite3

from tui.history import Exchange
from tui.stream.attachments import Attachment

NOTES = Attachment("notes.md", "text/markdown", b"# Notes\n\nuse ``` fences\n")
CAT = Attachment("cat.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(40)))


def _conversation(store):
    conv = store.create_conversation(title="With files")
    store.add_message(conv.id, "user", "Look at these.", attachments=[NOTES, CAT])
    store.add_message(conv.id, "assistant", "A cat and notes.")
    return conv


def test_saved_and_read_back_with_the_thread(store):
    conv = _conversation(store)
    user, answer = store.thread(conv.id)
    assert user.attachments == [NOTES, CAT]
    assert answer.attachments == []
    assert store.get_message(user.id).attachments == [NOTES, CAT]


def test_the_request_from_history_carries_the_files(store):
    conv = _conversation(store)
    prompt, _answer = store.to_chat_messages(conv.id)
    assert prompt.attachments == [NOTES, CAT]
    assert prompt.images == [CAT]
    assert prompt.text_with_context.startswith("File: notes.md\n````\n# Notes")


def test_plain_sqlite_shows_name_type_size_hash_and_text(store, db_path):
    _conversation(store)
    rows = (
        sqlite3.connect(db_path)
        .execute("SELECT name, media_type, size, sha256, typeof(content), content FROM attachments ORDER BY position")
        .fetchall()
    )
    assert rows[0][:5] == ("notes.md", "text/markdown", NOTES.size, NOTES.sha256, "text")
    assert rows[0][5] == NOTES.text
    assert rows[1][:5] == ("cat.png", "image/png", CAT.size, CAT.sha256, "blob")


def test_deleting_the_conversation_deletes_its_files(store, db_path):
    conv = _conversation(store)
    store.delete_conversation(conv.id)
    assert sqlite3.connect(db_path).execute("SELECT count(*) FROM attachments").fetchone() == (0,)


def test_exports(store):
    conv = _conversation(store)
    md = store.export_markdown(conv.id)
    assert "## User\n\nLook at these.\n\n**Attached** File: notes.md\n````\n# Notes" in md
    assert f"**Attached image** `cat.png` (image/png, 48 B, sha256 `{CAT.sha256[:16]}`)" in md
    data = json.loads(json.dumps(store.export_json(conv.id)))
    user = data["messages"][0]
    assert user["attachments"] == [
        {
            "name": "notes.md",
            "media_type": "text/markdown",
            "size": NOTES.size,
            "sha256": NOTES.sha256,
            "text": NOTES.text,
            "base64": None,
        },
        {
            "name": "cat.png",
            "media_type": "image/png",
            "size": 48,
            "sha256": CAT.sha256,
            "text": None,
            "base64": base64.b64encode(CAT.data).decode(),
        },
    ]
    assert data["messages"][1]["attachments"] == []


def test_exchange_saves_the_prompt_with_its_files(store):
    exchange = Exchange.start(store, "What is this?", provider="scripted", attachments=[CAT])
    assert exchange.messages[-1].attachments == [CAT]
    assert store.thread(exchange.conversation.id)[0].attachments == [CAT]
