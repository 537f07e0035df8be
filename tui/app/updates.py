"""Textual messages that carry a stream's progress from its worker thread up to the chat screen.

Data flows one way: the worker posts these (post_message is thread-safe), the chat screen hands the
payload down to its widgets as attributes. Each message names its stream (`stream_id`) so a late
message from a cancelled or replaced stream can be recognised and ignored.
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from tui.stream import StreamState


@dataclass(frozen=True)
class StatsView:
    """Plain numbers for the stats bar, computed in the worker so the UI only formats them."""

    state: StreamState = StreamState.IDLE
    provider: str = ""
    model: str = ""
    first_token_ms: float | None = None
    tokens_per_second: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    tokens_estimated: bool = True
    elapsed_ms: float = 0.0
    note: str = ""  # e.g. "loading model", or the error's one-line message


@dataclass
class ToolRow:
    """One tool call as the tool-activity pane shows it."""

    key: str  # unique within the app: stream id + round + index
    name: str = ""
    arguments: str = ""  # raw JSON while it streams, pretty JSON once complete
    status: str = "running"  # running, done, failed, aborted
    duration_ms: float | None = None
    result: str | None = None


class StreamMessage(Message):
    def __init__(self, stream_id: int) -> None:
        super().__init__()
        self.stream_id = stream_id


class StreamDelta(StreamMessage):
    """Coalesced new text and thinking since the previous delta (already sanitised)."""

    def __init__(self, stream_id: int, text: str = "", thinking: str = "") -> None:
        super().__init__(stream_id)
        self.text = text
        self.thinking = thinking


class ToolActivity(StreamMessage):
    def __init__(self, stream_id: int, rows: list[ToolRow]) -> None:
        super().__init__(stream_id)
        self.rows = rows


class CitationsUpdate(StreamMessage):
    """The answer's references so far (one per source, numbered), shown under it."""

    def __init__(self, stream_id: int, references: list[Any]) -> None:
        super().__init__(stream_id)
        self.references = references  # tui.stream.hosted.Citation values


class StatsUpdate(StreamMessage):
    def __init__(self, stream_id: int, stats: StatsView) -> None:
        super().__init__(stream_id)
        self.stats = stats


class UserSaved(StreamMessage):
    """The user's prompt is in history (the worker writes it, off the UI thread)."""

    def __init__(self, stream_id: int, message_id: int) -> None:
        super().__init__(stream_id)
        self.message_id = message_id


@dataclass
class StreamOutcome:
    state: StreamState
    text: str  # the full raw answer text (what history holds)
    thinking: str = ""
    error: str | None = None
    message_id: int | None = None  # the saved assistant message, if saved
    new_messages: list[Any] = field(default_factory=list)  # tui.stream.Message values for the context
    save_error: str | None = None
    stop_reason: str | None = None  # why the model stopped ("length": cut at the token limit)
    provider: str = ""  # who answered (the START event's provider, the model the server named)
    model: str = ""


class StreamFinished(StreamMessage):
    def __init__(self, stream_id: int, outcome: StreamOutcome) -> None:
        super().__init__(stream_id)
        self.outcome = outcome


class ConfirmTool(StreamMessage):
    """The worker asks the user before running a tool that needs confirmation."""

    def __init__(
        self, stream_id: int, tool_name: str, arguments: dict, reply: concurrent.futures.Future, source: str = ""
    ) -> None:
        super().__init__(stream_id)
        self.tool_name = tool_name  # the readable name (an MCP tool's `server.tool` where names clash)
        self.arguments = arguments
        self.reply = reply
        self.source = source  # "MCP server NAME", or "" for a built-in tool
