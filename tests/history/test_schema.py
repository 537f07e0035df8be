"""Migrations: applied in order on open, recorded, an older file upgraded in place, a newer one refused;
answers left `streaming` by a dead process become `interrupted` on open."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
import sqlite_utils

from tui.history import AnswerRecorder, HistoryError, HistoryStore
from tui.history.schema import LATEST, MIGRATIONS, migrate
from tui.stream.control import StreamState


def test_new_file_records_every_version(store, db_path):
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT version, name FROM migrations ORDER BY version").fetchall()
    assert rows == [(n + 1, name) for n, (name, _) in enumerate(MIGRATIONS)]
    conn.close()


def test_older_file_is_upgraded_in_place_keeping_its_data(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    migrate(db, str(path), upto=1)  # a file written by the first release: no search, no writer column
    db.execute("INSERT INTO conversations(id, title, created, updated) VALUES (1, 'from v1', 't', 't')")
    db.execute(
        "INSERT INTO messages(id, conversation_id, role, status, created, updated) "
        "VALUES (1, 1, 'assistant', 'complete', 't', 't')"
    )
    db.execute("INSERT INTO parts(message_id, position, kind, content) VALUES (1, 0, 'text', 'ancient wisdom')")
    db.conn.close()
    with HistoryStore(path) as store:
        assert store.get_conversation(1).title == "from v1"
        assert store.thread(1, 1)[0].text == "ancient wisdom"
        assert [h.message_id for h in store.search("wisdom")] == [1]  # indexed during the upgrade
        assert [h.conversation_id for h in store.search("v1")] == [1]
    versions = [r[0] for r in sqlite3.connect(path).execute("SELECT version FROM migrations ORDER BY version")]
    assert versions == list(range(1, LATEST + 1))


def test_newer_file_is_refused(tmp_path):
    path = tmp_path / "future.db"
    HistoryStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO migrations VALUES (?, 'from the future', 't')", (LATEST + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(HistoryError) as info:
        HistoryStore(path)
    assert info.value.kind == "newer"
    assert "newer rill" in str(info.value) and f"version {LATEST + 1}" in str(info.value)


def test_streaming_answer_of_a_dead_process_becomes_interrupted(db_path):
    with HistoryStore(db_path) as store:
        conv = store.create_conversation()
        rec = AnswerRecorder(store, conv.id, None)
        rec.feed(_delta("half an ans"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE messages SET writer_pid = ?", (int(dead.stdout),))
    conn.commit()
    conn.close()
    with HistoryStore(db_path) as store:
        assert store.recovered == 1
        msg = store.get_message(rec.message_id)
        assert (msg.status, msg.text) == ("interrupted", "half an ans")


def test_streaming_answer_of_a_live_process_is_left_alone(db_path):
    with HistoryStore(db_path) as writer:
        conv = writer.create_conversation()
        rec = AnswerRecorder(writer, conv.id, None)
        rec.feed(_delta("still streaming"))  # this process is alive: a second store must not steal it
        with HistoryStore(db_path) as other:
            assert other.recovered == 0
            assert other.get_message(rec.message_id).status == "streaming"
        rec.finish(StreamState.COMPLETED, None)
        assert writer.get_message(rec.message_id).status == "complete"


def _delta(text):
    from tui.stream.events import StreamEvent, StreamEventType

    return StreamEvent(StreamEventType.DELTA, text)
