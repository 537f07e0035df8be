"""A separate rill-like process for the crash and concurrency tests (run with `python -m`).

stream DB N        record one answer of N tokens, 50 ms saves, printing "saved <chars>" after each
                   successful save (the parent kills it with SIGKILL mid-stream)
answers DB N       wait for "go" on stdin, then record N short answers, saving on every token
lock DB            take the write lock, print "locked", hold it until stdin closes
"""

from __future__ import annotations

import sqlite3
import sys
import time

from tui.history import AnswerRecorder, HistoryStore
from tui.stream.control import StreamState
from tui.stream.events import StreamEvent, StreamEventType

TOKEN = "word{} "


def stream(path: str, count: int) -> None:
    store = HistoryStore(path)
    conv = store.create_conversation(title="crash test")
    rec = AnswerRecorder(store, conv.id, None, save_interval=0.05)
    print(f"message {conv.id}", flush=True)
    saves = 0
    for n in range(count):
        rec.feed(StreamEvent(StreamEventType.DELTA, TOKEN.format(n)))
        if rec.saves != saves:
            saves = rec.saves
            held = rec.saved.parts if rec.saved is not None else ()
            print(f"saved {sum(len(row.content) for row in held if row.kind == 'text')}", flush=True)
        time.sleep(0.002)
    rec.finish(StreamState.COMPLETED, None)
    print("done", flush=True)


def answers(path: str, count: int) -> None:
    store = HistoryStore(path)
    conv = store.create_conversation(title=f"writer {path}")
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(count):
        q = store.add_message(conv.id, "user", f"question {n}")
        rec = AnswerRecorder(store, conv.id, q.id, save_interval=0)
        for t in range(20):
            rec.feed(StreamEvent(StreamEventType.DELTA, f"token{t} "))
            if rec.error is not None:
                print(f"failed: {rec.error}", flush=True)
                sys.exit(1)
        if not rec.finish(StreamState.COMPLETED, None):
            print(f"failed: {rec.error}", flush=True)
            sys.exit(1)
    print("done", flush=True)


def lock(path: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    sys.stdin.read()
    conn.execute("ROLLBACK")


if __name__ == "__main__":
    command, db = sys.argv[1], sys.argv[2]
    if command == "stream":
        stream(db, int(sys.argv[3]))
    elif command == "answers":
        answers(db, int(sys.argv[3]))
    elif command == "lock":
        lock(db)
