"""Connections to the history file: one per thread, WAL, busy timeout, foreign keys, explicit transactions.

The app reads from its UI thread while a stream worker writes; with one connection per thread the
reads go on (WAL readers never wait for the writer) even while a write waits for another process's
lock, so the UI never freezes on the database. `":memory:"` has no file to share, so there one
connection serves every thread behind a lock.

Writes use `BEGIN IMMEDIATE`: the write lock is taken up front and waited for (busy timeout), instead
of a read transaction failing to upgrade half-way, which is what makes two rill processes writing
the same file at once both succeed. Every sqlite3 error leaves here as a `HistoryError`.

`readonly=True` opens the file for reading only (`mode=ro`), for commands that only read; in a
folder nobody may write to, where WAL cannot create its side files, as `immutable` (nothing can
change the file there while it is read).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from tui.history.errors import HistoryError, translate


class Connections:
    def __init__(self, path: str | Path, timeout: float = 5.0, *, readonly: bool = False) -> None:
        self.path = str(path)
        self.timeout = timeout
        self.memory = self.path == ":memory:"
        self.readonly = readonly and not self.memory
        self._local = threading.local()
        self._all: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._lock = threading.RLock()  # guards _all, and every use of the shared :memory: connection
        self._shared: sqlite_utils.Database | None = None
        self.closed = False

    # -- opening ---------------------------------------------------------------------------
    def _open(self) -> sqlite_utils.Database:
        if self.closed:
            raise HistoryError(f"the history database {self.path} is closed", "closed")
        try:
            conn = sqlite3.connect(
                self._target(), timeout=self.timeout, isolation_level=None, check_same_thread=False, uri=self.readonly
            )
        except sqlite3.Error as exc:
            raise translate(exc, self.path, self.timeout) from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            if not (self.memory or self.readonly):
                mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
                if mode != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable against process crashes
            db = sqlite_utils.Database(conn, execute_plugins=False)
        except sqlite3.Error as exc:
            conn.close()
            raise translate(exc, self.path, self.timeout) from None
        with self._lock:
            self._reap()
            self._all.append((threading.current_thread(), conn))
        return db

    def _target(self) -> str:
        if not self.readonly:
            return self.path
        folder = os.path.dirname(os.path.abspath(self.path))
        immutable = "&immutable=1" if not os.access(folder, os.W_OK) else ""
        return f"file:{urllib.parse.quote(os.path.abspath(self.path))}?mode=ro{immutable}"

    def _reap(self) -> None:
        """Close the connections of threads that have ended (one worker thread per stream would
        otherwise leave one open connection per answer)."""
        alive = []
        for thread, conn in self._all:
            if thread.is_alive() or self.memory:
                alive.append((thread, conn))
            else:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
        self._all = alive

    def db(self) -> sqlite_utils.Database:
        """This thread's connection (opened on first use)."""
        if self.memory:
            if self._shared is None:
                self._shared = self._open()
            return self._shared
        db = getattr(self._local, "db", None)
        if db is None or self.closed:
            db = self._local.db = self._open()
        return db

    # -- using -----------------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same snapshot of the file (WAL), even
        while another thread or process commits a save half-way through a `thread()`."""
        with self._guard():
            conn = self.db().conn
            own = not conn.in_transaction
            try:
                if own:
                    conn.execute("BEGIN")
                yield conn
            except sqlite3.Error as exc:
                raise translate(exc, self.path, self.timeout) from None
            finally:
                if own and conn.in_transaction:
                    try:
                        conn.execute("COMMIT")
                    except sqlite3.Error:
                        conn.execute("ROLLBACK")

    @contextmanager
    def write(self, timeout: float | None = None) -> Iterator[sqlite3.Connection]:
        """One transaction holding the write lock; rolled back on any error, so a failed save
        leaves what was saved before exactly as it was. `timeout` overrides how long to wait for
        another writer's lock (a progressive save would rather skip a beat than stall the stream)."""
        with self._guard():
            conn = self.db().conn
            waited = self.timeout if timeout is None else timeout
            try:
                if timeout is not None:
                    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
                try:
                    conn.execute("BEGIN IMMEDIATE")
                finally:
                    if timeout is not None:
                        conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            except sqlite3.Error as exc:
                raise translate(exc, self.path, waited) from None
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                if isinstance(exc, sqlite3.Error):
                    raise translate(exc, self.path, self.timeout) from None
                raise

    @contextmanager
    def _guard(self) -> Iterator[None]:
        if self.memory:
            with self._lock:
                yield
        else:
            yield

    def close(self) -> None:
        with self._lock:
            self.closed = True
            for _thread, conn in self._all:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._all.clear()
            self._shared = None
        self._local = threading.local()
