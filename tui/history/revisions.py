"""Replacing a part of an answer and undoing it: every earlier text is kept in `part_revisions`."""

from __future__ import annotations

import sqlite3

from tui.history import rows
from tui.history.models import Part
from tui.history.schema import now


def get_part(conn: sqlite3.Connection, part_id: int) -> Part | None:
    row = conn.execute(f"SELECT {rows.PART_COLUMNS} FROM parts WHERE id = ?", (part_id,)).fetchone()
    return rows.part(row) if row else None


def text_parts(conn: sqlite3.Connection, message_id: int) -> list[Part]:
    return [
        rows.part(r)
        for r in conn.execute(
            f"SELECT {rows.PART_COLUMNS} FROM parts WHERE message_id = ? AND kind = 'text' ORDER BY position",
            (message_id,),
        )
    ]


def replace_part(conn: sqlite3.Connection, part_id: int, content: str, instruction: str | None = None) -> bool:
    row = conn.execute("SELECT content, message_id FROM parts WHERE id = ?", (part_id,)).fetchone()
    if row is None:
        return False
    old, message_id = row
    when = now()
    conn.execute(
        "INSERT INTO part_revisions(part_id, content, instruction, created) VALUES (?, ?, ?, ?)",
        (part_id, old, instruction, when),
    )
    conn.execute("UPDATE parts SET content = ? WHERE id = ?", (content, part_id))
    _changed(conn, message_id, when)
    return True


def undo_part(conn: sqlite3.Connection, part_id: int) -> bool:
    row = conn.execute(
        "SELECT id, content FROM part_revisions WHERE part_id = ? ORDER BY id DESC LIMIT 1", (part_id,)
    ).fetchone()
    if row is None:
        return False
    revision_id, content = row
    conn.execute("UPDATE parts SET content = ? WHERE id = ?", (content, part_id))
    conn.execute("DELETE FROM part_revisions WHERE id = ?", (revision_id,))
    message_id = conn.execute("SELECT message_id FROM parts WHERE id = ?", (part_id,)).fetchone()[0]
    _changed(conn, message_id, now())
    return True


def _changed(conn: sqlite3.Connection, message_id: int, when: str) -> None:
    conn.execute("UPDATE messages SET updated = ? WHERE id = ?", (when, message_id))
    cid = conn.execute("SELECT conversation_id FROM messages WHERE id = ?", (message_id,)).fetchone()[0]
    rows.touch(conn, cid, when)
    rows.reindex(conn, message_id)
