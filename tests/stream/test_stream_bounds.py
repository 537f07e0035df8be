"""Streams that never start or never end, over real sockets: each one ends, says why, and keeps the text.

- a server that accepts and never answers: "waiting" status notices while it waits and retries, and
  the first-byte budget ends it (FirstByteTimeoutError);
- a server that only sends keep-alive comments: no content for the read timeout ends it (StalledStreamError);
- one endless line with no newline: the event size bound ends it (EventTooLargeError); a large answer
  in many events still streams whole;
- a senseless Retry-After (negative, NaN, a word) falls back to the normal backoff.

Outcomes and order are asserted, never durations: every limit under test is small, and each test is
wrapped in a generous `asyncio.timeout` so a regression fails instead of hanging.
"""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from tests.stream.wire_server import Reply, WireServer, chat_body, chat_chunk, run_against, the_error
from tui.stream import StreamState, get_provider
from tui.stream.errors import (
    ConfigurationError,
    EventTooLargeError,
    FirstByteTimeoutError,
    RateLimitError,
    ReadTimeoutError,
    ServerError,
    StalledStreamError,
)
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.providers.http_errors import parse_retry_after
from tui.stream.sse import MAX_EVENT_BYTES


def statuses(events):
    return [e.metadata for e in events if e.type is StreamEventType.METADATA and e.meta("status")]


# -- 15: a server that accepts and never answers ---------------------------------------------------
async def test_a_server_that_never_answers_is_announced_while_waiting_and_bounded():
    with WireServer() as server:
        server.add(Reply(hold=threading.Event()))  # accepts, reads the request, never answers
        run, events = await run_against(
            server.url + "/v1", first_byte_timeout=2.0, wait_notice_interval=0.1, max_retries=3
        )
    error = the_error(events)
    assert isinstance(error, FirstByteTimeoutError) and isinstance(error, ReadTimeoutError)
    assert "did not begin to answer within 2 s" in error.message and "first_byte_timeout" in error.message
    waiting = [s for s in statuses(events) if s["status"] == "waiting"]
    assert waiting, "the wait is announced before the stream gives up"
    first = waiting[0]
    assert first["attempt"] == 1 and first["attempts"] == 4 and first["limit"] == 2.0
    assert first["message"].startswith("waiting for ") and "to answer" in first["message"]
    assert "attempt 1 of 4" in first["message"]
    assert [s["waited"] for s in waiting] == sorted(s["waited"] for s in waiting)
    kinds = [e.type for e in events]
    assert kinds[0] is StreamEventType.START and kinds[-2:] == [StreamEventType.ERROR, StreamEventType.END]
    assert len(server.requests) == 1, "the read timeout (60 s) never fired: the budget ended the only attempt"
    assert run.state is StreamState.FAILED and run.snapshot.error["type"] == "first_byte_timeout"


async def test_retries_while_waiting_are_announced_with_their_attempt_and_share_one_budget():
    with WireServer() as server:
        server.add(Reply(hold=threading.Event()))
        run, events = await run_against(
            server.url + "/v1", read_timeout=0.3, first_byte_timeout=1.5, wait_notice_interval=0.1, max_retries=50
        )
    error = the_error(events)
    # the budget ends it: within it (FirstByteTimeoutError), or when the next retry would not fit
    # (then the last attempt's own ReadTimeoutError); either way far short of 51 attempts
    assert isinstance(error, ReadTimeoutError)
    retrying = [s for s in statuses(events) if s["status"] == "retrying"]
    assert retrying and retrying[0]["attempt"] == 2 and retrying[0]["attempts"] == 51
    assert "retrying in" in retrying[0]["message"] and "sent nothing for 0.3 s" in retrying[0]["message"]
    assert len(server.requests) == len(retrying) + 1 < 51
    attempts_waiting = [s["attempt"] for s in statuses(events) if s["status"] == "waiting"]
    assert attempts_waiting and attempts_waiting == sorted(attempts_waiting)
    assert set(attempts_waiting) <= set(range(1, len(server.requests) + 1))
    assert f"({len(retrying) + 1} attempts)" in error.message


async def test_a_late_answer_is_announced_as_begun_and_streams_whole():
    release = threading.Event()
    with WireServer() as server:
        server.add(Reply(hold=release, body=chat_body("late", " but", " whole")))

        def release_on_first_notice(event: StreamEvent) -> None:
            if event.meta("status") == "waiting":
                release.set()  # the server answers once the client has said it is waiting

        run, events = await run_against(server.url + "/v1", wait_notice_interval=0.05, on_event=release_on_first_notice)
    said = [s["status"] for s in statuses(events)]
    assert said[0] == "waiting" and said[-1] == "answering" and set(said) == {"waiting", "answering"}
    kinds = [e.type for e in events]
    answering = next(i for i, e in enumerate(events) if e.meta("status") == "answering")
    assert answering < kinds.index(StreamEventType.DELTA), "the wait ends before the text comes"
    assert run.snapshot.text == "late but whole" and run.state is StreamState.COMPLETED


async def test_a_prompt_answer_says_nothing_about_waiting():
    with WireServer() as server:
        server.add(Reply(body=chat_body("quick")))
        run, events = await run_against(server.url + "/v1")
    assert statuses(events) == [] and run.snapshot.text == "quick"


# -- 16: keep-alive comments are not progress -------------------------------------------------------
async def test_keepalives_only_end_with_a_clear_message_after_the_read_timeout():
    with WireServer() as server:
        server.add(Reply(keepalive=0.02))  # headers, then ": keep-alive" forever
        run, events = await run_against(server.url + "/v1", read_timeout=1.0)
    error = the_error(events)
    assert isinstance(error, StalledStreamError) and isinstance(error, ReadTimeoutError)
    assert "only keep-alives" in error.message and "for 1 s" in error.message
    assert "before the answer began" in error.message and "--read-timeout" in error.message
    assert run.state is StreamState.FAILED and run.snapshot.error["type"] == "stalled"


async def test_a_retry_after_keepalives_starts_its_wait_afresh():
    with WireServer() as server:
        # the retry's answer also opens with a comment and takes a moment: a wait carried over from
        # the first attempt would end it at once
        hello = b": hello\n\n"
        server.add(
            Reply(keepalive=0.02), Reply(body=hello + chat_body("second", " try"), chunks=[len(hello)], chunk_delay=0.1)
        )
        run, events = await run_against(server.url + "/v1", read_timeout=1.0, max_retries=1)
    (retrying,) = [s for s in statuses(events) if s["status"] == "retrying"]
    assert "only keep-alives" in retrying["reason"]
    assert run.snapshot.text == "second try" and run.state is StreamState.COMPLETED


async def test_keepalives_after_text_end_the_stream_and_keep_the_text():
    body = chat_body("Hello", " there", done=False)
    with WireServer() as server:
        server.add(Reply(body=body, keepalive=0.02))
        run, events = await run_against(server.url + "/v1", read_timeout=1.0, max_retries=3)
    error = the_error(events)
    assert isinstance(error, StalledStreamError) and "partial answer is kept" in error.message
    assert run.snapshot.text == "Hello there"
    assert len(server.requests) == 1, "after the first token nothing is retried"
    assert run.state is StreamState.INTERRUPTED


async def test_keepalives_between_content_do_not_end_a_live_stream():
    # a comment, then an event, each a separate write 0.1 s apart: 1.7 s in all with a 1 s read
    # timeout, so the wait must start again at each event (and the comments must not matter)
    texts = [f" w{i}" for i in range(8)]
    events = [b"data: " + json.dumps(chat_chunk(t)).encode() + b"\n\n" for t in texts]
    pieces = [piece for event in events for piece in (b": ping\n\n", event)]
    pieces += [b"data: " + json.dumps(chat_chunk(finish="stop")).encode() + b"\n\n", b"data: [DONE]\n\n"]
    offsets = [sum(len(p) for p in pieces[:n]) for n in range(1, len(pieces))]
    with WireServer() as server:
        server.add(Reply(body=b"".join(pieces), chunks=offsets, chunk_delay=0.1))
        run, _ = await run_against(server.url + "/v1", read_timeout=1.0)
    assert run.snapshot.text == "".join(texts) and run.state is StreamState.COMPLETED


# -- 17: the size of one event is bounded -----------------------------------------------------------
async def test_an_endless_line_ends_the_stream_instead_of_growing_memory():
    good = chat_body("kept", done=False)
    with WireServer() as server:
        server.add(Reply(body=good + b'data: {"choices": "', endless=b"x" * 65536))
        run, events = await run_against(server.url + "/v1")
        assert server.disconnected.wait(10), "the client hung up on the endless line"
    error = the_error(events)
    assert isinstance(error, EventTooLargeError) and error.limit == MAX_EVENT_BYTES
    assert "larger than 16 MiB" in error.message and "--base-url" in error.message
    assert run.snapshot.text == "kept"
    assert server.body_bytes < MAX_EVENT_BYTES + (16 << 20), "reading stopped near the bound"


async def test_an_endless_ndjson_line_ends_the_ollama_stream():
    first = json.dumps({"model": "m", "message": {"role": "assistant", "content": "kept"}, "done": False})
    with WireServer() as server:
        server.add(
            Reply(content_type="application/x-ndjson", body=first.encode() + b'\n{"message": "', endless=b"y" * 65536)
        )
        run, events = await run_against(server.url, "ollama", model="m", max_event_bytes=1 << 20)
    error = the_error(events)
    assert isinstance(error, EventTooLargeError) and "larger than 1 MiB" in error.message
    assert run.snapshot.text == "kept"


async def test_twenty_megabytes_of_deltas_in_many_events_stream_whole():
    texts = [f"{i:06d}" + "z" * 9994 for i in range(2000)]  # 2,000 deltas of 10,000 characters
    with WireServer() as server:
        server.add(Reply(body=chat_body(*texts)))
        run, _ = await run_against(server.url + "/v1")
    assert len(run.snapshot.text) == 20_000_000 and run.snapshot.text == "".join(texts)
    assert run.state is StreamState.COMPLETED


# -- 18: Retry-After that makes no sense ------------------------------------------------------------
async def test_a_negative_retry_after_falls_back_to_the_backoff():
    with WireServer() as server:
        server.add(
            Reply(
                status=429,
                headers={"Retry-After": "-5"},
                content_type="application/json",
                body=b'{"error":{"message":"slow down"}}',
            ),
            Reply(body=chat_body("ok")),
        )
        run, events = await run_against(server.url + "/v1", max_retries=3, backoff_base=0.02)
    (retry,) = [s for s in statuses(events) if s["status"] == "retrying"]
    assert 0.01 <= retry["delay"] <= 0.02, "the normal backoff, not 'no delay'"
    assert run.snapshot.text == "ok" and len(server.requests) == 2


async def test_senseless_retry_after_values_all_back_off():
    for value in ("-5", "nan", "inf", "-inf", "soon", "1e999"):
        with WireServer() as server:
            server.add(Reply(status=503, headers={"Retry-After": value}))
            _, events = await run_against(server.url + "/v1", max_retries=2, backoff_base=0.02)
        error = the_error(events)
        assert isinstance(error, ServerError) and error.retry_after is None, value
        delays = [s["delay"] for s in statuses(events) if s["status"] == "retrying"]
        assert len(delays) == 2 and 0.01 <= delays[0] <= 0.02 and 0.02 <= delays[1] <= 0.04, value


async def test_a_huge_retry_after_is_reported_not_waited():
    with WireServer() as server:
        server.add(Reply(status=429, headers={"Retry-After": "86400"}))
        _, events = await run_against(server.url + "/v1", max_retries=3)
    error = the_error(events)
    assert isinstance(error, RateLimitError) and error.retry_after == 86400
    assert "wait 86400 s" in error.message and statuses(events) == [] and len(server.requests) == 1


def test_parse_retry_after():
    def parsed(**headers: str) -> float | None:
        return parse_retry_after(httpx.Headers(headers), now=1_445_412_480.0)

    assert parsed(**{"retry-after": "3"}) == 3 and parsed(**{"retry-after": "0"}) == 0
    assert parsed(**{"retry-after": "Wed, 21 Oct 2015 07:28:30 GMT"}) == 30
    assert parsed(**{"retry-after": "Wed, 21 Oct 2015 07:27:00 GMT"}) == 0, "a date in the past means now"
    assert parsed(**{"retry-after-ms": "250"}) == 0.25
    assert parsed(**{"retry-after-ms": "-1", "retry-after": "2"}) == 2
    for senseless in ("-5", "nan", "inf", "1e999", "soon", "", "Wed, 99 Foo 2015"):
        assert parsed(**{"retry-after": senseless}) is None, senseless


def test_senseless_durations_are_refused_by_name():
    for option, value in (
        ("read_timeout", -1),
        ("read_timeout", 0),
        ("connect_timeout", float("nan")),
        ("first_byte_timeout", float("inf")),
        ("wait_notice_interval", "soon"),
    ):
        with pytest.raises(ConfigurationError) as caught:
            get_provider("openai", base_url="http://127.0.0.1:9/v1", **{option: value})
        assert option in caught.value.message and "positive number of seconds" in caught.value.message
    with pytest.raises(ConfigurationError, match="max_event_bytes"):
        get_provider("openai", base_url="http://127.0.0.1:9/v1", max_event_bytes=0)
