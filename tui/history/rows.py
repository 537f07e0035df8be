"""Turning SQL rows into the store's values, and the few writes every other module shares."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from tui.history.models import CitationRow, Conversation, Part, ServerToolRow, StoredMessage
from tui.stream.attachments import Attachment

CONVERSATION_COLUMNS = "id, title, provider, model, system, created, updated, archived, current_leaf_id"
MESSAGE_COLUMNS = "id, conversation_id, parent_id, role, status, provider, model, created, error"
PART_COLUMNS = (
    "id, message_id, position, kind, content, tool_name, tool_call_id, arguments, is_error, "
    "(SELECT count(*) FROM part_revisions r WHERE r.part_id = parts.id)"
)
STATS_COLUMNS = (
    "first_token_ms",
    "duration_ms",
    "input_tokens",
    "output_tokens",
    "tokens_per_second",
    "tokens_estimated",
    "stop_reason",
    "provider",
    "model",
)


def as_id(value: Any) -> int | None:
    """An id given as int or text ("42" from a command line); None when it cannot be one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


Row = tuple[Any, ...]  # one row from sqlite3, columns in the order of the *_COLUMNS above


def conversation(row: Row) -> Conversation:
    return Conversation(row[0], row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7]), row[8])


def part(row: Row) -> Part:
    return Part(
        id=row[0],
        message_id=row[1],
        position=row[2],
        kind=row[3],
        content=row[4],
        tool_name=row[5],
        tool_call_id=row[6],
        arguments=row[7],
        is_error=bool(row[8]),
        revision_count=row[9],
    )


def messages_with_parts(conn: sqlite3.Connection, rows: Iterable[Row]) -> list[StoredMessage]:
    """Messages for `rows` (MESSAGE_COLUMNS), with their parts and stats, in two queries."""
    messages = [
        StoredMessage(
            id=r[0],
            conversation_id=r[1],
            parent_id=r[2],
            role=r[3],
            status=r[4],
            provider=r[5],
            model=r[6],
            created=r[7],
            error=r[8],
        )
        for r in rows
    ]
    if not messages:
        return messages
    by_id = {m.id: m for m in messages}
    for start in range(0, len(messages), 500):
        ids = [m.id for m in messages[start : start + 500]]
        marks = ",".join("?" * len(ids))
        for row in conn.execute(
            f"SELECT {PART_COLUMNS} FROM parts WHERE message_id IN ({marks}) ORDER BY message_id, position", ids
        ):
            by_id[row[1]].parts.append(part(row))
        for row in conn.execute(
            f"SELECT message_id, {', '.join(STATS_COLUMNS)} FROM stats WHERE message_id IN ({marks})", ids
        ):
            stats = dict(zip(STATS_COLUMNS, row[1:], strict=True))
            stats["tokens_estimated"] = (
                bool(stats["tokens_estimated"]) if stats["tokens_estimated"] is not None else None
            )
            by_id[row[0]].stats = stats
        for row in conn.execute(
            f"SELECT message_id, {', '.join(ServerToolRow._fields)} FROM server_tools WHERE message_id IN ({marks}) "
            "ORDER BY message_id, position",
            ids,
        ):
            by_id[row[0]].server_tools.append(ServerToolRow(*row[1:]).to_call())
        for row in conn.execute(
            f"SELECT message_id, {', '.join(CitationRow._fields)} FROM citations WHERE message_id IN ({marks}) "
            "ORDER BY message_id, position",
            ids,
        ):
            by_id[row[0]].citations.append(CitationRow(*row[1:]).to_citation())
        for row in conn.execute(
            f"SELECT message_id, name, media_type, content FROM attachments WHERE message_id IN ({marks}) "
            "ORDER BY message_id, position",
            ids,
        ):
            content = row[3]
            data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
            by_id[row[0]].attachments.append(Attachment(row[1], row[2], data))
    return messages


def add_attachments(conn: sqlite3.Connection, message_id: int, attachments: Iterable[Attachment]) -> None:
    """A message's files: text kept as text (readable in the file), images as bytes."""
    conn.executemany(
        "INSERT INTO attachments(message_id, position, name, media_type, size, sha256, content) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (message_id, i, a.name, a.media_type, a.size, a.sha256, a.data if a.is_image else a.text)
            for i, a in enumerate(attachments)
        ],
    )


def reindex(conn: sqlite3.Connection, message_id: int, text: str | None = None) -> None:
    """Put the message's current text into the full-text index (same transaction as the change)."""
    if text is None:
        row = conn.execute(
            "SELECT group_concat(content, '') FROM (SELECT content FROM parts WHERE message_id = ? "
            "AND kind = 'text' ORDER BY position)",
            (message_id,),
        ).fetchone()
        text = row[0] or ""
    conn.execute("DELETE FROM messages_fts WHERE rowid = ?", (message_id,))
    if text:
        conn.execute(
            "INSERT INTO messages_fts(rowid, text, conversation_id) "
            "SELECT id, ?, conversation_id FROM messages WHERE id = ?",
            (text, message_id),
        )


def touch(conn: sqlite3.Connection, conversation_id: int, when: str, leaf_id: int | None = None) -> None:
    if leaf_id is None:
        conn.execute("UPDATE conversations SET updated = ? WHERE id = ?", (when, conversation_id))
    else:
        conn.execute(
            "UPDATE conversations SET updated = ?, current_leaf_id = ? WHERE id = ?", (when, leaf_id, conversation_id)
        )
