"""`tui.stream`: a UI-free streaming library for LLM chat.

Events and providers (wire formats normalized to `StreamEvent`s), the one pipeline (`StreamRun`:
processors, pause/resume with bounded buffering, cancel, snapshot, stats), consumers (one protocol,
`StreamConsumer`, driven by `consume`: handlers, printers, the history recorder), `StreamManager` for
background streams, `Chat`/`ChatStream` with automatic tool rounds, and helpers.
Import what you need from here; the modules behind it are private and may move. See docs/library.md.
"""

from tui.stream.attachments import Attachment, AttachmentError, load_attachment, load_attachments
from tui.stream.buffer import StreamBuffer, StreamBufferOverflow
from tui.stream.chat import Chat, ChatStream
from tui.stream.consumer import ConsumedStream, DrivenStream, StreamConsumer, consume, relay
from tui.stream.control import StreamController, StreamState
from tui.stream.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionFailedError,
    ConnectTimeoutError,
    EventTooLargeError,
    FirstByteTimeoutError,
    InvalidStateError,
    MalformedStreamError,
    NotFoundError,
    ProviderAPIError,
    ProviderHTTPError,
    RateLimitError,
    ReadTimeoutError,
    RillStreamError,
    ServerError,
    StalledStreamError,
    StreamIncompleteError,
    StreamingError,
    StreamingNotSupported,
    StreamInterruptedError,
    ToolExecutionAbortError,
)
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.handlers import (
    BufferedStreamHandler,
    CallbackStreamHandler,
    ConsoleStreamHandler,
    StreamHandler,
)
from tui.stream.json_stream import JSONStreamError, JSONStreamParser
from tui.stream.manager import ManagedStream, StreamManager, StreamTimeoutError
from tui.stream.messages import ChatRequest, Message, ToolCall, ToolSpec
from tui.stream.processors import ContentFilterProcessor, PassthroughProcessor, StreamProcessor
from tui.stream.providers import ModelInfo, Provider, get_provider
from tui.stream.providers.patience import FIRST_BYTE_TIMEOUT, WAIT_NOTICE_INTERVAL
from tui.stream.run import StreamRun
from tui.stream.snapshot import MessageSnapshot, accumulate
from tui.stream.sse import MAX_EVENT_BYTES, NDJSONDecoder, SSEDecoder, SSEEvent
from tui.stream.stats import StreamStats
from tui.stream.tools import Tool, ToolResult, tool
from tui.stream.utils import achunk_stream, astream_to_string, chunk_stream, stream_to_string

__all__ = [
    "NDJSONDecoder",
    "SSEDecoder",
    "SSEEvent",
    "MAX_EVENT_BYTES",
    # events, messages, results
    "StreamEvent",
    "StreamEventType",
    "Message",
    "ToolCall",
    "ToolSpec",
    "ChatRequest",
    "Attachment",
    "AttachmentError",
    "load_attachment",
    "load_attachments",
    "MessageSnapshot",
    "accumulate",
    # providers
    "ModelInfo",
    "Provider",
    "get_provider",
    "FIRST_BYTE_TIMEOUT",
    "WAIT_NOTICE_INTERVAL",
    # the pipeline and its control
    "StreamRun",
    "StreamController",
    "StreamState",
    "StreamStats",
    "StreamBuffer",
    "StreamBufferOverflow",
    "StreamProcessor",
    "PassthroughProcessor",
    "ContentFilterProcessor",
    # consumers
    "StreamConsumer",
    "ConsumedStream",
    "DrivenStream",
    "consume",
    "relay",
    "StreamHandler",
    "BufferedStreamHandler",
    "ConsoleStreamHandler",
    "CallbackStreamHandler",
    "StreamManager",
    "ManagedStream",
    "Chat",
    "ChatStream",
    "Tool",
    "ToolResult",
    "tool",
    # helpers
    "JSONStreamParser",
    "JSONStreamError",
    "stream_to_string",
    "astream_to_string",
    "chunk_stream",
    "achunk_stream",
    # errors
    "RillStreamError",
    "StreamingError",
    "StreamIncompleteError",
    "StreamInterruptedError",
    "StreamingNotSupported",
    "ToolExecutionAbortError",
    "InvalidStateError",
    "ConfigurationError",
    "StreamTimeoutError",
    "ConnectionFailedError",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "MalformedStreamError",
    "EventTooLargeError",
    "FirstByteTimeoutError",
    "StalledStreamError",
    "ProviderHTTPError",
    "AuthenticationError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "ProviderAPIError",
]
