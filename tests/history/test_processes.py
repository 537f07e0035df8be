"""Crash safety (kill -9 mid-stream) and two rill processes writing the same file at once."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from tui.history import HistoryStore

ROOT = Path(__file__).resolve().parents[2]


def _writer(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.history.writer_process", *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_kill_9_mid_stream_keeps_the_answer_up_to_its_last_save(tmp_path):
    path = tmp_path / "h.db"
    child = _writer("stream", str(path), "100000")
    try:
        assert child.stdout.readline().startswith("message")
        last = 0
        for _ in range(5):  # let it make a few progressive saves, then kill it mid-stream
            line = child.stdout.readline()
            assert line.startswith("saved"), line
            last = int(line.split()[1])
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    status, text = conn.execute(
        "SELECT m.status, (SELECT group_concat(content, '') FROM (SELECT content FROM parts p "
        "WHERE p.message_id = m.id ORDER BY position)) FROM messages m"
    ).fetchone()
    conn.close()
    assert status == "streaming"
    assert len(text) >= last  # at least what the last reported save held...
    expected = "".join(f"word{n} " for n in range(len(text) // 5 + 1))
    assert expected.startswith(text)  # ...and exactly the stream's text, nothing garbled
    with HistoryStore(path) as store:  # reopening marks the orphan
        assert store.recovered == 1
        msg = store.thread(1)[0]
        assert (msg.status, msg.text) == ("interrupted", text)
        assert store.search("word3")[0].message_id == msg.id


def test_two_processes_writing_at_once_both_succeed(tmp_path):
    path = tmp_path / "h.db"
    HistoryStore(path).close()
    writers = [_writer("answers", str(path), "25") for _ in range(2)]
    try:
        for writer in writers:
            assert writer.stdout.readline().strip() == "ready"
        for writer in writers:  # start both together
            writer.stdin.write("go\n")
            writer.stdin.flush()
        outputs = [writer.communicate(timeout=60)[0] for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.wait()
    assert [w.returncode for w in writers] == [0, 0], outputs
    with HistoryStore(path) as store:
        conversations = store.list_conversations()
        assert len(conversations) == 2
        for summary in conversations:
            thread = store.thread(summary.id)
            assert len(thread) == 50
            assert all(m.status == "complete" for m in thread)
            assert thread[-1].text == "".join(f"token{t} " for t in range(20))
