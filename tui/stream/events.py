"""The one vocabulary every layer above the providers speaks.

A provider turns its wire format into these events; processors, the accumulator, stats, handlers,
the history writer and the app only ever see `StreamEvent`s, so adding a provider is one new file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
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
    ERROR = "error"  # content: one-line message; metadata: type, error (exception, if any)
    END = "end"  # metadata: complete (bool): the protocol's terminator was seen


@dataclass(slots=True)
class StreamEvent:
    type: StreamEventType
    content: str = ""
    index: int = 0
    metadata: dict[str, Any] | None = None
    timestamp: float = field(default_factory=time.monotonic)

    def meta(self, key: str, default: Any = None) -> Any:
        return default if self.metadata is None else self.metadata.get(key, default)


def text_event(text: str) -> StreamEvent:
    return StreamEvent(StreamEventType.DELTA, text)


TEXT_TYPES = frozenset({StreamEventType.DELTA, StreamEventType.THINKING})
