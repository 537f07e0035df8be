"""Progressive saving of one assistant answer while it streams.

`feed(event)` is called for every event a `StreamRun` (or `ChatStream`) delivers and must stay cheap:
it only appends to in-memory segments. The answer is inserted (status `streaming`) at its first
token and saved at most every `save_interval` seconds, each save one transaction that rewrites only
the parts that changed, so a crash or `kill -9` loses at most the last interval. `finish(state,
stats)` makes the final save with the answer's status and stats.

A failed save (disk full, locked file) never raises into the stream: `error` holds the
`HistoryError`, the text stays in memory (`snapshot`, `text`), and the next save tries again.

Parts are kept in arrival order: thinking, text blocks, tool calls and tool results of every round
of a tool-using exchange belong to the one answer, so the transcript can be rebuilt exactly.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from tui.history import rows
from tui.history.errors import HistoryError, redact
from tui.history.messages import insert_message, resolve_parent
from tui.history.parts import BlockSplitter
from tui.history.schema import now
from tui.stream.control import StreamState
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.snapshot import MessageSnapshot, parse_arguments

if TYPE_CHECKING:
    from tui.history.store import HistoryStore

FINAL_STATUS = {
    StreamState.COMPLETED: "complete",
    StreamState.CANCELLED: "cancelled",
    StreamState.INTERRUPTED: "interrupted",
    StreamState.FAILED: "failed",
}

PROGRESS_TIMEOUT = 0.1  # seconds a progressive save waits for another writer before skipping a beat

_CONTENT = (StreamEventType.DELTA, StreamEventType.THINKING, StreamEventType.TOOL_CALL_START,
            StreamEventType.TOOL_CALL_DELTA, StreamEventType.TOOL_CALL, StreamEventType.TOOL_RESULT)


class _Segment:
    """A run of one kind of content, in arrival order."""

    __slots__ = ("kind", "chunks", "splitter", "name", "call_id", "arguments", "is_error")

    def __init__(self, kind: str) -> None:
        self.kind = kind  # text, thinking, tool_call, tool_result
        self.chunks: list[str] = []
        self.splitter = BlockSplitter() if kind == "text" else None
        self.name: str | None = None
        self.call_id: str | None = None
        self.arguments: dict | None = None
        self.is_error = False

    def content(self) -> str:
        if len(self.chunks) > 1:
            self.chunks = ["".join(self.chunks)]
        return self.chunks[0] if self.chunks else ""

    def parts(self) -> list[tuple]:
        """(kind, content, tool_name, tool_call_id, arguments, is_error) rows for this segment."""
        text = self.content()
        if self.kind == "text":
            return [("text", block, None, None, None, 0) for block in self.splitter.split(text)]
        if self.kind == "tool_call":
            args = self.arguments if self.arguments is not None else parse_arguments(text)
            return [("tool_call", text, self.name, self.call_id, json.dumps(args), 0)]
        if self.kind == "tool_result":
            return [("tool_result", text, self.name, self.call_id, None, int(self.is_error))]
        return [(self.kind, text, None, None, None, 0)] if text else []


class AnswerRecorder:
    def __init__(self, store: HistoryStore, cid: Any, parent_id: Any = None, *, provider: str | None = None,
                 model: str | None = None, save_interval: float = 0.25, clock=time.monotonic) -> None:
        self.store = store
        self.conversation_id = rows.as_id(cid)
        self.parent_id = parent_id
        self.provider = provider
        self.model = model
        self.save_interval = save_interval
        self.snapshot = MessageSnapshot()  # the whole answer in memory, whatever happens to the file
        self.message_id: int | None = None
        self.error: HistoryError | None = None  # the last failed save (None once a later save worked)
        self.failures = 0  # saves that did not happen (each is retried by the next one)
        self.skipped = 0  # progressive saves skipped because another writer held the lock briefly
        self._locked_since: float | None = None
        self.saves = 0
        self.status = "streaming"
        self._clock = clock
        self._segments: list[_Segment] = []
        self._calls: dict[tuple[int, int], _Segment] = {}
        self._round = 0
        self._round_has_result = False
        self._saved: list[tuple] = []  # what each position held at the last successful save
        self._part_ids: list[int] = []
        self._dirty = False
        self._last_save = 0.0
        self._attempted = False
        self._finished = False

    # -- feeding -----------------------------------------------------------------------------
    @property
    def text(self) -> str:
        return self.snapshot.text

    def feed(self, event: StreamEvent) -> None:
        self.snapshot.apply(event)
        kind = event.type
        if kind is StreamEventType.START:
            self.provider = self.provider or event.meta("provider")
            self.model = event.meta("model") or self.model
            if self._segments:
                self._new_round()
            return
        if kind is StreamEventType.METADATA:
            self.model = event.meta("model") or self.model
            return
        if kind not in _CONTENT:
            return
        if self._round_has_result and kind is not StreamEventType.TOOL_RESULT:
            self._new_round()
        if kind is StreamEventType.DELTA or kind is StreamEventType.THINKING:
            if not event.content:
                return
            name = "text" if kind is StreamEventType.DELTA else "thinking"
            segment = self._segments[-1] if self._segments else None
            if segment is None or segment.kind != name:
                segment = _Segment(name)
                self._segments.append(segment)
            segment.chunks.append(event.content)
        elif kind is StreamEventType.TOOL_RESULT:
            self._round_has_result = True
            segment = _Segment("tool_result")
            call = self._calls.get((self._round, event.index))
            segment.call_id = event.meta("id") or (call.call_id if call else None)
            segment.name = event.meta("name") or (call.name if call else None)
            segment.is_error = bool(event.meta("is_error"))
            segment.chunks.append(event.content)
            self._segments.append(segment)
        else:
            call = self._call(event.index)
            call.call_id = event.meta("id") or call.call_id
            call.name = event.meta("name") or call.name
            if kind is StreamEventType.TOOL_CALL_DELTA:
                call.chunks.append(event.content)
            elif kind is StreamEventType.TOOL_CALL:
                raw = event.meta("arguments_raw")
                if raw is not None:
                    call.chunks = [raw]
                args = event.meta("arguments")
                call.arguments = args if isinstance(args, dict) else None
        self._dirty = True
        if not self._attempted or self._clock() - self._last_save >= self.save_interval:
            self.save(timeout=PROGRESS_TIMEOUT)

    def _new_round(self) -> None:
        self._round += 1
        self._round_has_result = False

    def _call(self, index: int) -> _Segment:
        key = (self._round, index)
        call = self._calls.get(key)
        if call is None:
            call = self._calls[key] = _Segment("tool_call")
            self._segments.append(call)
        return call

    # -- saving ------------------------------------------------------------------------------
    def flush(self) -> bool:
        """Save now if anything is unsaved (call it when the stream pauses). False if the save failed."""
        if self._dirty or (self.message_id is None and self._segments):
            return self.save()
        return self.error is None

    def save(self, status: str | None = None, stats: dict | None = None, error_text: str | None = None,
             timeout: float | None = None) -> bool:
        """Write what changed since the last save in one transaction. Never raises."""
        self._last_save = self._clock()
        self._attempted = True
        parts = [row for segment in self._segments for row in segment.parts()]
        if self.message_id is None and not parts:
            return True  # nothing arrived: a failure before the first token leaves no answer behind
        try:
            with self.store._connections.write(timeout) as conn:
                adopted = self._write(conn, parts, status, stats, error_text)
        except HistoryError as exc:
            # rolled back: the file still holds the last good save, and so does our idea of it
            self.failures += 1
            if exc.kind == "locked" and timeout is not None:
                # another writer held the lock for a moment: skip this beat, the next save catches
                # up; only a lock that lasts longer than the store's timeout is worth reporting
                self.skipped += 1
                if self._locked_since is None:
                    self._locked_since = self._clock()
                if self._clock() - self._locked_since < self.store.timeout:
                    return False
            self.error = exc
            return False
        self.message_id, self._saved, self._part_ids = adopted
        self._locked_since = None
        self.error = None
        self._dirty = False
        self.saves += 1
        return True

    def _write(self, conn, parts: list[tuple], status: str | None, stats: dict | None,
               error_text: str | None) -> tuple[int, list[tuple], list[int]]:
        when = now()
        inserted = False
        if self.message_id is None:
            cid = self.conversation_id
            if cid is None or conn.execute("SELECT 1 FROM conversations WHERE id = ?", (cid,)).fetchone() is None:
                raise HistoryError(f"no conversation with id {cid} in {self.store.path}", "missing")
            parent = resolve_parent(conn, cid, self.parent_id)
            message_id = insert_message(conn, cid, parent, "assistant", "streaming", self.provider, self.model,
                                        streaming_pid=True)
            inserted = True
        else:
            message_id = self.message_id
        saved, ids = list(self._saved), list(self._part_ids)
        text_changed = inserted
        for position, row in enumerate(parts):
            if position < len(saved):
                if saved[position] != row:
                    conn.execute("UPDATE parts SET kind = ?, content = ?, tool_name = ?, tool_call_id = ?, "
                                 "arguments = ?, is_error = ? WHERE id = ?", (*row, ids[position]))
                    text_changed = text_changed or row[0] == "text" or saved[position][0] == "text"
                    saved[position] = row
            else:
                ids.append(conn.execute(
                    "INSERT INTO parts(message_id, position, kind, content, tool_name, tool_call_id, arguments, "
                    "is_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (message_id, position, *row)).lastrowid)
                saved.append(row)
                text_changed = text_changed or row[0] == "text"
        if len(saved) > len(parts):
            conn.executemany("DELETE FROM parts WHERE id = ?", [(i,) for i in ids[len(parts):]])
            text_changed = True
            del saved[len(parts):], ids[len(parts):]
        final = status is not None
        conn.execute("UPDATE messages SET status = ?, updated = ?, provider = coalesce(provider, ?), "
                     "model = coalesce(?, model), error = ?, writer_pid = CASE WHEN ? THEN NULL ELSE writer_pid END "
                     "WHERE id = ?", (status or "streaming", when, self.provider, self.model, error_text, final,
                                      message_id))
        if text_changed:
            rows.reindex(conn, message_id, "".join(row[1] for row in parts if row[0] == "text"))
        if stats is not None:
            conn.execute("INSERT OR REPLACE INTO stats(message_id, first_token_ms, duration_ms, input_tokens, "
                         "output_tokens, tokens_per_second, tokens_estimated, stop_reason, provider, model) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (message_id, stats.get("first_token_ms"), stats.get("total_duration_ms"),
                          stats.get("input_tokens"), stats.get("output_tokens"), stats.get("tokens_per_second"),
                          stats.get("tokens_estimated"), stats.get("stop_reason"), self.provider, self.model))
        rows.touch(conn, self.conversation_id, when)
        if final:
            conn.execute("UPDATE conversations SET provider = coalesce(provider, ?), model = coalesce(model, ?) "
                         "WHERE id = ?", (self.provider, self.model, self.conversation_id))
        return message_id, saved, ids

    # -- the end -----------------------------------------------------------------------------
    def finish(self, state: StreamState | str, stats: Any = None) -> bool:
        """Final save: status from the stream's end state, and the answer's stats. Never raises;
        False (with `error` set) when the save failed. Without a single token nothing is written."""
        status = FINAL_STATUS.get(state, state if isinstance(state, str) else "failed") \
            if isinstance(state, (StreamState, str)) else "failed"
        if isinstance(state, StreamState) and state not in FINAL_STATUS:
            status = "interrupted"
        self.status = status
        self._finished = True
        numbers = stats.as_dict() if hasattr(stats, "as_dict") else (dict(stats) if stats else {})
        if numbers and numbers.get("stop_reason") is None:
            numbers["stop_reason"] = self.snapshot.stop_reason
        error_text = redact((self.snapshot.error or {}).get("message")) if status in ("failed", "interrupted") \
            else None
        return self.save(status=status, stats=numbers or None, error_text=error_text)
