"""Every way the network can fail becomes a typed error with a one-line message, over real sockets.

Retries are made fast by a tiny `backoff_base`; nothing here waits on a clock beyond the short read
timeouts under test, and no test asserts a duration: what would take long is shown by what did not
happen (no retry request reached the server), under a generous guard that fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import json
import socket
from contextlib import contextmanager

from tests.stream.wire_server import (
    GUARD,
    REQUEST,
    Reply,
    WireServer,
    chat_body,
    chat_chunk,
    refused_url,
    run_against,
    the_error,
)
from tui.stream import StreamRun, StreamState, get_provider
from tui.stream.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionFailedError,
    ConnectTimeoutError,
    MalformedStreamError,
    NotFoundError,
    ProviderHTTPError,
    RateLimitError,
    ReadTimeoutError,
    ServerError,
    StreamInterruptedError,
)
from tui.stream.events import StreamEventType

OPENAI_401 = json.dumps(
    {
        "error": {
            "message": "Incorrect API key provided: sk-abc***xyz.",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    }
).encode()


def retries(events):
    return [e.metadata for e in events if e.type is StreamEventType.METADATA and e.meta("retry")]


# -- HTTP status ----------------------------------------------------------------------------------
async def test_401_names_the_status_the_providers_words_and_the_key_variable():
    with WireServer() as server:
        server.add(Reply(status=401, content_type="application/json", body=OPENAI_401))
        run, events = await run_against(server.url + "/v1", api_key="sk-wrong", max_retries=3)
    error = the_error(events)
    assert isinstance(error, AuthenticationError)
    assert error.status == 401
    assert "HTTP 401" in error.message and "Incorrect API key provided" in error.message
    assert "set OPENAI_API_KEY" in error.message
    assert len(server.requests) == 1, "an auth error is not retried"
    assert server.requests[0].headers["authorization"] == "Bearer sk-wrong"
    assert run.state is StreamState.FAILED
    assert run.snapshot.error["type"] == "authentication_error"


async def test_403_and_anthropic_error_body():
    body = b'{"type":"error","error":{"type":"permission_error","message":"Your key cannot use this model."}}'
    with WireServer() as server:
        server.add(Reply(status=403, content_type="application/json", body=body))
        _, events = await run_against(server.url, "anthropic", api_key="k")
    error = the_error(events)
    assert isinstance(error, AuthenticationError)
    assert "HTTP 403" in error.message and "Your key cannot use this model" in error.message
    assert "ANTHROPIC_API_KEY" in error.message


async def test_404_says_check_the_model_and_base_url():
    with WireServer() as server:
        server.add(
            Reply(
                status=404,
                content_type="application/json",
                body=b'{"error":"model \\"nope\\" not found, try pulling it first"}',
            )
        )
        _, events = await run_against(server.url, "ollama", model="nope")
    error = the_error(events)
    assert isinstance(error, NotFoundError)
    assert 'model "nope" not found' in error.message
    assert "ollama pull nope" in error.message


async def test_429_with_retry_after_then_success():
    with WireServer() as server:
        server.add(
            Reply(
                status=429,
                headers={"Retry-After": "0"},
                content_type="application/json",
                body=b'{"error":{"message":"Rate limit reached for requests"}}',
            ),
            Reply(body=chat_body("Hello", " world")),
        )
        run, events = await run_against(server.url + "/v1", max_retries=3)
    (retry,) = retries(events)
    assert retry["retry"] == 1 and retry["delay"] == 0
    assert "HTTP 429" in retry["reason"] and "Rate limit reached" in retry["reason"]
    assert run.snapshot.text == "Hello world"
    assert run.state is StreamState.COMPLETED
    assert len(server.requests) == 2
    assert [e.type for e in events].index(StreamEventType.METADATA) < [e.type for e in events].index(
        StreamEventType.DELTA
    ), "the retry notice comes before the answer"


async def test_429_with_a_long_retry_after_is_reported_not_waited():
    with WireServer() as server:
        server.add(
            Reply(
                status=429,
                headers={"Retry-After": "3600"},
                content_type="application/json",
                body=b'{"error":{"message":"Quota exceeded"}}',
            )
        )
        _, events = await run_against(server.url + "/v1", max_retries=3)  # its guard fails an hour's wait
    error = the_error(events)
    assert isinstance(error, RateLimitError) and error.retry_after == 3600
    assert "wait 3600 s" in error.message
    assert retries(events) == [] and len(server.requests) == 1


async def test_503_retry_after_is_honoured():
    with WireServer() as server:
        server.add(Reply(status=503, headers={"Retry-After": "0.05"}), Reply(body=chat_body("ok")))
        run, events = await run_against(server.url + "/v1", max_retries=1)
    assert [r["delay"] for r in retries(events)] == [0.05]
    assert run.snapshot.text == "ok"


async def test_500s_exhaust_the_retries_with_backoff():
    with WireServer() as server:
        server.add(
            Reply(status=500, content_type="application/json", body=b'{"error":{"message":"The server had an error"}}')
        )
        run, events = await run_against(server.url + "/v1", max_retries=2, backoff_base=0.01)
    error = the_error(events)
    assert isinstance(error, ServerError) and error.status == 500
    assert "HTTP 500" in error.message and "The server had an error" in error.message
    assert "3 attempts" in error.message
    assert [r["retry"] for r in retries(events)] == [1, 2]
    delays = [r["delay"] for r in retries(events)]
    assert 0.005 <= delays[0] <= 0.01 and 0.01 <= delays[1] <= 0.02, "exponential backoff with jitter"
    assert len(server.requests) == 3
    assert run.state is StreamState.FAILED


async def test_other_4xx_is_not_retried_and_keeps_the_message():
    with WireServer() as server:
        server.add(
            Reply(status=400, content_type="application/json", body=b'{"error":{"message":"max_tokens is too large"}}')
        )
        _, events = await run_against(server.url + "/v1", max_retries=3)
    error = the_error(events)
    assert type(error) is ProviderHTTPError and "max_tokens is too large" in error.message
    assert len(server.requests) == 1


async def test_x_should_retry_overrides_the_status_rule():
    with WireServer() as server:
        server.add(Reply(status=400, headers={"x-should-retry": "true"}), Reply(body=chat_body("second try")))
        run, events = await run_against(server.url + "/v1", max_retries=1)
    assert len(retries(events)) == 1 and run.snapshot.text == "second try"
    with WireServer() as server:
        server.add(Reply(status=500, headers={"x-should-retry": "false"}))
        _, events = await run_against(server.url + "/v1", max_retries=3)
    assert isinstance(the_error(events), ServerError) and retries(events) == []


# -- sockets --------------------------------------------------------------------------------------
async def test_connection_refused_is_retried_then_explained():
    url = refused_url()
    run, events = await run_against(url, max_retries=1)
    error = the_error(events)
    assert isinstance(error, ConnectionFailedError)
    assert "refused the connection" in error.message and "--base-url" in error.message
    assert len(retries(events)) == 1
    assert run.state is StreamState.FAILED


async def test_credentials_in_the_base_url_are_not_repeated_in_messages():
    url = refused_url().replace("http://", "http://bob:hunter2@")
    _, events = await run_against(url)
    error = the_error(events)
    assert "refused the connection" in error.message and "hunter2" not in error.message


async def test_dns_failure_is_explained_and_not_retried():
    _, events = await run_against("http://no-such-host.rill-test.invalid/v1", max_retries=3)
    error = the_error(events)
    assert isinstance(error, ConnectionFailedError)
    assert "no-such-host.rill-test.invalid" in error.message and "DNS" in error.message
    assert retries(events) == []


@contextmanager
def unaccepting_port():
    """A port whose listen queue is full: a new connection's SYN is never answered."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for sock in [*fillers, server]:
            sock.close()


async def test_connect_timeout():
    with unaccepting_port() as url:
        _, events = await run_against(url, connect_timeout=0.2)
    error = the_error(events)
    assert isinstance(error, ConnectTimeoutError)
    assert "within 0.2 s" in error.message and "connect_timeout" in error.message


async def test_read_timeout_before_the_answer_is_retried_then_reported():
    with WireServer() as server:
        server.add(Reply(stall=10))
        run, events = await run_against(server.url + "/v1", read_timeout=0.2, max_retries=1)
    error = the_error(events)
    assert isinstance(error, ReadTimeoutError)
    assert "sent nothing for 0.2 s" in error.message and "--read-timeout" in error.message
    assert len(retries(events)) == 1 and len(server.requests) == 2
    assert run.state is StreamState.FAILED


async def test_read_timeout_mid_answer_keeps_the_text_and_is_not_retried():
    body = chat_body("Hello", " there", done=False)
    with WireServer() as server:
        server.add(Reply(body=body, stall=10, stall_at=len(body)))
        run, events = await run_against(server.url + "/v1", read_timeout=0.2, max_retries=3)
    error = the_error(events)
    assert isinstance(error, ReadTimeoutError) and "partial answer is kept" in error.message
    assert run.snapshot.text == "Hello there"
    assert retries(events) == [] and len(server.requests) == 1
    assert run.state is StreamState.INTERRUPTED


# -- bad streams ----------------------------------------------------------------------------------
async def test_malformed_json_data_is_reported_and_earlier_text_kept():
    good = b"data: " + json.dumps(chat_chunk("Hi")).encode() + b"\n\n"
    with WireServer() as server:
        server.add(Reply(body=good + b"data: {not json at all\n\n"))
        run, events = await run_against(server.url + "/v1")
    error = the_error(events)
    assert isinstance(error, MalformedStreamError)
    assert "not valid JSON" in error.message and "{not json at all" in error.message
    assert run.snapshot.text == "Hi"
    assert run.snapshot.error["type"] == "malformed_stream"


async def test_cut_mid_event_keeps_the_text_and_reports_incomplete():
    body = chat_body("Hello", " world", "!")
    cut = body.index(b'"!"')  # inside the third delta's JSON
    with WireServer() as server:
        server.add(Reply(body=body, cut_at=cut))
        run, events = await run_against(server.url + "/v1")
    assert run.snapshot.text == "Hello world"
    assert run.snapshot.complete is False
    assert isinstance(the_error(events), StreamInterruptedError)
    assert "broke mid-answer" in run.snapshot.error["message"]
    assert run.state is StreamState.INTERRUPTED


async def test_connection_that_just_ends_is_incomplete_not_an_error():
    body = chat_body("Hello", " world", "!")
    with WireServer() as server:
        server.add(Reply(body=body, cut_at=body.index(b'"!"'), framing="close"))
        run, events = await run_against(server.url + "/v1")
    assert run.snapshot.text == "Hello world"
    assert run.snapshot.error is None and run.snapshot.complete is False
    assert events[-1].type is StreamEventType.END and events[-1].meta("complete") is False
    assert run.state is StreamState.INTERRUPTED


async def test_html_page_instead_of_a_stream():
    with WireServer() as server:
        server.add(Reply(content_type="text/html", body=b"<html><body>Welcome to nginx</body></html>"))
        _, events = await run_against(server.url)
    error = the_error(events)
    assert isinstance(error, MalformedStreamError) and "HTML page" in error.message


async def test_json_body_instead_of_a_stream():
    with WireServer() as server:
        server.add(Reply(content_type="application/json", body=b'{"object": "list", "data": []}'))
        _, events = await run_against(server.url + "/v1")
    error = the_error(events)
    assert isinstance(error, MalformedStreamError) and '"object": "list"' in error.message


async def test_cancel_during_a_retry_wait_ends_at_once():
    with WireServer() as server:
        server.add(Reply(status=503, headers={"Retry-After": "30"}))
        provider = get_provider("openai", base_url=server.url + "/v1", max_retries=2)
        run = StreamRun.from_provider(provider, REQUEST)
        kinds = []
        async with asyncio.timeout(GUARD):  # a cancel that waited out the 30 s would fail here
            async for event in run:
                kinds.append(event.type)
                if event.meta("retry"):
                    run.controller.cancel()
        await provider.aclose()
    assert run.state is StreamState.CANCELLED
    assert kinds[-2:] == [StreamEventType.METADATA, StreamEventType.END], "the retry notice, then only END"
    assert len(server.requests) == 1, "the retry after the wait never happened"


async def test_cancel_closes_the_connection_so_the_server_stops():
    body = chat_body(*[f" w{i}" for i in range(2000)])
    with WireServer() as server:
        server.add(Reply(body=body, chunks=list(range(200, len(body), 200)), chunk_delay=0.01))
        provider = get_provider("openai", base_url=server.url + "/v1")
        run = StreamRun.from_provider(provider, REQUEST)
        async for event in run:
            if event.type is StreamEventType.DELTA:
                run.controller.cancel()
        await provider.aclose()
        assert server.disconnected.wait(10), "the server kept writing to a cancelled stream"
    assert run.state is StreamState.CANCELLED
    assert run.snapshot.text.startswith(" w0") and len(run.snapshot.text) < len(body) / 20


async def test_a_header_http_cannot_carry_is_reported_without_its_value():
    with WireServer() as server:
        server.add(Reply(body=chat_body("x")))
        _, events = await run_against(server.url + "/v1", headers={"x-team": "secret\nvalue"}, max_retries=2)
    error = the_error(events)
    assert isinstance(error, ConfigurationError) and "secret" not in error.message
    assert retries(events) == [] and server.requests == []
