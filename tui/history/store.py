"""`HistoryStore`: the one object the app, print mode and the CLI use to read and write history.

Thin on purpose: each method opens a read or a write transaction on this thread's connection
(connection.py) and calls a small module that knows one concept (messages.py, revisions.py,
search.py, export.py). Every failure surfaces as a `HistoryError` with a message a user can act on.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, TypeVar

from tui.history import answers as _answers
from tui.history import revisions as _revisions
from tui.history import rows
from tui.history import tree as _tree
from tui.history.connection import Connections
from tui.history.errors import HistoryError, translate
from tui.history.models import (
    AnswerState,
    Conversation,
    ConversationSummary,
    Part,
    SavedAnswer,
    SearchHit,
    StoredMessage,
)
from tui.history.schema import migrate, now
from tui.history.search import search as _search
from tui.stream.attachments import Attachment
from tui.stream.messages import Message, ToolCall

DEFAULT_TIMEOUT = 5.0
_T = TypeVar("_T")


class HistoryStore:
    def __init__(self, path: str | Path, *, timeout: float = DEFAULT_TIMEOUT, readonly: bool = False) -> None:
        """Open (creating if needed) and upgrade the history file at `path`; with `readonly`, open an
        existing, current file for reading only (no upgrade, no recovery, nothing written).

        Raises `HistoryError` for a damaged, foreign, newer, read-only, locked or unopenable file.
        """
        self.path = Path(path) if str(path) != ":memory:" else Path(":memory:")
        self.timeout = timeout
        if str(path) != ":memory:" and not readonly:
            folder = self.path.expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise translate(exc, self.path, timeout) from None
        self._connections = Connections(
            str(path) if str(path) == ":memory:" else str(self.path.expanduser()), timeout, readonly=readonly
        )
        try:
            migrate(self._connections.db(), str(self.path))
            self.recovered = 0 if readonly else self._recover()
        except BaseException as exc:
            self._connections.close()
            if isinstance(exc, HistoryError):
                raise
            if isinstance(exc, Exception):
                raise translate(exc, self.path, timeout) from None
            raise

    def _recover(self) -> int:
        """Mark answers left `streaming` by a process that is gone (a crash, a kill) as `interrupted`.
        Answers being written right now by another live rill are left alone."""
        with self._connections.read() as conn:
            rows_ = conn.execute("SELECT id, writer_pid FROM messages WHERE status = 'streaming'").fetchall()
        dead = [mid for mid, pid in rows_ if not _alive(pid)]
        if dead:
            with self._connections.write() as conn:
                conn.executemany(
                    "UPDATE messages SET status = 'interrupted', writer_pid = NULL "
                    "WHERE id = ? AND status = 'streaming'",
                    [(mid,) for mid in dead],
                )
        return len(dead)

    # -- lifetime ---------------------------------------------------------------------------
    def close(self) -> None:
        self._connections.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._connections.read()

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._connections.write()

    # -- conversations ----------------------------------------------------------------------
    def create_conversation(
        self, provider: str | None = None, model: str | None = None, system: str | None = None, title: str | None = None
    ) -> Conversation:
        when = now()
        with self._write() as conn:
            cid = conn.execute(
                "INSERT INTO conversations(title, provider, model, system, created, updated) VALUES (?, ?, ?, ?, ?, ?)",
                (title, provider, model, system, when, when),
            ).lastrowid
            return rows.conversation(
                conn.execute(f"SELECT {rows.CONVERSATION_COLUMNS} FROM conversations WHERE id = ?", (cid,)).fetchone()
            )

    def get_conversation(self, cid: Any) -> Conversation | None:
        ident = rows.as_id(cid)
        if ident is None:
            return None
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {rows.CONVERSATION_COLUMNS} FROM conversations WHERE id = ?", (ident,)
            ).fetchone()
        return rows.conversation(row) if row else None

    def latest_conversation(self) -> Conversation | None:
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {rows.CONVERSATION_COLUMNS} FROM conversations WHERE archived = 0 "
                f"ORDER BY updated DESC, id DESC LIMIT 1"
            ).fetchone()
        return rows.conversation(row) if row else None

    def list_conversations(self, limit: int = 50, offset: int = 0) -> list[ConversationSummary]:
        with self._read() as conn:
            found = conn.execute(
                "SELECT c.id, c.title, c.provider, c.model, c.updated, "
                "(SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) "
                "FROM conversations c WHERE c.archived = 0 ORDER BY c.updated DESC, c.id DESC LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        return [ConversationSummary(*row) for row in found]

    def count_conversations(self) -> int:
        with self._read() as conn:
            return int(conn.execute("SELECT count(*) FROM conversations WHERE archived = 0").fetchone()[0])

    def rename_conversation(self, cid: Any, title: str) -> None:
        with self._write() as conn:
            self._require(conn, cid)
            conn.execute(
                "UPDATE conversations SET title = ?, updated = ? WHERE id = ?",
                (title.strip() or None, now(), rows.as_id(cid)),
            )

    def set_system(self, cid: Any, system: str | None) -> None:
        """The conversation's system prompt (None or blank: none), sent with its next requests."""
        with self._write() as conn:
            self._require(conn, cid)
            conn.execute(
                "UPDATE conversations SET system = ?, updated = ? WHERE id = ?",
                ((system or "").strip() or None, now(), rows.as_id(cid)),
            )

    def set_archived(self, cid: Any, archived: bool = True) -> None:
        with self._write() as conn:
            self._require(conn, cid)
            conn.execute("UPDATE conversations SET archived = ? WHERE id = ?", (int(archived), rows.as_id(cid)))

    def delete_conversation(self, cid: Any) -> None:
        with self._write() as conn:
            self._require(conn, cid)
            conn.execute("UPDATE conversations SET current_leaf_id = NULL WHERE id = ?", (rows.as_id(cid),))
            conn.execute("DELETE FROM conversations WHERE id = ?", (rows.as_id(cid),))

    def _require(self, conn: sqlite3.Connection, cid: Any) -> int:
        ident = rows.as_id(cid)
        if ident is None or conn.execute("SELECT 1 FROM conversations WHERE id = ?", (ident,)).fetchone() is None:
            raise HistoryError(f"no conversation with id {cid} in {self.path}", "missing")
        return ident

    # -- messages ---------------------------------------------------------------------------
    def add_message(
        self,
        cid: Any,
        role: str,
        content: str,
        parent_id: Any = None,
        status: str = "complete",
        *,
        thinking: str = "",
        tool_calls: list[ToolCall] | None = None,
        tool_call_id: str | None = None,
        name: str | None = None,
        is_error: bool = False,
        provider: str | None = None,
        model: str | None = None,
        attachments: Sequence[Attachment] = (),
    ) -> StoredMessage:
        """Append a whole message (user, system, tool, or an assistant answer not streamed here).

        `parent_id=None` appends after the conversation's current leaf; `ROOT` starts a new root
        branch. The new message becomes the current leaf; a first user prompt names the conversation.
        """
        with self._write() as conn:
            ident = self._require(conn, cid)
            parent = _tree.resolve_parent(conn, ident, parent_id)
            mid = _tree.insert_message(conn, ident, parent, role, status, provider, model)
            _tree.add_parts(
                conn,
                mid,
                role,
                content,
                thinking=thinking,
                tool_calls=tool_calls,
                tool_call_id=tool_call_id,
                name=name,
                is_error=is_error,
            )
            if attachments:
                rows.add_attachments(conn, mid, attachments)
            if role == "user" and content.strip():
                _tree.title_if_missing(conn, ident, content)
            return _found(_tree.get_message(conn, mid), f"message {mid}")

    def get_message(self, message_id: Any) -> StoredMessage | None:
        with self._read() as conn:
            return _tree.get_message(conn, message_id)

    def thread(self, cid: Any, leaf_id: Any = None) -> list[StoredMessage]:
        ident = rows.as_id(cid)
        if ident is None:
            return []
        with self._read() as conn:
            return _tree.thread(conn, ident, rows.as_id(leaf_id) if leaf_id is not None else None)

    def all_messages(self, cid: Any) -> list[StoredMessage]:
        """Every message of every branch of the conversation, oldest first (the branch tree)."""
        ident = rows.as_id(cid)
        if ident is None:
            return []
        with self._read() as conn:
            return _tree.all_messages(conn, ident)

    def siblings(self, message_id: Any) -> list[StoredMessage]:
        with self._read() as conn:
            return _tree.siblings(conn, message_id)

    def sibling_ids(self, message_id: Any) -> list[int]:
        """Ids of the messages with the same parent and role (the message included), oldest first."""
        with self._read() as conn:
            return _tree.sibling_ids(conn, message_id)

    def set_current_leaf(self, cid: Any, message_id: Any, *, descend: bool = False) -> None:
        """Make `message_id` the shown branch's leaf (`descend=True`: the newest leaf below it)."""
        with self._write() as conn:
            ident = self._require(conn, cid)
            mid = rows.as_id(message_id)
            row = (
                conn.execute("SELECT conversation_id FROM messages WHERE id = ?", (mid,)).fetchone()
                if mid is not None
                else None
            )
            if mid is None or row is None or row[0] != ident:
                raise HistoryError(f"message {message_id} is not in conversation {cid}", "missing")
            if descend:
                mid = _tree.newest_leaf(conn, mid)
            conn.execute("UPDATE conversations SET current_leaf_id = ? WHERE id = ?", (mid, ident))

    def to_chat_messages(self, cid: Any, leaf_id: Any = None) -> list[Message]:
        return _tree.to_chat_messages(self.thread(cid, leaf_id))

    # -- parts: rewrite and undo -------------------------------------------------------------
    def text_parts(self, message_id: Any) -> list[Part]:
        ident = rows.as_id(message_id)
        if ident is None:
            return []
        with self._read() as conn:
            return _revisions.text_parts(conn, ident)

    def get_part(self, part_id: Any) -> Part | None:
        ident = rows.as_id(part_id)
        if ident is None:
            return None
        with self._read() as conn:
            return _revisions.get_part(conn, ident)

    def replace_part(self, part_id: Any, new_content: str, instruction: str | None = None) -> Part:
        """Replace a part's text; the old text becomes a revision (`undo_part` puts it back)."""
        ident = rows.as_id(part_id)
        with self._write() as conn:
            if ident is None or not _revisions.replace_part(conn, ident, new_content, instruction):
                raise HistoryError(f"no part with id {part_id} in {self.path}", "missing")
            return _found(_revisions.get_part(conn, ident), f"part {part_id}")

    def undo_part(self, part_id: Any) -> Part | None:
        """Put a part's previous text back; None when it has no earlier revision."""
        ident = rows.as_id(part_id)
        if ident is None:
            return None
        with self._write() as conn:
            if not _revisions.undo_part(conn, ident):
                return None
            return _revisions.get_part(conn, ident)

    def part_revisions(self, part_id: Any) -> list[str]:
        """Earlier texts of a part, oldest first."""
        with self._read() as conn:
            return [
                r[0]
                for r in conn.execute(
                    "SELECT content FROM part_revisions WHERE part_id = ? ORDER BY id", (rows.as_id(part_id),)
                )
            ]

    # -- a streamed answer ------------------------------------------------------------------
    def save_answer(
        self, answer: AnswerState, saved: SavedAnswer | None = None, *, timeout: float | None = None
    ) -> SavedAnswer:
        """Insert (`saved` None) or update one assistant answer and its parts, in one transaction.

        Only parts that differ from `saved` (what the previous save returned) are written, so a
        progressive save of a long answer costs what changed. `timeout` is how long to wait for
        another writer's lock (default: the store's); a progressive save passes a short one and
        skips a beat on a `HistoryError` of kind "locked". On any error nothing is changed and
        `saved` still describes the file.
        """
        with self._connections.write(timeout) as conn:
            return _answers.save_answer(conn, answer, saved, str(self.path))

    # -- search, export ----------------------------------------------------------------------
    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        with self._read() as conn:
            return _search(conn, query, limit)

    def export_markdown(self, cid: Any) -> str:
        from tui.history.export import to_markdown

        return to_markdown(self._export_source(cid))

    def export_json(self, cid: Any) -> dict[str, Any]:
        """The conversation, its current branch (`thread`) and every message of every branch."""
        from tui.history.export import to_json

        source = self._export_source(cid)
        return to_json(source, self.all_messages(source[0].id))

    def _export_source(self, cid: Any) -> tuple[Conversation, list[StoredMessage]]:
        conversation = self.get_conversation(cid)
        if conversation is None:
            raise HistoryError(f"no conversation with id {cid} in {self.path}", "missing")
        return conversation, self.thread(conversation.id)


def _found(value: _T | None, what: str) -> _T:
    """A row just written in this transaction (always there; checked for the type checker)."""
    if value is None:  # pragma: no cover - the same transaction wrote it
        raise HistoryError(f"{what} vanished while it was being written", "error")
    return value


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True
