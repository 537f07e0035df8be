"""Turning HTTP and socket failures into rill's typed errors, each with one line a person can act on.

Every message names what happened (status or failure), the provider's own explanation when it sent
one, and what to do next ("set OPENAI_API_KEY", "check --base-url", "raise --read-timeout").
"""

from __future__ import annotations

import email.utils
import json
import math
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from tui.stream.errors import (
    AuthenticationError,
    ConnectionFailedError,
    ConnectTimeoutError,
    NotFoundError,
    ProviderHTTPError,
    RateLimitError,
    ReadTimeoutError,
    ServerError,
    StreamingError,
    StreamInterruptedError,
)

_MAX_MESSAGE = 300


@dataclass(frozen=True)
class ErrorContext:
    """What a message needs to say what to do: who we talked to and how."""

    label: str  # "OpenAI", "Anthropic", "Ollama"
    url: str
    model: str
    key_env: str | None = None  # the environment variable holding the API key, if any
    connect_timeout: float = 10.0
    read_timeout: float = 60.0


def one_line(text: object, limit: int = _MAX_MESSAGE) -> str:
    """Collapse white space so a message stays on one line, and cap its length."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def provider_message(body: bytes) -> str:
    """The provider's own explanation from an error body: JSON `error.message`, `error`, `message`, or text."""
    if not body:
        return ""
    try:
        data = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace")
        if "<html" in text[:500].lower():
            return ""  # an HTML error page says nothing a one-line message can use
        return one_line(text)
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict):
            message = error.get("message") or error.get("detail") or error.get("msg")
            if message:
                return one_line(message)
        elif isinstance(error, str):
            return one_line(error)
        for key in ("message", "detail"):
            if isinstance(data.get(key), str):
                return one_line(data[key])
    return one_line(body.decode("utf-8", "replace"))


def parse_retry_after(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or an HTTP date) or OpenAI's `retry-after-ms`.

    None when the header is absent or says nothing sane (negative, NaN, infinite, unparseable): the
    caller then falls back to its own backoff. An HTTP date in the past means "now" (0).
    """
    millis = _seconds(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    value = headers.get("retry-after")
    if not value:
        return None
    seconds = _seconds(value)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    try:
        return max(0.0, when.timestamp() - (time.time() if now is None else now))
    except (OverflowError, OSError, ValueError):
        return None


def _seconds(value: str | None) -> float | None:
    """A non-negative, finite number of seconds, or None."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def status_error(ctx: ErrorContext, response: httpx.Response, body: bytes) -> ProviderHTTPError:
    status = response.status_code
    reason = response.reason_phrase or ""
    said = provider_message(body)
    retry_after = parse_retry_after(response.headers)
    head = f"{ctx.label} answered HTTP {status}{' ' + reason if reason else ''}"
    if said:
        head += f": {said.rstrip('.')}"

    def make(kind: type[ProviderHTTPError], message: str) -> ProviderHTTPError:
        return kind(message, status=status, provider_message=said, retry_after=retry_after)

    if status in (401, 403):
        if ctx.key_env:
            todo = (
                f"set {ctx.key_env} to a valid API key"
                if status == 401
                else f"check that the key in {ctx.key_env} may use model {ctx.model!r}"
            )
        else:
            todo = "check the server's credentials and --base-url"
        return make(AuthenticationError, f"{head}. What to do: {todo}.")
    if status == 404:
        todo = f"check the model name ({ctx.model!r}) and the base URL ({ctx.url})"
        if ctx.label == "Ollama":
            todo += f"; `ollama pull {ctx.model}` fetches a missing model"
        return make(NotFoundError, f"{head}. What to do: {todo}.")
    if status == 429:
        wait = f" (the server asks to wait {retry_after:g} s)" if retry_after is not None else ""
        return make(
            RateLimitError, f"{head}{wait}. What to do: wait a moment and try again, or check your plan's rate limits."
        )
    if status >= 500:
        return make(ServerError, f"{head}. What to do: the provider is having trouble; try again later.")
    error = make(
        ProviderHTTPError, f"{head}. What to do: check the request settings (--model, --max-tokens, --base-url)."
    )
    error.retryable = status in (408, 409)  # request timeout, lock conflict: worth another try
    return error


def apply_retry_hint(error: ProviderHTTPError, headers: httpx.Headers) -> ProviderHTTPError:
    """OpenAI and Anthropic say explicitly whether a retry can help (`x-should-retry`)."""
    hint = headers.get("x-should-retry", "").lower()
    if hint in ("true", "false"):
        error.retryable = hint == "true"
    return error


def _root_causes(exc: BaseException) -> Iterator[BaseException]:
    seen = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        yield cause
        cause = cause.__cause__ or cause.__context__


def transport_error(ctx: ErrorContext, exc: httpx.HTTPError, *, produced: bool) -> StreamingError:
    """Map an httpx exception; `produced` tells whether events of this answer were already delivered."""
    host = httpx.URL(ctx.url).host or ctx.url
    if isinstance(exc, httpx.ConnectTimeout):
        return ConnectTimeoutError(
            f"could not connect to {ctx.label} at {host} within {ctx.connect_timeout:g} s. What to do: "
            "check your network and --base-url, or raise connect_timeout in the config."
        )
    if isinstance(exc, (httpx.ReadTimeout, httpx.PoolTimeout, httpx.WriteTimeout)):
        where = "mid-answer; the partial answer is kept" if produced else "before the answer began"
        return ReadTimeoutError(
            f"{ctx.label} sent nothing for {ctx.read_timeout:g} s ({where}). What to do: try again, "
            "or raise the limit with --read-timeout."
        )
    if isinstance(exc, httpx.ConnectError):
        for cause in _root_causes(exc):
            if isinstance(cause, socket.gaierror):
                error = ConnectionFailedError(
                    f"cannot find the host {host!r} for {ctx.label} (DNS lookup failed). What to do: "
                    "check the spelling of --base-url and your network connection."
                )
                error.retryable = False  # a name that does not resolve rarely starts resolving
                return error
            if isinstance(cause, ConnectionRefusedError):
                return ConnectionFailedError(
                    f"{ctx.label} at {ctx.url} refused the connection. What to do: check that the server "
                    "is running and that --base-url points at it."
                )
        return ConnectionFailedError(
            f"cannot connect to {ctx.label} at {ctx.url} ({one_line(exc, 120) or type(exc).__name__}). "
            "What to do: check the server, --base-url and your network."
        )
    if produced:
        return StreamInterruptedError(
            f"the connection to {ctx.label} broke mid-answer ({one_line(exc, 120) or type(exc).__name__}); "
            "the partial answer is kept. What to do: continue or regenerate the answer."
        )
    error = ConnectionFailedError(
        f"the connection to {ctx.label} broke before the answer began ({one_line(exc, 120) or type(exc).__name__})."
        " What to do: try again; check --base-url if it keeps happening."
    )
    return error
