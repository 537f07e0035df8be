"""`tui.stream`: a UI-free streaming library for LLM chat (events, providers, control, stats).

Import what you need from here; the modules behind it are private and may move.
"""

from tui.stream.control import StreamController, StreamState
from tui.stream.errors import (
    ConfigurationError,
    RillStreamError,
    StreamIncompleteError,
    StreamingError,
    StreamingNotSupported,
    StreamInterruptedError,
    ToolExecutionAbortError,
)
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.messages import ChatRequest, Message, ToolCall, ToolSpec
from tui.stream.providers import Provider, get_provider
from tui.stream.run import StreamRun
from tui.stream.snapshot import MessageSnapshot, accumulate
from tui.stream.stats import StreamStats

__all__ = [
    "ChatRequest", "ConfigurationError", "Message", "MessageSnapshot", "Provider", "RillStreamError",
    "StreamController", "StreamEvent", "StreamEventType", "StreamIncompleteError", "StreamInterruptedError",
    "StreamRun", "StreamState", "StreamStats", "StreamingError", "StreamingNotSupported", "ToolCall",
    "ToolExecutionAbortError", "ToolSpec", "accumulate", "get_provider",
]
