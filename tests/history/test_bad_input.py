"""Corrupt, read-only, locked and full databases: a clear HistoryError, nothing saved is lost, and
the recorder keeps the answer in memory instead of crashing the stream."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.history.conftest import delta
from tui.history import AnswerRecorder, HistoryError, HistoryStore
from tui.stream.control import StreamState

ROOT = Path(__file__).resolve().parents[2]


def _writer(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.history.writer_process", *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _fill(store, count=3):
    conv = store.create_conversation(title="kept")
    for n in range(count):
        store.add_message(conv.id, "user", f"saved message {n}")
    return conv


def test_garbage_file_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 200)
    with pytest.raises(HistoryError) as info:
        HistoryStore(path)
    assert info.value.kind == "corrupt"
    assert str(path) in str(info.value) and "--db" in str(info.value)
    assert path.read_bytes().startswith(b"these are my notes")  # untouched


def test_damaged_pages_give_history_error_not_a_traceback(tmp_path):
    path = tmp_path / "h.db"
    with HistoryStore(path) as store:
        conv = store.create_conversation()
        for _ in range(30):
            store.add_message(conv.id, "user", "x" * 3000)
    data = bytearray(path.read_bytes())
    for i in range(4096, len(data), 5):
        data[i] = 0xAB
    path.write_bytes(bytes(data))
    with pytest.raises(HistoryError) as info:
        store = HistoryStore(path)
        store.thread(conv.id)
    assert info.value.kind == "corrupt" and "damaged" in str(info.value)


def test_a_sqlite_file_of_another_program_is_not_taken_over(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(HistoryError, match="not a rill history") as info:
        HistoryStore(path)
    assert info.value.kind == "foreign"


def _as_nobody(fn):
    """Run `fn()` where file permissions apply: in-process normally, in a forked child that gives up
    root when the tests run as root (root ignores permissions). Returns (kind, message) or None."""

    def attempt():
        try:
            fn()
        except HistoryError as exc:
            return f"{exc.kind}\n{exc}"
        return "ok\n"

    if os.geteuid() != 0:
        result = attempt()
    else:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            try:
                os.close(read)
                os.setgid(65534)
                os.setuid(65534)
                os.write(write, attempt().encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            result = pipe.read()
        os.waitpid(pid, 0)
    kind, _, message = result.partition("\n")
    return kind, message


def test_new_database_in_a_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        kind, message = _as_nobody(lambda: HistoryStore(folder / "h.db"))
    finally:
        folder.chmod(0o755)
    assert kind in ("cantopen", "readonly"), message
    assert str(folder / "h.db") in message and "--db" in message


def test_existing_database_on_a_read_only_path(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "h.db"
    with HistoryStore(path) as store:
        conv = _fill(store)
    for name in os.listdir(folder):
        (folder / name).chmod(0o444)
    folder.chmod(0o555)

    def write():
        store = HistoryStore(path)
        store.add_message(conv.id, "user", "new")

    try:
        kind, message = _as_nobody(write)
    finally:
        folder.chmod(0o755)
        for name in os.listdir(folder):
            (folder / name).chmod(0o644)
    assert kind in ("readonly", "cantopen"), message
    assert "--db" in message or "permissions" in message
    with HistoryStore(path) as store:
        assert [m.text for m in store.thread(conv.id)] == [f"saved message {n}" for n in range(3)]


def test_database_locked_by_another_process(tmp_path):
    path = tmp_path / "h.db"
    store = HistoryStore(path, timeout=0.3)
    conv = _fill(store)
    holder = _writer("lock", str(path))
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(HistoryError) as info:
            store.add_message(conv.id, "user", "blocked")
        assert info.value.kind == "locked"
        assert "locked by another program" in str(info.value) and "0.3 s" in str(info.value)
        assert len(store.thread(conv.id)) == 3  # reading still works (WAL)
    finally:
        holder.stdin.close()
        holder.wait(10)
    store.add_message(conv.id, "user", "after the lock")
    assert len(store.thread(conv.id)) == 4
    store.close()


def _limit_pages(store, extra: int) -> None:
    """Simulate a full disk: this thread's connection may grow the file by `extra` pages only."""
    conn = store._connections.db().conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + extra}")


def test_disk_full_on_write(store):
    conv = _fill(store)
    _limit_pages(store, 1)
    with pytest.raises(HistoryError) as info:
        for _ in range(50):
            store.add_message(conv.id, "user", "y" * 8000)
    assert info.value.kind == "full" and "disk is full" in str(info.value)
    thread = store.thread(conv.id)
    assert [m.text for m in thread[:3]] == [f"saved message {n}" for n in range(3)]
    assert sqlite3.connect(store.path).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_recorder_survives_a_full_disk_and_keeps_the_text(store):
    conv = _fill(store)
    rec = AnswerRecorder(store, conv.id, None, save_interval=0)
    rec.feed(delta("saved before the disk filled. "))
    first_id = rec.message_id
    _limit_pages(store, 0)
    last_saved = rec.text
    for n in range(200):
        rec.feed(delta(f"token {n} " * 50))  # must not raise
        if rec.error is None:
            last_saved = rec.text
    assert rec.error is not None and rec.error.kind == "full"
    assert rec.text.endswith("token 199 " * 50)  # the whole answer is still in memory
    assert not rec.finish(StreamState.COMPLETED, None)
    on_disk = store.get_message(first_id)
    assert (on_disk.status, on_disk.text) == ("streaming", last_saved)  # the last good save, intact
    assert len(last_saved) < len(rec.text)
    store._connections.db().conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
    assert rec.finish(StreamState.COMPLETED, None)
    assert rec.error is None
    saved = store.get_message(first_id)
    assert (saved.status, saved.text) == ("complete", rec.text)


def test_recorder_skips_a_beat_when_locked_and_catches_up(tmp_path, clock):
    path = tmp_path / "h.db"
    store = HistoryStore(path, timeout=2.0)
    conv = _fill(store)
    rec = AnswerRecorder(store, conv.id, None, save_interval=0, clock=clock)
    rec.feed(delta("one "))
    holder = _writer("lock", str(path))
    try:
        assert holder.stdout.readline().strip() == "locked"
        rec.feed(delta("two "))
        assert (rec.skipped, rec.error) == (1, None)  # a brief lock is not an error worth showing
        clock.advance(2.5)  # ...but a lock held longer than the store's timeout is
        rec.feed(delta("three "))
        assert rec.error is not None and rec.error.kind == "locked"
        assert "locked by another program" in str(rec.error)
        assert rec.text == "one two three "
    finally:
        holder.stdin.close()
        holder.wait(10)
    rec.feed(delta("four"))
    assert rec.error is None
    assert store.get_message(rec.message_id).text == "one two three four"
    store.close()
