"""A real HTTP server for tests that need real sockets: scripted replies on 127.0.0.1:<free port>.

Use it wherever a test needs a provider to talk to something that behaves like a real API, including
badly. Each request takes the next `Reply` from the queue (the last one repeats), and every request is
recorded (method, path, headers, parsed JSON body) for assertions.

    from tests.stream.wire_server import Reply, WireServer, refused_url

    with WireServer() as server:
        server.add(Reply(body=b"data: ...\\n\\n", chunks=[10, 20]))   # three reads: [:10] [10:20] [20:]
        server.add(Reply(status=429, headers={"Retry-After": "0"}, body=b'{"error": ...}'))
        provider = get_provider("openai", base_url=server.url + "/v1")
        ...
        server.requests[0].json["messages"]

What a `Reply` can do:
- `status`, `headers`, `content_type` (default `text/event-stream`) and `body` (bytes);
- `chunks`: byte offsets at which the body is split into separate writes, each flushed at once
  (`None`: one write); `chunk_delay` seconds between writes (slow streams for cancel/Ctrl-C tests);
- `cut_at`: close the socket after that many body bytes, mid-message (chunked encoding is then
  never terminated, which a client sees as a broken connection);
- `stall`: after sending the headers and `stall_at` body bytes, send nothing more until the server
  stops (or `stall` seconds pass): a read-timeout test;
- `framing`: `"chunked"` (default), `"length"` (Content-Length) or `"close"` (no length, the end
  of the body is the end of the connection, so a cut there is a clean end of stream);
- `hold`: a `threading.Event`: the request is read, then nothing at all is sent (not even the status
  line) until the test sets it (or the server stops). An event nobody sets is a server that accepts
  and never answers;
- `keepalive`: after the body, send the SSE comment `keepalive_line` every `keepalive` seconds until
  the client goes away or the server stops (a stream that stays open with no content);
- `endless`: after the body, write this piece again and again until the client goes away (one
  endless line when the piece has no newline).

`server.disconnected` is a `threading.Event` set when a client went away while a reply was still being
written (a cancelled stream closes its connection, so the server stops generating).
`server.body_bytes` counts the body bytes written (how far an endless reply got before the client left).

`refused_url()` is an http URL on a port where nothing listens (connection refused).

On the client side, `run_against(url, provider, **options)` streams one request through a provider
and the whole pipeline (retries fast and off unless asked, a guard that fails a stream that never
ends instead of hanging) and returns `(run, events)`; `the_error(events)` is the one ERROR's
exception, checked to be a one-line message.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tui.stream import ChatRequest, Message, StreamEvent, StreamEventType, StreamRun, get_provider


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/event-stream"
    chunks: list[int] | None = None
    chunk_delay: float = 0.0
    cut_at: int | None = None
    stall: float | None = None
    stall_at: int = 0
    framing: str = "chunked"
    hold: threading.Event | None = None
    keepalive: float | None = None
    keepalive_line: bytes = b": keep-alive\n\n"
    endless: bytes | None = None

    def pieces(self) -> list[bytes]:
        body = self.body if self.cut_at is None else self.body[: self.cut_at]
        if self.stall is not None:
            body = body[: self.stall_at]
        if not self.chunks:
            return [body] if body else []
        offsets = [0, *[o for o in self.chunks if 0 < o < len(body)], len(body)]
        return [body[a:b] for a, b in zip(offsets, offsets[1:], strict=False) if b > a]


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class WireServer:
    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.disconnected = threading.Event()
        self.body_bytes = 0
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WireServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # releases stalled replies
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> WireServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting ---------------------------------------------------------------------------
    def add(self, *replies: Reply) -> WireServer:
        with self._lock:
            self.replies.extend(replies)
        return self

    def _next_reply(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            if not self.replies:
                return Reply(
                    status=500,
                    content_type="application/json",
                    body=b'{"error": {"message": "WireServer has no reply queued"}}',
                )
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                recorded = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                reply = server._next_reply(recorded)
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                try:
                    server._write(self, reply)
                except (BrokenPipeError, ConnectionResetError):
                    server.disconnected.set()  # the client went away (cancel)

        return Handler

    def _write(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        if reply.hold is not None:
            while not (reply.hold.wait(0.05) or self._stop.is_set()):
                pass
            if self._stop.is_set():
                handler.close_connection = True
                return
        pieces = reply.pieces()
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        chunked = reply.framing == "chunked"
        if chunked:
            handler.send_header("Transfer-Encoding", "chunked")
        elif reply.framing == "length":
            handler.send_header("Content-Length", str(len(reply.body)))
        if reply.framing == "close" or reply.cut_at is not None:
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        handler.wfile.flush()

        def send(piece: bytes) -> None:
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            handler.wfile.flush()
            self.body_bytes += len(piece)

        for number, piece in enumerate(pieces):
            if number and reply.chunk_delay and self._stop.wait(reply.chunk_delay):
                return
            send(piece)
        if reply.keepalive is not None:
            while not self._stop.wait(reply.keepalive):
                send(reply.keepalive_line)
            handler.close_connection = True
            return
        if reply.endless is not None:
            while not self._stop.is_set():
                send(reply.endless)
            handler.close_connection = True
            return
        if reply.stall is not None:
            self._stop.wait(reply.stall)
            handler.close_connection = True
            return
        if reply.cut_at is not None:
            handler.connection.shutdown(socket.SHUT_RDWR)  # abrupt: no terminating chunk
            handler.close_connection = True
            return
        if chunked:
            handler.wfile.write(b"0\r\n\r\n")
            handler.wfile.flush()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that closed its kept-alive connection is normal here, not a traceback to print."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            super().handle_error(request, client_address)


def refused_url() -> str:
    """An http URL whose port has nothing listening: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def chat_chunk(content: str | None = None, finish: str | None = None, **delta: Any) -> dict[str, Any]:
    """One OpenAI chat.completion.chunk (for building small bodies in tests)."""
    if content is not None:
        delta["content"] = content
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "model": "test-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def chat_body(*texts: str, finish: str = "stop", done: bool = True) -> bytes:
    """A complete chat stream answering `texts` token by token."""
    events = [chat_chunk(role="assistant", content="")] + [chat_chunk(t) for t in texts]
    events.append(chat_chunk(finish=finish))
    body = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)
    return body + (b"data: [DONE]\n\n" if done else b"")


def tool_call_body(name: str, arguments: dict[str, Any], call_id: str = "call_1") -> bytes:
    """A complete chat stream in which the model calls one tool."""
    function = {"name": name, "arguments": json.dumps(arguments)}
    call = {"index": 0, "id": call_id, "type": "function", "function": function}
    events = [chat_chunk(role="assistant", content=""), chat_chunk(tool_calls=[call]), chat_chunk(finish="tool_calls")]
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"


REQUEST = ChatRequest(messages=[Message("user", "hi")])
GUARD = 60.0  # seconds: a stream under test that outlives this is a failure, not a hang


async def run_against(
    base_url: str, provider: str = "openai", *, on_event: Callable[[StreamEvent], None] | None = None, **options: Any
) -> tuple[StreamRun, list[StreamEvent]]:
    """One request to `base_url` through `provider` and a StreamRun: (the run, every event)."""
    options.setdefault("max_retries", 0)
    options.setdefault("backoff_base", 0.001)
    p = get_provider(provider, base_url=base_url, **options)
    run = StreamRun.from_provider(p, REQUEST)
    events: list[StreamEvent] = []
    try:
        async with asyncio.timeout(GUARD):
            async for event in run:
                events.append(event)
                if on_event is not None:
                    on_event(event)
    finally:
        await p.aclose()
    return run, events


def the_error(events: list[StreamEvent]) -> Any:
    """The exception of the stream's one ERROR event (its message checked to be one line)."""
    (error,) = [e for e in events if e.type is StreamEventType.ERROR]
    assert "\n" not in error.content, "error messages are one line"
    return error.meta("error")
