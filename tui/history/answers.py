"""Writing a streamed answer: insert it at its first save, then rewrite only what changed (SQL only).

Called inside one write transaction by `HistoryStore.save_answer`; the caller (the recorder) keeps
the returned `SavedAnswer` and passes it to the next save. A save that fails is rolled back, so the
`SavedAnswer` the caller still holds describes the file exactly.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tui.history import rows
from tui.history.errors import HistoryError
from tui.history.models import AnswerState, CitationRow, PartRow, SavedAnswer, ServerToolRow
from tui.history.schema import now
from tui.history.tree import insert_message, resolve_parent

_UPDATE_PART = (
    "UPDATE parts SET kind = ?, content = ?, tool_name = ?, tool_call_id = ?, arguments = ?, is_error = ? WHERE id = ?"
)
_INSERT_PART = (
    "INSERT INTO parts(message_id, position, kind, content, tool_name, tool_call_id, arguments, "
    "is_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_SERVER_TOOL = (
    "INSERT INTO server_tools(message_id, position, call_id, name, status, query, result_count, results, error, "
    "duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_CITATION = (
    "INSERT INTO citations(message_id, position, number, type, url, title, file_id, filename, cited_text, "
    "start_index, end_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_STATS = (
    "INSERT OR REPLACE INTO stats(message_id, first_token_ms, duration_ms, input_tokens, output_tokens, "
    "tokens_per_second, tokens_estimated, stop_reason, provider, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def save_answer(conn: sqlite3.Connection, answer: AnswerState, saved: SavedAnswer | None, location: str) -> SavedAnswer:
    when = now()
    cid = answer.conversation_id
    if saved is None:
        if conn.execute("SELECT 1 FROM conversations WHERE id = ?", (cid,)).fetchone() is None:
            raise HistoryError(f"no conversation with id {cid} in {location}", "missing")
        parent = resolve_parent(conn, cid, answer.parent_id)
        message_id = insert_message(
            conn, cid, parent, "assistant", "streaming", answer.provider, answer.model, streaming_pid=True
        )
        before: list[PartRow] = []
        ids: list[int] = []
        text_changed = True
    else:
        message_id = saved.message_id
        before, ids = list(saved.parts), list(saved.part_ids)
        text_changed = False
    parts = answer.parts
    for position, row in enumerate(parts):
        if position < len(before):
            if before[position] != row:
                conn.execute(_UPDATE_PART, (*row, ids[position]))
                text_changed = text_changed or row.kind == "text" or before[position].kind == "text"
                before[position] = row
        else:
            cursor = conn.execute(_INSERT_PART, (message_id, position, *row))
            ids.append(_rowid(cursor))
            before.append(row)
            text_changed = text_changed or row.kind == "text"
    if len(before) > len(parts):
        conn.executemany("DELETE FROM parts WHERE id = ?", [(i,) for i in ids[len(parts) :]])
        text_changed = True
        del before[len(parts) :], ids[len(parts) :]
    server_tools = _replace_rows(
        conn, "server_tools", _INSERT_SERVER_TOOL, message_id, answer.server_tools, saved.server_tools if saved else ()
    )
    citations = _replace_rows(
        conn, "citations", _INSERT_CITATION, message_id, answer.citations, saved.citations if saved else ()
    )
    final = answer.final
    conn.execute(
        "UPDATE messages SET status = ?, updated = ?, provider = coalesce(provider, ?), "
        "model = coalesce(?, model), error = ?, writer_pid = CASE WHEN ? THEN NULL ELSE writer_pid END "
        "WHERE id = ?",
        (answer.status, when, answer.provider, answer.model, answer.error, final, message_id),
    )
    if text_changed:
        rows.reindex(conn, message_id, "".join(row.content for row in parts if row.kind == "text"))
    stats = answer.stats
    if stats is not None:
        conn.execute(
            _STATS,
            (
                message_id,
                stats.get("first_token_ms"),
                stats.get("total_duration_ms"),
                stats.get("input_tokens"),
                stats.get("output_tokens"),
                stats.get("tokens_per_second"),
                stats.get("tokens_estimated"),
                stats.get("stop_reason"),
                answer.provider,
                answer.model,
            ),
        )
    rows.touch(conn, cid, when)
    if final:
        conn.execute(
            "UPDATE conversations SET provider = coalesce(provider, ?), model = coalesce(model, ?) WHERE id = ?",
            (answer.provider, answer.model, cid),
        )
    return SavedAnswer(message_id, tuple(before), tuple(ids), server_tools, citations)


def _replace_rows(
    conn: sqlite3.Connection,
    table: str,
    insert: str,
    message_id: int,
    rows: tuple[ServerToolRow, ...] | tuple[CitationRow, ...],
    before: tuple[ServerToolRow, ...] | tuple[CitationRow, ...],
) -> tuple[Any, ...]:
    """The answer's hosted calls or citations: few and small, so a change rewrites them all."""
    if rows != before:
        conn.execute(f"DELETE FROM {table} WHERE message_id = ?", (message_id,))
        conn.executemany(insert, [(message_id, position, *row) for position, row in enumerate(rows)])
    return tuple(rows)


def _rowid(cursor: sqlite3.Cursor) -> int:
    if cursor.lastrowid is None:  # pragma: no cover - sqlite3 always sets it after an INSERT
        raise HistoryError("the database did not return the new row's id", "error")
    return cursor.lastrowid
