"""Every failure a stream can meet, as one small hierarchy with a one-line message a person understands.

`message` says what happened and what to do; `type` is a short stable code for programs and the
`--json` output; `retryable` tells the connection logic whether trying again before the first token
can help.

    RillStreamError
    ├── StreamingError
    │   ├── StreamInterruptedError        broke after the first token (kept, never retried)
    │   ├── InvalidStateError, ConfigurationError
    │   ├── ConnectionFailedError
    │   │   └── ConnectTimeoutError
    │   ├── ReadTimeoutError               no byte for the read timeout
    │   │   ├── StalledStreamError         bytes (keep-alives) but no content for the read timeout
    │   │   └── FirstByteTimeoutError      no answer began within the first-byte budget (all attempts)
    │   ├── MalformedStreamError
    │   │   └── EventTooLargeError         one event or line over the size bound
    │   ├── ProviderHTTPError
    │   │   └── AuthenticationError, NotFoundError, RateLimitError, ServerError
    │   └── ProviderAPIError               an error the provider reported inside the stream
    ├── StreamIncompleteError, StreamingNotSupported, ToolExecutionAbortError
"""

from __future__ import annotations


class RillStreamError(Exception):
    """Base of every error raised by `tui.stream`."""

    type = "stream_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StreamingError(RillStreamError):
    """A stream could not be started or went wrong: connection, timeout, invalid state."""

    type = "streaming_error"
    retryable = False


class StreamIncompleteError(RillStreamError):
    """A finished chat was asked for, but the stream was cancelled or cut before its end."""

    type = "incomplete"


class StreamInterruptedError(StreamingError):
    """The connection broke after the first token; the partial answer is kept, never retried."""

    type = "interrupted"


class StreamingNotSupported(RillStreamError):
    """The provider or model cannot stream this request."""

    type = "not_supported"


class ToolExecutionAbortError(RillStreamError):
    """Raised by a tool to end the whole stream (an ordinary exception goes back to the model)."""

    type = "tool_aborted"


class InvalidStateError(StreamingError):
    """A control call that the stream's current state does not allow (e.g. resume when not paused)."""

    type = "invalid_state"


class ConfigurationError(StreamingError):
    """The provider is not set up: missing API key, unknown provider, missing optional package."""

    type = "configuration"


# --- transport ---------------------------------------------------------------------------------


class ConnectionFailedError(StreamingError):
    type = "connection_error"
    retryable = True


class ConnectTimeoutError(ConnectionFailedError):
    type = "connect_timeout"


class ReadTimeoutError(StreamingError):
    type = "read_timeout"
    retryable = True


class StalledStreamError(ReadTimeoutError):
    """The connection stayed open (keep-alive comments, pings) but nothing of the answer came for the
    read timeout: keep-alives keep a connection, they are not progress."""

    type = "stalled"


class FirstByteTimeoutError(ReadTimeoutError):
    """The answer did not begin within the first-byte budget, all attempts and waits between them
    together (`first_byte_timeout`); the budget is spent, so it is not retried."""

    type = "first_byte_timeout"
    retryable = False


class MalformedStreamError(StreamingError):
    """The server sent something that is not the protocol it claims to speak."""

    type = "malformed_stream"


class EventTooLargeError(MalformedStreamError):
    """One event (or one line) of the stream grew past the size bound without ending."""

    type = "event_too_large"

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


# --- HTTP status -------------------------------------------------------------------------------


class ProviderHTTPError(StreamingError):
    type = "http_error"

    def __init__(
        self, message: str, *, status: int, provider_message: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.provider_message = provider_message
        self.retry_after = retry_after


class AuthenticationError(ProviderHTTPError):
    type = "authentication_error"


class NotFoundError(ProviderHTTPError):
    type = "not_found"


class RateLimitError(ProviderHTTPError):
    type = "rate_limit"
    retryable = True


class ServerError(ProviderHTTPError):
    type = "server_error"
    retryable = True


class ProviderAPIError(StreamingError):
    """An error the provider reported inside the stream (an `error` event or object)."""

    type = "api_error"

    def __init__(self, message: str, *, error_type: str | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
