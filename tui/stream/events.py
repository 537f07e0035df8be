"""The one vocabulary every layer above the providers speaks.

A provider turns its wire format into these events; processors, the accumulator, stats, handlers,
the history writer and the app only ever see `StreamEvent`s, so adding a provider is one new file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum
from typing import Any


class StreamEventType(str, Enum):  # noqa: UP042 - StrEnum would change str(member), a public behaviour
    START = "start"  # metadata: provider, model, id (whatever the provider knows up front)
    DELTA = "delta"  # content: answer text
    THINKING = "thinking"  # content: reasoning text
    TOOL_CALL_START = "tool_call_start"  # index: call position; metadata: id, name
    TOOL_CALL_DELTA = "tool_call_delta"  # index: call position; content: argument JSON text
    TOOL_CALL = "tool_call"  # index; metadata: id, name, arguments (dict), arguments_raw (str)
    TOOL_RESULT = "tool_result"  # index; content: result text; metadata: id, name, is_error
    METADATA = "metadata"  # metadata: any of usage, stop_reason, model, id, refusal
    # tools the provider runs itself and the citations it adds (their metadata: tui/stream/hosted.py)
    HOSTED_TOOL_START = "hosted_tool_start"  # index: call ordinal; metadata: id, name, query?, input?
    HOSTED_TOOL_PROGRESS = "hosted_tool_progress"  # metadata: id, phase, query?; content: code text
    HOSTED_TOOL_DONE = "hosted_tool_done"  # metadata: id, status, query?, results?, result_count?, error?
    CITATION = "citation"  # metadata: type, url, title, file_id, filename, cited_text, start/end_index
    ERROR = "error"  # content: one-line message; metadata: type, error (exception, if any)
    END = "end"  # metadata: complete (bool): the protocol's terminator was seen


@dataclass(slots=True, init=False)
class StreamEvent:
    """One event of a stream: its `type`, its text (`content`), an `index`, `metadata` and a timestamp.

    The seed API's names work too: `event_type` is `type`; `delta` is the new text this event
    brings, which is what `content` holds here (an event carries only its own piece: the text so far
    is the run's `snapshot.text`, or a handler's `buffer.content`); `is_content` is True for answer
    text (DELTA); `to_dict()` gives a JSON-ready dict. `StreamEvent(event_type=..., delta=...)`
    constructs one the seed's way.
    """

    type: StreamEventType
    content: str
    index: int
    metadata: dict[str, Any] | None
    timestamp: float

    def __init__(
        self,
        type: StreamEventType | str | None = None,
        content: str = "",
        index: int = 0,
        metadata: dict[str, Any] | None = None,
        timestamp: float | None = None,
        *,
        event_type: StreamEventType | str | None = None,
        delta: str | None = None,
    ) -> None:
        if type.__class__ is not StreamEventType:  # the hot path passes the enum member itself
            type = _event_type(type, event_type)
        self.type = type
        self.content = content if delta is None else delta
        self.index = index
        self.metadata = metadata
        self.timestamp = _monotonic() if timestamp is None else timestamp

    def meta(self, key: str, default: Any = None) -> Any:
        return default if self.metadata is None else self.metadata.get(key, default)

    # -- the seed API's names ------------------------------------------------------------------
    @property
    def event_type(self) -> StreamEventType:
        """The seed's name for `type`."""
        return self.type

    @event_type.setter
    def event_type(self, value: StreamEventType | str) -> None:
        self.type = StreamEventType(value)

    @property
    def delta(self) -> str:
        """The new text this event brings (answer text, thinking, tool-call arguments): `content`."""
        return self.content

    @delta.setter
    def delta(self, value: str) -> None:
        self.content = value

    @property
    def is_content(self) -> bool:
        """True for a piece of the answer's text (DELTA); thinking and tool calls are not content."""
        return self.type is StreamEventType.DELTA

    def to_dict(self) -> dict[str, Any]:
        """The event as plain JSON-ready data (an exception in the metadata becomes its message)."""
        return {
            "event_type": self.type.value,
            "content": self.content,
            "delta": self.content,
            "index": self.index,
            "metadata": _plain(self.metadata),
            "timestamp": self.timestamp,
        }


_monotonic = time.monotonic


def _event_type(given: StreamEventType | str | None, seed_name: StreamEventType | str | None) -> StreamEventType:
    kind = given if given is not None else seed_name
    if kind is None:
        raise TypeError("StreamEvent needs a type (or event_type)")
    return StreamEventType(kind)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    message = getattr(value, "message", None)
    return message if isinstance(message, str) else str(value)


def text_event(text: str) -> StreamEvent:
    return StreamEvent(StreamEventType.DELTA, text)


TEXT_TYPES = frozenset({StreamEventType.DELTA, StreamEventType.THINKING})
HOSTED_TOOL_TYPES = frozenset(
    {StreamEventType.HOSTED_TOOL_START, StreamEventType.HOSTED_TOOL_PROGRESS, StreamEventType.HOSTED_TOOL_DONE}
)
