"""Helpers every wire-format parser shares: JSON payloads, END and ERROR events, tool schemas.

A parser (one per provider module) is a small per-answer state machine with `feed(frame) -> events`,
`finish() -> events` and a `done` flag; it never touches the network, so it can be tested and reused
on any bytes. JSON is parsed from bytes with jiter (fast, and no separate UTF-8 decode step).
"""

from __future__ import annotations

from typing import Any, Protocol

import jiter

from tui.stream.errors import RillStreamError
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.messages import ToolSpec


class MalformedFrame(ValueError):
    """A frame whose payload is not the JSON the protocol promises."""

    def __init__(self, data: bytes, why: str = "is not valid JSON") -> None:
        super().__init__(why)
        self.data = data
        self.why = why


def loads(data: bytes) -> Any:
    """Parse one JSON payload (bytes) with jiter; invalid UTF-8 is replaced, not fatal."""
    try:
        return jiter.from_json(data)
    except ValueError:
        try:
            return jiter.from_json(data.decode("utf-8", "replace").encode())
        except ValueError:
            raise MalformedFrame(data) from None


def loads_object(data: bytes) -> dict[str, Any]:
    """Parse one payload that must be a JSON object (the hot path of every provider)."""
    try:
        value = _from_json(data)
    except ValueError:
        value = loads(data)
    if type(value) is not dict:
        raise MalformedFrame(data, "is JSON but not an object")
    return value


_from_json = jiter.from_json


class StreamParser(Protocol):
    """Per-answer state machine for one wire format."""

    done: bool  # the protocol's terminator or an error was seen: stop reading

    def feed(self, frame: Any) -> list[StreamEvent]: ...

    def finish(self) -> list[StreamEvent]:
        """Events after the body ended or `done` was set; always ends with END."""
        ...


def end_event(complete: bool) -> StreamEvent:
    return StreamEvent(StreamEventType.END, metadata={"complete": complete})


_OWN_TYPE: Any = object()


def error_event(error: RillStreamError, error_type: str | None = _OWN_TYPE) -> StreamEvent:
    """ERROR with the exception; `type` is the exception's own code unless the wire gave one (or None)."""
    return StreamEvent(
        StreamEventType.ERROR,
        error.message,
        metadata={"type": error.type if error_type is _OWN_TYPE else error_type, "error": error},
    )


def tool_schema(spec: ToolSpec) -> dict[str, Any]:
    """A ToolSpec's parameters, always an object schema (APIs reject a missing `type`)."""
    params = dict(spec.parameters or {})
    params.setdefault("type", "object")
    if params["type"] == "object":
        params.setdefault("properties", {})
    return params
