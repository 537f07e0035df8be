"""Folding a streamed answer into the parts history keeps (pure: no SQL, no I/O, no clock).

The stream's own accumulator (`MessageSnapshot`) decides what the answer *means* (text, thinking,
tool calls, usage, stop reason, error); this fold adds what only history needs: the parts in arrival
order. Thinking, text blocks, tool calls and tool results of every round of a tool-using exchange
belong to the one answer, in the order they came, so the transcript can be rebuilt exactly; the text
is split into blocks (`BlockSplitter`) as it grows.
"""

from __future__ import annotations

import json
from typing import Any

from tui.history.models import AnswerState, CitationRow, Part, PartRow, ServerToolRow
from tui.history.parts import BlockSplitter
from tui.stream.control import StreamState
from tui.stream.events import HOSTED_TOOL_TYPES, StreamEvent, StreamEventType
from tui.stream.snapshot import MessageSnapshot, parse_arguments

FINAL_STATUS = {
    StreamState.COMPLETED: "complete",
    StreamState.CANCELLED: "cancelled",
    StreamState.INTERRUPTED: "interrupted",
    StreamState.FAILED: "failed",
}

_E = StreamEventType
_CONTENT = frozenset({_E.DELTA, _E.THINKING, _E.TOOL_CALL_START, _E.TOOL_CALL_DELTA, _E.TOOL_CALL, _E.TOOL_RESULT})
# hosted calls and citations are rows of their own (the snapshot keeps them): they change the answer, not its parts
_HOSTED = HOSTED_TOOL_TYPES | {_E.CITATION}


def final_status(state: StreamState | str | None) -> str:
    """The stored status for a stream's end state ("interrupted" for a state that is no end)."""
    if isinstance(state, str) and not isinstance(state, StreamState):
        try:
            state = StreamState(state)
        except ValueError:
            return state or "failed"  # already a stored status ("complete", ...)
    if isinstance(state, StreamState):
        return FINAL_STATUS.get(state, "interrupted")
    return "failed"


class _Segment:
    """A run of one kind of content, in arrival order."""

    __slots__ = ("kind", "chunks", "splitter", "name", "call_id", "arguments", "is_error")

    def __init__(self, kind: str) -> None:
        self.kind = kind  # text, thinking, tool_call, tool_result
        self.chunks: list[str] = []
        self.splitter = BlockSplitter() if kind == "text" else None
        self.name: str | None = None
        self.call_id: str | None = None
        self.arguments: dict[str, Any] | None = None
        self.is_error = False

    def content(self) -> str:
        if len(self.chunks) > 1:
            self.chunks = ["".join(self.chunks)]
        return self.chunks[0] if self.chunks else ""

    def parts(self) -> list[PartRow]:
        text = self.content()
        if self.splitter is not None:
            return [PartRow("text", block) for block in self.splitter.split(text)]
        if self.kind == "tool_call":
            args = self.arguments if self.arguments is not None else parse_arguments(text)
            return [PartRow("tool_call", text, self.name, self.call_id, json.dumps(args))]
        if self.kind == "tool_result":
            return [PartRow("tool_result", text, self.name, self.call_id, None, int(self.is_error))]
        return [PartRow(self.kind, text)] if text else []


class AnswerFold:
    """One answer's events folded into parts; `state(...)` is what a save writes."""

    def __init__(self, *, provider: str | None = None, model: str | None = None) -> None:
        self.provider = provider
        self.model = model
        self.snapshot = MessageSnapshot()  # the whole answer in memory, whatever happens to the file
        self._segments: list[_Segment] = []
        self._calls: dict[tuple[int, int], _Segment] = {}
        self._round = 0
        self._round_has_result = False

    @property
    def has_parts(self) -> bool:
        """Anything to save: parts, or a hosted call (a search cut off before any text is kept too)."""
        return bool(self._segments or self.snapshot.server_tools)

    def feed(self, event: StreamEvent) -> bool:
        """Fold one event; True when the answer's parts changed."""
        self.snapshot.apply(event)
        kind = event.type
        if kind is _E.START:
            self.provider = self.provider or event.meta("provider")
            self.model = event.meta("model") or self.model
            if self._segments:
                self._new_round()
            return False
        if kind is _E.METADATA:
            self.model = event.meta("model") or self.model
            return False
        if kind in _HOSTED:
            return True
        if kind not in _CONTENT:
            return False
        if self._round_has_result and kind is not _E.TOOL_RESULT:
            self._new_round()
        if kind is _E.DELTA or kind is _E.THINKING:
            if not event.content:
                return False
            name = "text" if kind is _E.DELTA else "thinking"
            segment = self._segments[-1] if self._segments else None
            if segment is None or segment.kind != name:
                segment = _Segment(name)
                self._segments.append(segment)
            segment.chunks.append(event.content)
        elif kind is _E.TOOL_RESULT:
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
            if kind is _E.TOOL_CALL_DELTA:
                call.chunks.append(event.content)
            elif kind is _E.TOOL_CALL:
                raw = event.meta("arguments_raw")
                if raw is not None:
                    call.chunks = [raw]
                args = event.meta("arguments")
                call.arguments = args if isinstance(args, dict) else None
        return True

    def seed(self, parts: list[Part]) -> None:
        """Start from a saved answer's parts (a continuation): new text carries on its last text part."""
        for part in sorted(parts, key=lambda p: p.position):
            last = self._segments[-1] if self._segments else None
            if part.kind in ("text", "thinking") and last is not None and last.kind == part.kind:
                last.chunks.append(part.content)
                continue
            segment = _Segment(part.kind)
            segment.chunks.append(part.content)
            segment.name, segment.call_id, segment.is_error = part.tool_name, part.tool_call_id, part.is_error
            if part.kind == "tool_call":
                segment.arguments = part.arguments_dict
            self._segments.append(segment)
        if self._segments:
            self._new_round()  # the saved answer's calls are done: new calls never merge into them

    def parts(self) -> tuple[PartRow, ...]:
        return tuple(row for segment in self._segments for row in segment.parts())

    def state(
        self,
        conversation_id: int,
        parent_id: Any = None,
        *,
        status: str = "streaming",
        stats: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> AnswerState:
        snapshot = self.snapshot
        return AnswerState(
            conversation_id,
            self.parts(),
            parent_id,
            status,
            self.provider,
            self.model,
            stats,
            error,
            tuple(ServerToolRow.of(call) for call in snapshot.server_tools),
            tuple(CitationRow.of(citation) for citation in snapshot.citations),
        )

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
