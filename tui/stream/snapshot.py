"""Folding a stream of events into the message it describes.

The accumulator is the single place that decides what a stream *means* (text, thinking, tool calls,
usage, stop reason, error, completeness), so the print mode, the library, the history and the app
can never disagree about the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jiter

from tui.stream.events import HOSTED_TOOL_TYPES, StreamEvent, StreamEventType
from tui.stream.hosted import INCOMPLETE, RUNNING, Citation, ServerToolCall, add_citation, fold_hosted_event
from tui.stream.messages import Message, ToolCall


def parse_arguments(raw: str) -> dict[str, Any]:
    """Tool arguments as an object: `{}` for empty text, else the longest prefix that parses.

    A call cut off by `max_tokens` keeps what arrived whole; an incomplete trailing string is
    dropped rather than guessed at.
    """
    if not raw or not raw.strip():
        return {}
    try:
        value = jiter.from_json(raw.encode(), partial_mode=True)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {"value": value}


@dataclass
class ToolCallState:
    id: str = ""
    name: str = ""
    arguments_raw: list[str] = field(default_factory=list)
    arguments: dict[str, Any] | None = None  # set once the provider says the call is complete
    result: str | None = None
    is_error: bool = False

    @property
    def raw(self) -> str:
        return "".join(self.arguments_raw)

    def to_tool_call(self) -> ToolCall:
        raw = self.raw
        args = self.arguments if self.arguments is not None else parse_arguments(raw)
        return ToolCall(id=self.id, name=self.name, arguments=args, arguments_raw=raw)


class MessageSnapshot:
    """The answer so far. Cheap to update per event; text is joined only when read."""

    __slots__ = (
        "_text",
        "_thinking",
        "_text_cache",
        "_thinking_cache",
        "_text_new",
        "_thinking_new",
        "_calls",
        "usage",
        "stop_reason",
        "error",
        "complete",
        "ended",
        "model",
        "response_id",
        "refusal",
        "provider",
        "server_tools",
        "citations",
        "_servers",
    )

    def __init__(self) -> None:
        self._text: list[str] = []
        self._thinking: list[str] = []
        self._text_cache: str | None = ""
        self._thinking_cache: str | None = ""
        self._text_new = 0  # pieces appended since the last compaction (see _COMPACT)
        self._thinking_new = 0
        self._calls: dict[int, ToolCallState] = {}
        self.usage: dict[str, int] | None = None
        self.stop_reason: str | None = None
        self.error: dict[str, Any] | None = None
        self.complete = False
        self.ended = False
        self.model: str | None = None
        self.response_id: str | None = None
        self.refusal: str | None = None
        self.provider: str | None = None
        self.server_tools: list[ServerToolCall] = []  # provider-run tools (web search, ...), in start order
        self.citations: list[Citation] = []  # in arrival order, each numbered by its source
        self._servers: dict[str, ServerToolCall] = {}

    # -- reading ---------------------------------------------------------------------------
    @property
    def text(self) -> str:
        if self._text_cache is None:
            self._text_cache = "".join(self._text)
            self._text = [self._text_cache]
        return self._text_cache

    @property
    def thinking(self) -> str:
        if self._thinking_cache is None:
            self._thinking_cache = "".join(self._thinking)
            self._thinking = [self._thinking_cache]
        return self._thinking_cache

    @property
    def tool_calls(self) -> list[ToolCall]:
        return [state.to_tool_call() for _, state in sorted(self._calls.items())]

    def tool_call_state(self, index: int) -> ToolCallState | None:
        return self._calls.get(index)

    @property
    def has_content(self) -> bool:
        return bool(self._calls or self.server_tools or self.text or self.thinking)

    def to_message(self) -> Message:
        return Message(role="assistant", content=self.text, thinking=self.thinking, tool_calls=self.tool_calls)

    def to_dict(self) -> dict[str, Any]:
        """The shape of the conformance corpus' `expected.json` files and of `rill -p --json`."""
        return {
            "text": self.text,
            "thinking": self.thinking,
            "tool_calls": [call.to_dict() for call in self.tool_calls],
            "usage": dict(self.usage) if self.usage is not None else None,
            "stop_reason": self.stop_reason,
            "error": {"type": self.error.get("type"), "message": self.error.get("message")} if self.error else None,
            "complete": self.complete,
            "server_tools": [call.to_dict() for call in self.server_tools],
            "citations": [citation.to_dict() for citation in self.citations],
        }

    # -- folding ---------------------------------------------------------------------------
    def apply(self, event: StreamEvent) -> None:
        kind = event.type
        if kind is StreamEventType.DELTA:
            if event.content:
                self._text.append(event.content)
                self._text_cache = None
                self._text_new += 1
                if self._text_new >= _COMPACT:
                    _compact(self._text)
                    self._text_new = 0
        elif kind is StreamEventType.THINKING:
            if event.content:
                self._thinking.append(event.content)
                self._thinking_cache = None
                self._thinking_new += 1
                if self._thinking_new >= _COMPACT:
                    _compact(self._thinking)
                    self._thinking_new = 0
        elif kind is StreamEventType.TOOL_CALL_DELTA:
            self._call(event.index).arguments_raw.append(event.content)
        elif kind is StreamEventType.TOOL_CALL_START:
            call = self._call(event.index)
            call.id = event.meta("id") or call.id
            call.name = event.meta("name") or call.name
        elif kind is StreamEventType.TOOL_CALL:
            call = self._call(event.index)
            call.id = event.meta("id") or call.id
            call.name = event.meta("name") or call.name
            raw = event.meta("arguments_raw")
            if raw is not None and raw != call.raw:
                call.arguments_raw = [raw]
            args = event.meta("arguments")
            call.arguments = args if isinstance(args, dict) else parse_arguments(call.raw)
        elif kind is StreamEventType.TOOL_RESULT:
            call = self._call(event.index)
            call.result = event.content
            call.is_error = bool(event.meta("is_error"))
        elif kind is StreamEventType.METADATA:
            self._apply_metadata(event.metadata or {})
        elif kind in HOSTED_TOOL_TYPES:
            self._hosted(event)
        elif kind is StreamEventType.CITATION:
            add_citation(self.citations, event.metadata or {})
        elif kind is StreamEventType.START:
            meta = event.metadata or {}
            self.provider = meta.get("provider", self.provider)
            self._apply_metadata(meta)
        elif kind is StreamEventType.ERROR:
            self.error = {"type": event.meta("type"), "message": event.content, "exception": event.meta("error")}
            self.complete = False
        elif kind is StreamEventType.END:
            self.ended = True
            self.complete = bool(event.meta("complete")) and self.error is None
            if not self.complete:
                for server in self.server_tools:
                    if server.status == RUNNING:
                        server.end(INCOMPLETE, event.timestamp)  # cut off mid-call

    def _call(self, index: int) -> ToolCallState:
        call = self._calls.get(index)
        if call is None:
            call = self._calls[index] = ToolCallState()
        return call

    def _hosted(self, event: StreamEvent) -> None:
        call, new = fold_hosted_event(self._servers, event, event.timestamp)
        if new:
            self.server_tools.append(call)

    def _apply_metadata(self, meta: dict[str, Any]) -> None:
        if meta.get("usage") is not None:
            self.usage = dict(meta["usage"])
        if meta.get("stop_reason") is not None:
            self.stop_reason = meta["stop_reason"]
        if meta.get("model"):
            self.model = meta["model"]
        if meta.get("id"):
            self.response_id = meta["id"]
        if meta.get("refusal"):
            self.refusal = (self.refusal or "") + meta["refusal"]


_COMPACT = 256  # join every run of this many small pieces, so 100k deltas are not 100k str objects


def _compact(parts: list[str]) -> None:
    parts[-_COMPACT:] = ["".join(parts[-_COMPACT:])]


def accumulate(events: Iterable[StreamEvent]) -> MessageSnapshot:
    """Fold a finished iterable of events (handy in tests and scripts)."""
    snapshot = MessageSnapshot()
    for event in events:
        snapshot.apply(event)
    return snapshot
