"""Folding tool-call events into the rows of the tool-activity pane (no UI, no threads).

Rows are found by call id when the provider gives one, else by index within the current round (a
new round starts at each START event), so arguments stream into the right row and a result finds
its call. Durations are measured on the given clock, from "arguments complete" to "result here".
"""

from __future__ import annotations

import json
from collections.abc import Callable

from tui.app.updates import ToolRow
from tui.stream import StreamEvent, StreamEventType, StreamState
from tui.stream.events import HOSTED_TOOL_TYPES
from tui.stream.hosted import FAILED, INCOMPLETE, RUNNING, ServerToolCall, fold_hosted_event
from tui.stream.sanitize import sanitize


def hosted_row(key: str, call: ServerToolCall) -> ToolRow:
    """A provider-run call as a pane row: its query as the arguments, "3 results" (or what failed) as
    the result; cut off mid-call it is "aborted", like a local tool the stream's end cut off."""
    status = {RUNNING: "running", FAILED: "failed", INCOMPLETE: "aborted"}.get(call.status, "done")
    return ToolRow(
        key=key,
        name=sanitize(call.name),
        arguments=sanitize(call.query),
        status=status,
        duration_ms=call.duration_ms,
        result=sanitize(call.summary()),
    )


class ToolRows:
    def __init__(self, prefix: str, clock: Callable[[], float]) -> None:
        self.prefix = prefix  # makes row keys unique across streams
        self.clock = clock
        self.rows: list[ToolRow] = []
        self.dirty = False
        self._round = 0
        self._by_id: dict[str, ToolRow] = {}
        self._by_index: dict[int, ToolRow] = {}
        self._started: dict[str, float] = {}
        self._calls_hosted: dict[str, ServerToolCall] = {}  # provider-run calls by id
        self._hosted: dict[int, ToolRow] = {}  # ... and their rows

    def new_round(self) -> None:
        self._round += 1
        self._by_index = {}

    def apply_hosted(self, event: StreamEvent) -> None:
        """A hosted tool's start, progress or end: one row per call id, timed on this clock."""
        call, new = fold_hosted_event(self._calls_hosted, event, self.clock())
        if new:
            row = ToolRow(key=f"{self.prefix}-{self._round}-hosted-{len(self._hosted)}")
            self.rows.append(row)
            self._hosted[id(call)] = row
        self._show_hosted(call)

    def _show_hosted(self, call: ServerToolCall) -> None:
        row = self._hosted[id(call)]
        fresh = hosted_row(row.key, call)
        row.name, row.arguments, row.status = fresh.name, fresh.arguments, fresh.status
        row.duration_ms, row.result = fresh.duration_ms, fresh.result
        self.dirty = True

    def apply(self, event: StreamEvent) -> None:
        kind = event.type
        if kind in HOSTED_TOOL_TYPES:
            self.apply_hosted(event)
            return
        call_id = event.meta("id")
        row = self._by_id.get(call_id) if call_id else None
        if row is None:
            row = self._by_index.get(event.index)
        if row is None or (kind is StreamEventType.TOOL_CALL_START and row.status != "running"):
            row = ToolRow(key=f"{self.prefix}-{self._round}-{event.index}")
            self.rows.append(row)
            self._by_index[event.index] = row
        if call_id:
            self._by_id[call_id] = row
        row.name = sanitize(event.meta("name") or row.name)
        if kind is StreamEventType.TOOL_CALL_DELTA:
            row.arguments = sanitize(row.arguments + event.content)
        elif kind is StreamEventType.TOOL_CALL:
            args = event.meta("arguments")
            raw = event.meta("arguments_raw") or row.arguments
            row.arguments = sanitize(json.dumps(args, indent=2, ensure_ascii=False) if isinstance(args, dict) else raw)
            self._started[row.key] = self.clock()
        elif kind is StreamEventType.TOOL_RESULT:
            row.result = sanitize(event.content)
            row.status = "failed" if event.meta("is_error") else "done"
            started = self._started.get(row.key)
            row.duration_ms = (self.clock() - started) * 1000 if started is not None else event.meta("duration_ms")
        self.dirty = True

    def finish(self, state: StreamState, tools_run: bool) -> None:
        """Calls still running when the stream ends were aborted (or never meant to run)."""
        for call in self._calls_hosted.values():
            if call.status == RUNNING:  # the provider's own call was cut off with the stream
                call.end(INCOMPLETE, self.clock())
                self._show_hosted(call)
        for row in self.rows:
            if row.status == "running":
                row.status = "aborted" if state is not StreamState.COMPLETED or tools_run else "not run"
                self.dirty = True

    def take(self) -> list[ToolRow] | None:
        """Copies of the rows if anything changed since the last take (they cross a thread)."""
        if not self.dirty:
            return None
        self.dirty = False
        return [ToolRow(**vars(row)) for row in self.rows]
