"""What every HTTP provider shares: one `httpx.AsyncClient`, timeouts, retries and the read loop.

A provider module only says where to POST, what JSON to send and how to turn one frame of its wire
format into `StreamEvent`s (a small *parser* object). This module does the rest, the same way for all:

- connect and read timeouts (read = no byte for N seconds), from the settings;
- HTTP status, socket and framing failures become typed errors with one-line messages
  (`http_errors.py`) delivered as an ERROR event and an END event: `stream()` never raises for them,
  so text that arrived before a failure is never lost;
- failures *before the first event* are retried with exponential backoff and jitter, honouring
  a sane `Retry-After`; a METADATA event `{"status": "retrying", "retry", "delay", "reason",
  "message", ...}` announces each wait so a UI can show it. After the first event nothing is
  retried: a broken answer is reported, not silently restarted;
- the first-byte budget, keep-alives that are not progress, and the "waiting" status notices are
  `patience.py`; the size bound of one event is the decoders' (`sse.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import random
import ssl
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any, ClassVar

import httpx

from tui.stream.control import StreamController
from tui.stream.errors import (
    ConfigurationError,
    EventTooLargeError,
    MalformedStreamError,
    NotFoundError,
    RillStreamError,
    StreamingError,
)
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.messages import ChatRequest
from tui.stream.providers.base import ModelInfo, Provider
from tui.stream.providers.frames import MalformedFrame, StreamParser, end_event, error_event
from tui.stream.providers.http_errors import (
    ErrorContext,
    apply_retry_hint,
    one_line,
    status_error,
    transport_error,
)
from tui.stream.providers.patience import FIRST_BYTE_TIMEOUT, WAIT_NOTICE_INTERVAL, Patience
from tui.stream.providers.read_pacing import GatheredReads
from tui.stream.sse import MAX_EVENT_BYTES, NDJSONDecoder, SSEDecoder

_ERROR_BODY_LIMIT = 64 * 1024
MAX_MODEL_PAGES = 50  # a paginated model list longer than this many pages is cut there
USER_AGENT = "rill/0.1"


class HTTPProvider(Provider):
    """Base of the providers that POST JSON and read a streamed body (SSE or NDJSON)."""

    label: str = "the server"  # how messages name the provider (an instance may name itself otherwise)
    compatible_label: ClassVar[str | None] = None  # ... when the base URL is not the provider's own
    default_base_url: ClassVar[str] = ""
    base_url_env: ClassVar[str | None] = None
    key_env: ClassVar[str | None] = None  # None: the API takes no key
    framing: ClassVar[str] = "sse"  # or "ndjson"
    settings_options = ("model", "base_url", "api_key", "read_timeout", "connect_timeout", "max_retries")

    def __init__(
        self,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        read_timeout: float = 60.0,
        connect_timeout: float = 10.0,
        max_retries: int = 3,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        max_retry_after: float = 60.0,
        first_byte_timeout: float = FIRST_BYTE_TIMEOUT,
        wait_notice_interval: float = WAIT_NOTICE_INTERVAL,
        max_event_bytes: int = MAX_EVENT_BYTES,
        transport: httpx.AsyncBaseTransport | None = None,
        client: httpx.AsyncClient | None = None,
        headers: dict[str, str] | None = None,
        **options: Any,
    ) -> None:
        """`transport`/`client` let tests and embedders supply their own httpx plumbing;
        `backoff_base` (seconds, doubled per retry, capped by `backoff_max`) and `max_retries` shape
        the retries; a `Retry-After` longer than `max_retry_after` seconds is reported, not waited.
        `read_timeout`: seconds without a byte, or with only keep-alives, that end a stream.
        `first_byte_timeout`: seconds from the request to the answer's first event, all attempts
        together. `wait_notice_interval`: seconds between "waiting" status notices until then.
        `max_event_bytes`: the largest single event (or NDJSON line) accepted (see patience.py, sse.py)."""
        super().__init__(model=model, **options)
        env_url = os.environ.get(self.base_url_env) if self.base_url_env else None
        self.base_url = self.normalize_base_url(base_url or env_url or self.default_base_url)
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"{self.label}: the base URL {self.base_url!r} must start with http:// or https:// (check --base-url)"
            )
        if self.compatible_label and not self.uses_default_base_url:
            self.label = self.compatible_label
        key = api_key or (os.environ.get(self.key_env) if self.key_env else None) or ""
        self.api_key = key.strip() or None  # a key pasted from a file often ends in a newline
        if self.api_key and not (self.api_key.isascii() and self.api_key.isprintable()):
            raise ConfigurationError(
                f"the {self.label} API key{f' in {self.key_env}' if self.key_env else ''} contains characters "
                "an HTTP header cannot carry (a line break or a non-ASCII character); copy the key again"
            )
        if self.key_env and not self.api_key and self.uses_default_base_url:
            raise ConfigurationError(
                f"{self.label} needs an API key: set {self.key_env} (or api_key in the config file). "
                f"A compatible server given with --base-url needs none."
            )
        self.read_timeout = _seconds("read_timeout", read_timeout)
        self.connect_timeout = _seconds("connect_timeout", connect_timeout)
        self.max_retries = max(0, int(max_retries))
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self.max_retry_after = float(max_retry_after)
        self.first_byte_timeout = _seconds("first_byte_timeout", first_byte_timeout)
        self.wait_notice_interval = _seconds("wait_notice_interval", wait_notice_interval)
        self.max_event_bytes = int(max_event_bytes)
        if self.max_event_bytes < 1:
            raise ConfigurationError(f"max_event_bytes must be a positive number of bytes, not {max_event_bytes!r}")
        self.extra_headers = dict(headers or {})
        self._transport = transport
        self._own_client = client is None
        self._client = client
        self._client_loop: asyncio.AbstractEventLoop | None = None

    # -- what a provider module defines ------------------------------------------------------
    def normalize_base_url(self, url: str) -> str:
        return url.rstrip("/")

    @property
    def uses_default_base_url(self) -> bool:
        return self.base_url == self.normalize_base_url(self.default_base_url)

    @property
    def public_base_url(self) -> str:
        """The base URL as messages show it: without any `user:password@` part."""
        url = httpx.URL(self.base_url)
        return str(url.copy_with(userinfo=b"")) if url.userinfo else self.base_url

    def endpoint(self) -> str:
        raise NotImplementedError

    def request_headers(self) -> dict[str, str]:
        return {}

    def build_body(self, request: ChatRequest, model: str) -> dict[str, Any]:
        raise NotImplementedError

    def new_parser(self, model: str) -> StreamParser:
        raise NotImplementedError

    def models_request(self, cursor: str | None) -> tuple[str, dict[str, str]]:
        """The URL and query of one page of the model list; `cursor` is what `parse_models` returned."""
        raise NotImplementedError

    def parse_models(self, data: Any) -> tuple[list[ModelInfo], str | None]:
        """One page of the model list (parsed JSON): its models and the cursor of the next page, if any."""
        raise NotImplementedError

    # -- plumbing ----------------------------------------------------------------------------
    def _timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect_timeout, read=self.read_timeout, write=self.read_timeout, pool=self.connect_timeout
        )

    def _get_client(self) -> httpx.AsyncClient:
        if not self._own_client and self._client is not None:
            return self._client
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            # a client's connection pool belongs to one event loop; a new loop gets a new client
            self._client = httpx.AsyncClient(transport=self._transport, timeout=self._timeout(), verify=_ssl_context())
            self._client_loop = loop
        return self._client

    async def aclose(self) -> None:
        if self._own_client and self._client is not None:
            client, self._client = self._client, None
            try:
                await client.aclose()
            except RuntimeError:  # created on a loop that is gone
                pass

    def error_context(self, model: str) -> ErrorContext:
        return ErrorContext(
            label=self.label,
            url=self.public_base_url,
            model=model,
            key_env=self.key_env,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
        )

    def retry_delay(self, attempt: int, error: RillStreamError) -> float | None:
        """Seconds before retry number `attempt + 1`, or None when waiting cannot help."""
        retry_after: float | None = getattr(error, "retry_after", None)
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        ceiling = min(self.backoff_max, self.backoff_base * (2.0**attempt))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # "equal jitter": never zero, never in step

    # -- the model list ----------------------------------------------------------------------
    def _listing_client(self) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        """A short-lived client for one listing (the streaming client belongs to the stream's loop),
        or the caller's own client, which is left open."""
        if not self._own_client and self._client is not None:
            return contextlib.nullcontext(self._client)
        return httpx.AsyncClient(transport=self._transport, timeout=self._timeout(), verify=_ssl_context())

    async def list_models(self) -> list[ModelInfo]:
        """GET the provider's model list (every page); failures raise with the stream's one-line messages."""
        ctx = self.error_context(self.model)
        headers = {
            "user-agent": USER_AGENT,
            "accept": "application/json",
            **self.request_headers(),
            **self.extra_headers,
        }
        found: dict[str, ModelInfo] = {}
        cursor: str | None = None
        async with self._listing_client() as client:
            for _page in range(MAX_MODEL_PAGES):
                url, params = self.models_request(cursor)
                try:
                    response = await client.get(url, params=params, headers=headers, timeout=self._timeout())
                except (httpx.LocalProtocolError, UnicodeEncodeError):
                    raise ConfigurationError(
                        f"the model list could not be asked of {self.label}: a header has characters HTTP cannot "
                        "carry. What to do: check the API key and any extra headers in the config."
                    ) from None
                except httpx.HTTPError as exc:
                    raise transport_error(ctx, exc, produced=False) from None
                shown = self.public_base_url + url[len(self.base_url) :] if url.startswith(self.base_url) else url
                if response.status_code == 404:
                    raise NotFoundError(
                        f"{self.label} has no model list at {shown} (HTTP 404). What to do: check --base-url, "
                        "or type the model name yourself.",
                        status=404,
                    )
                if response.status_code >= 400:
                    raise status_error(ctx, response, response.content[:_ERROR_BODY_LIMIT])
                self._check_content_type(response)
                try:
                    page, cursor = self.parse_models(response.json())
                except (ValueError, AttributeError, TypeError, KeyError, IndexError):
                    snippet = one_line(response.content[:200].decode("utf-8", "replace"), 80)
                    raise MalformedStreamError(
                        f"{self.label} answered {shown} with something that is not a model list: {snippet!r}. "
                        f"What to do: check that --base-url and --provider match the server ({self.name} expected)."
                    ) from None
                for info in page:
                    found.setdefault(info.id, info)
                if not cursor:
                    break
        return sorted(found.values(), key=lambda info: info.id.lower())

    # -- the loop ----------------------------------------------------------------------------
    async def stream(self, request: ChatRequest, control: StreamController | None = None) -> AsyncIterator[StreamEvent]:
        model = self.model_for(request)
        yield StreamEvent(StreamEventType.START, metadata={"provider": self.name, "model": model})
        ctx = self.error_context(model)
        try:
            body = self.build_body(request, model)
            url = self.endpoint()
            headers = {"user-agent": USER_AGENT, **self.request_headers(), **self.extra_headers}
            if self.framing == "sse":
                headers.setdefault("accept", "text/event-stream")
            client = self._get_client()
        except RillStreamError as exc:
            yield error_event(exc)
            yield end_event(False)
            return
        patience = Patience(
            label=self.label,
            first_byte_timeout=self.first_byte_timeout,
            read_timeout=self.read_timeout,
            notice_interval=self.wait_notice_interval,
            attempts=self.max_retries + 1,
        )
        while True:
            parser = self.new_parser(model)
            produced = False
            try:
                opened: list[httpx.Response] = []
                sending = self._open(
                    client, client.build_request("POST", url, json=body, headers=headers, timeout=self._timeout()), ctx
                )
                async for notice in patience.until(sending, opened):
                    yield notice
                response = opened[0]
                try:
                    decoder: SSEDecoder | NDJSONDecoder = (
                        SSEDecoder(self.max_event_bytes)
                        if self.framing == "sse"
                        else NDJSONDecoder(self.max_event_bytes)
                    )
                    feed = decoder.feed
                    parse = parser.feed
                    reads = GatheredReads(control)
                    async for chunk in patience.reads(reads.of(response.aiter_bytes())):
                        if isinstance(chunk, StreamEvent):
                            yield chunk  # a "waiting" notice
                            continue
                        progressed = False
                        for frame in feed(chunk):
                            events = parse(frame)
                            if events:
                                progressed = True
                                if not produced:
                                    produced = True
                                    answering = patience.began_answering()
                                    if answering is not None:
                                        yield answering
                                for event in events:
                                    reads.saw(event)
                                    yield event
                            if parser.done:
                                break
                        if progressed:
                            patience.progress()
                        if parser.done:
                            break
                    if not parser.done and isinstance(decoder, NDJSONDecoder):
                        tail = decoder.tail()
                        if tail:  # a last line without its newline counts only if it is whole JSON
                            try:
                                events = parse(tail)
                            except MalformedFrame:
                                events = []
                            produced = produced or bool(events)
                            for event in events:
                                yield event
                    if not produced and not parser.done:
                        self._check_not_garbage(decoder.head)
                finally:
                    await response.aclose()
                for event in parser.finish():
                    yield event
                return
            except EventTooLargeError as exc:
                error: StreamingError | RillStreamError = EventTooLargeError(
                    f"{self.label} sent {exc.message.rstrip('.')}; the stream was stopped there. What to do: check "
                    f"that --base-url and --provider match the server ({self.name} expected).",
                    limit=exc.limit,
                )
            except RillStreamError as exc:
                error = exc
            except MalformedFrame as exc:
                snippet = one_line(exc.data.decode("utf-8", "replace"), 80)
                error = MalformedStreamError(
                    f"{self.label} sent an event whose data {exc.why}: {snippet!r}. What to do: check that "
                    f"--base-url and --provider match the server ({self.name} expected)."
                )
            except (httpx.LocalProtocolError, UnicodeEncodeError):
                # never echo the offending header: it may be the API key
                error = ConfigurationError(
                    f"the request to {self.label} could not be sent: a header has characters HTTP cannot "
                    "carry. What to do: check the API key and any extra headers in the config."
                )
            except httpx.HTTPError as exc:
                error = transport_error(ctx, exc, produced=produced)
            except (AttributeError, TypeError, KeyError, IndexError) as exc:
                # valid JSON of an unexpected shape (e.g. "choices": "x"): a protocol error, not a crash
                error = MalformedStreamError(
                    f"{self.label} sent an event of an unexpected shape ({type(exc).__name__}: "
                    f"{one_line(exc, 80)}). What to do: check that --base-url and --provider match the "
                    f"server ({self.name} expected)."
                )
            attempt = patience.attempt
            if not produced and getattr(error, "retryable", False) and attempt < self.max_retries:
                delay = self.retry_delay(attempt, error)
                if delay is not None and delay < patience.remaining():
                    patience.next_attempt()
                    attempt = patience.attempt
                    patience.noticed = True
                    yield StreamEvent(
                        StreamEventType.METADATA,
                        metadata={
                            "retry": attempt,
                            "delay": delay,
                            "reason": error.message,
                            "max_retries": self.max_retries,
                            "status": "retrying",
                            "attempt": attempt + 1,
                            "attempts": self.max_retries + 1,
                            "message": f"retrying in {delay:.1f} s (attempt {attempt + 1} of "
                            f"{self.max_retries + 1}): {error.message}",
                        },
                    )
                    await asyncio.sleep(delay)
                    continue
            if attempt:
                error.message = f"{error.message} ({attempt + 1} attempts)"
                error.args = (error.message,)
            yield error_event(error)
            yield end_event(False)  # a failed answer completes no tool call: only END follows
            return

    async def _open(self, client: httpx.AsyncClient, request: httpx.Request, ctx: ErrorContext) -> httpx.Response:
        """Send the request; the response, once its status and headers say a stream follows."""
        response = await client.send(request, stream=True)
        try:
            if response.status_code >= 400:
                error = status_error(ctx, response, await _read_limited(response))
                raise apply_retry_hint(error, response.headers)
            self._check_content_type(response)
        except BaseException:
            await response.aclose()
            raise
        return response

    def _check_content_type(self, response: httpx.Response) -> None:
        kind = response.headers.get("content-type", "")
        if "text/html" in kind:
            raise MalformedStreamError(
                f"{self.label} answered with an HTML page, not a stream. What to do: check --base-url "
                f"({self.public_base_url}); it should point at the API, not a web page."
            )

    def _check_not_garbage(self, head: bytes) -> None:
        """A body that ended without one frame: if it was something else entirely, say so."""
        text = head.decode("utf-8", "replace").strip()
        if not text:
            return
        if self.framing == "sse" and text.startswith((":", "data", "event", "id", "retry")):
            return  # SSE that simply ended early: an incomplete stream, not an error
        raise MalformedStreamError(
            f"{self.label} did not answer in the {self.name} stream format: {one_line(text, 80)!r}. "
            f"What to do: check --base-url and --provider."
        )


def model_entries(data: Any, key: str) -> list[dict[str, Any]]:
    """The entries of a model list under `key`, each an object with a string id/name; a TypeError
    (reported as "not a model list") when the answer is shaped otherwise."""
    entries = data[key]
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise TypeError(f"{key} is not a list of objects")
    return entries


def models_by_id(data: Any, key: str, detail: str) -> list[ModelInfo]:
    """`{key: [{"id": ..., detail: ...}]}` (OpenAI's and Anthropic's shape) as `ModelInfo`s."""
    models = []
    for entry in model_entries(data, key):
        ident, said = entry["id"], entry.get(detail)
        if not isinstance(ident, str):
            raise TypeError("a model id is not a string")
        models.append(ModelInfo(ident, said if isinstance(said, str) else ""))
    return models


def _seconds(name: str, value: float) -> float:
    """A duration option: a positive, finite number of seconds, or a ConfigurationError naming it."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ConfigurationError(f"{name} must be a positive number of seconds, not {value!r}")
    return seconds


async def _read_limited(response: httpx.Response) -> bytes:
    """The start of an error body (enough for its message), without reading a huge page."""
    body = b""
    try:
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) >= _ERROR_BODY_LIMIT:
                break
    except httpx.HTTPError:
        pass
    return body[:_ERROR_BODY_LIMIT]


_SSL_CONTEXT: ssl.SSLContext | None = None


def _ssl_context() -> ssl.SSLContext:
    """One TLS context per process, shared by every client.

    Each stream in the app runs on a fresh event loop and so gets a fresh httpx client; building a
    context loads the CA bundle, about 30 ms of CPU that would otherwise come before every first token.
    httpx's own defaults are kept (certifi, or SSL_CERT_FILE / SSL_CERT_DIR).
    """
    global _SSL_CONTEXT
    if _SSL_CONTEXT is None:
        _SSL_CONTEXT = httpx.create_ssl_context()
    return _SSL_CONTEXT
