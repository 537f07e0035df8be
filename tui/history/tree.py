"""Messages as a tree: adding them, walking a branch (`thread`), siblings, and the request they make.

A regenerated answer is a sibling of the one it replaces (same parent), never an overwrite; the
conversation's `current_leaf_id` says which branch is shown and continued.
"""

from __future__ import annotations

import json
import os
import sqlite3
from typing import Any

from tui.history import rows
from tui.history.errors import HistoryError
from tui.history.models import PartRow, StoredMessage
from tui.history.parts import split_blocks
from tui.history.schema import now
from tui.history.titles import make_title
from tui.stream.messages import Message, ToolCall


class _Root:
    """`parent_id=ROOT`: start a new top-level branch (None means "after the current leaf")."""

    def __repr__(self) -> str:
        return "ROOT"


ROOT: Any = _Root()


def insert_message(
    conn: sqlite3.Connection,
    cid: int,
    parent_id: int | None,
    role: str,
    status: str,
    provider: str | None = None,
    model: str | None = None,
    streaming_pid: bool = False,
) -> int:
    when = now()
    cursor = conn.execute(
        "INSERT INTO messages(conversation_id, parent_id, role, status, provider, model, created, updated, "
        "writer_pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (cid, parent_id, role, status, provider, model, when, when, os.getpid() if streaming_pid else None),
    )
    message_id = cursor.lastrowid
    if message_id is None:  # pragma: no cover - sqlite3 always sets it after an INSERT
        raise HistoryError("the database did not return the new message's id", "error")
    rows.touch(conn, cid, when, message_id)
    return message_id


def resolve_parent(conn: sqlite3.Connection, cid: int, parent_id: Any) -> int | None:
    """The parent for a new message: ROOT -> none; None -> the conversation's current leaf."""
    if parent_id is ROOT:
        return None
    if parent_id is None:
        row = conn.execute("SELECT current_leaf_id FROM conversations WHERE id = ?", (cid,)).fetchone()
        return row[0] if row else None
    pid = rows.as_id(parent_id)
    row = conn.execute("SELECT conversation_id FROM messages WHERE id = ?", (pid,)).fetchone() if pid else None
    if row is None or row[0] != cid:
        raise HistoryError(f"message {parent_id} is not in conversation {cid}", "missing")
    return pid


def add_parts(
    conn: sqlite3.Connection,
    message_id: int,
    role: str,
    content: str,
    *,
    thinking: str = "",
    tool_calls: list[ToolCall] | None = None,
    tool_call_id: str | None = None,
    name: str | None = None,
    is_error: bool = False,
) -> None:
    """The parts of a whole message: an assistant's text split into blocks, anything else one part."""
    parts: list[PartRow] = []
    if thinking:
        parts.append(PartRow("thinking", thinking))
    if role == "tool":
        parts.append(PartRow("tool_result", content, name, tool_call_id, None, int(is_error)))
    elif role == "assistant":
        parts.extend(PartRow("text", block) for block in split_blocks(content))
    elif content:
        parts.append(PartRow("text", content))
    for call in tool_calls or []:
        parts.append(
            PartRow(
                "tool_call",
                call.arguments_raw or json.dumps(call.arguments),
                call.name,
                call.id,
                json.dumps(call.arguments),
            )
        )
    conn.executemany(
        "INSERT INTO parts(message_id, position, kind, content, tool_name, tool_call_id, arguments, is_error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(message_id, i, *p) for i, p in enumerate(parts)],
    )
    if role != "tool":
        rows.reindex(conn, message_id)


def title_if_missing(conn: sqlite3.Connection, cid: int, prompt: str) -> None:
    conn.execute("UPDATE conversations SET title = ? WHERE id = ? AND title IS NULL", (make_title(prompt), cid))


def get_message(conn: sqlite3.Connection, message_id: Any) -> StoredMessage | None:
    mid = rows.as_id(message_id)
    if mid is None:
        return None
    found = rows.messages_with_parts(
        conn, conn.execute(f"SELECT {rows.MESSAGE_COLUMNS} FROM messages WHERE id = ?", (mid,))
    )
    return found[0] if found else None


def branch_ids(conn: sqlite3.Connection, cid: int, leaf_id: int | None) -> list[int]:
    """Ids from the root to `leaf_id` (default: the current leaf), walked in one recursive query."""
    if leaf_id is None:
        row = conn.execute("SELECT current_leaf_id FROM conversations WHERE id = ?", (cid,)).fetchone()
        leaf_id = row[0] if row else None
    if leaf_id is None:
        return []
    found = conn.execute(
        """
        WITH RECURSIVE up(id, parent_id, depth) AS (
            SELECT id, parent_id, 0 FROM messages WHERE id = ? AND conversation_id = ?
            UNION ALL
            SELECT m.id, m.parent_id, up.depth + 1 FROM messages m JOIN up ON m.id = up.parent_id
        ) SELECT id FROM up ORDER BY depth DESC""",
        (leaf_id, cid),
    ).fetchall()
    return [r[0] for r in found]


def thread(conn: sqlite3.Connection, cid: int, leaf_id: int | None = None) -> list[StoredMessage]:
    ids = branch_ids(conn, cid, leaf_id)
    if not ids:
        return []
    order = {mid: i for i, mid in enumerate(ids)}
    found: list[rows.Row] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.extend(
            conn.execute(
                f"SELECT {rows.MESSAGE_COLUMNS} FROM messages WHERE id IN ({','.join('?' * len(chunk))})", chunk
            )
        )
    found.sort(key=lambda r: order[r[0]])
    return rows.messages_with_parts(conn, found)


def all_messages(conn: sqlite3.Connection, cid: int) -> list[StoredMessage]:
    """Every message of every branch, oldest first."""
    return rows.messages_with_parts(
        conn,
        conn.execute(
            f"SELECT {rows.MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id", (cid,)
        ).fetchall(),
    )


def _siblings_query(conn: sqlite3.Connection, message_id: Any, columns: str) -> list[rows.Row]:
    """Rows of the messages with the same parent and role as `message_id` (itself included), oldest first."""
    mid = rows.as_id(message_id)
    row = (
        conn.execute("SELECT conversation_id, parent_id, role FROM messages WHERE id = ?", (mid,)).fetchone()
        if mid is not None
        else None
    )
    if row is None:
        return []
    return conn.execute(
        f"SELECT {columns} FROM messages WHERE conversation_id = ? AND parent_id IS ? AND role = ? ORDER BY id", row
    ).fetchall()


def siblings(conn: sqlite3.Connection, message_id: Any) -> list[StoredMessage]:
    return rows.messages_with_parts(conn, _siblings_query(conn, message_id, rows.MESSAGE_COLUMNS))


def sibling_ids(conn: sqlite3.Connection, message_id: Any) -> list[int]:
    """Only the ids of `siblings` (cheap: no parts), for the `< 2/3 >` indicator and switching."""
    return [r[0] for r in _siblings_query(conn, message_id, "id")]


def newest_leaf(conn: sqlite3.Connection, message_id: int) -> int:
    """Follow the newest child down from `message_id`: the leaf of the branch it starts."""
    current = message_id
    while True:
        row = conn.execute("SELECT max(id) FROM messages WHERE parent_id = ?", (current,)).fetchone()
        if row[0] is None:
            return current
        current = row[0]


def to_chat_messages(thread_messages: list[StoredMessage]) -> list[Message]:
    """The branch as request messages. An answer that ran tools is stored as one message whose parts
    are in arrival order (text, calls, results, more text); it becomes assistant/tool/assistant turns."""
    out: list[Message] = []
    for stored in thread_messages:
        if stored.role != "assistant":
            result = stored.tool_results[0] if stored.role == "tool" and stored.tool_results else None
            if result is not None:
                out.append(
                    Message(
                        role="tool",
                        content=result.content,
                        tool_call_id=result.tool_call_id,
                        name=result.tool_name,
                        is_error=result.is_error,
                    )
                )
            else:
                out.append(
                    Message(role=stored.role, content=stored.text, attachments=list(stored.attachments))  # type: ignore[arg-type]
                )
            continue
        turn = Message(role="assistant")
        pending_results: list[Message] = []
        for p in stored.parts:
            if p.kind == "tool_result":
                pending_results.append(
                    Message(
                        role="tool",
                        content=p.content,
                        tool_call_id=p.tool_call_id,
                        name=p.tool_name,
                        is_error=p.is_error,
                    )
                )
                continue
            if pending_results:  # the results close this turn; what follows is the next round
                out.append(turn)
                out.extend(pending_results)
                pending_results = []
                turn = Message(role="assistant")
            if p.kind == "text":
                turn.content += p.content
            elif p.kind == "thinking":
                turn.thinking += p.content
            elif p.kind == "tool_call":
                turn.tool_calls.append(
                    ToolCall(
                        id=p.tool_call_id or "",
                        name=p.tool_name or "",
                        arguments=p.arguments_dict,
                        arguments_raw=p.arguments or "",
                    )
                )
        if turn.content or turn.tool_calls or pending_results:  # an answer cut off while thinking says nothing
            out.append(turn)
        out.extend(pending_results)
    return out
