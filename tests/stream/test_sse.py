"""SSE and NDJSON framing: every WHATWG rule the corpus relies on, at every possible read split."""

from __future__ import annotations

import pytest

from tui.stream.errors import EventTooLargeError
from tui.stream.sse import MAX_EVENT_BYTES, NDJSONDecoder, SSEDecoder, SSEEvent, iter_sse


def every_split(body: bytes):
    """The body as one read, one byte per read, and every two-read split."""
    yield [body]
    yield [body[i : i + 1] for i in range(len(body))]
    for cut in range(1, len(body)):
        yield [body[:cut], body[cut:]]


def decode_all_ways(body: bytes) -> list[SSEEvent]:
    results = {tuple(iter_sse(reads)) for reads in every_split(body)}
    assert len(results) == 1, "the result depended on how the body was split into reads"
    return list(results.pop())


def datas(events: list[SSEEvent]) -> list[bytes]:
    return [e.data for e in events]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_line_endings(newline):
    body = newline.join([b"event: a", b"data: one", b"", b"data: two", b"", b""])
    events = decode_all_ways(body)
    assert [(e.event, e.data) for e in events] == [("a", b"one"), ("message", b"two")]


def test_mixed_line_endings_and_cr_then_crlf():
    body = b"data: a\r\rdata: b\r\n\r\ndata: c\n\r\n"
    assert datas(decode_all_ways(body)) == [b"a", b"b", b"c"]


def test_cr_and_lf_of_one_crlf_in_different_reads_is_one_line_end():
    decoder = SSEDecoder()
    assert decoder.feed(b"data: x\r") == []
    assert datas(decoder.feed(b"\n\r")) == [b"x"]
    assert decoder.feed(b"\ndata: y\r\n\r\n") == [SSEEvent("message", b"y")]


def test_leading_bom_is_dropped_even_when_split():
    body = b"\xef\xbb\xbfdata: hi\n\n"
    assert datas(decode_all_ways(body)) == [b"hi"]


def test_only_one_bom_is_dropped():
    events = iter_sse([b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\ndata: y\n\n"])
    # the second BOM makes the first line a field named "\ufeffdata", which is ignored
    assert datas(events) == [b"y"]


def test_comments_and_keepalives_are_ignored():
    body = b": keep-alive\n:\ndata: x\n: inside\n\n: after\n\n"
    assert datas(decode_all_ways(body)) == [b"x"]


def test_data_with_and_without_the_optional_space():
    body = b"data:no-space\ndata: one-space\ndata:  two-spaces\n\n"
    assert datas(decode_all_ways(body)) == [b"no-space\none-space\n two-spaces"]


def test_multi_line_data_is_joined_with_newline():
    body = b'data: {"a":\ndata: 1}\n\n'
    assert datas(decode_all_ways(body)) == [b'{"a":\n1}']


def test_field_without_colon_and_empty_data():
    body = b"data\n\ndata\ndata\n\n"
    assert datas(decode_all_ways(body)) == [b"", b"\n"]


def test_event_without_data_is_not_dispatched_and_type_resets():
    body = b"event: ping\n\nevent: x\ndata: 1\n\ndata: 2\n\n"
    events = decode_all_ways(body)
    assert [(e.event, e.data) for e in events] == [("x", b"1"), ("message", b"2")]


def test_pending_event_at_end_of_body_is_discarded():
    assert datas(decode_all_ways(b"data: 1\n\ndata: 2\n")) == [b"1"]
    assert datas(decode_all_ways(b"data: 1\n\ndata: 2")) == [b"1"]


def test_id_and_retry_fields():
    body = b"id: 7\nretry: 1500\ndata: a\n\nid: bad\x00id\nretry: 12x\ndata: b\n\n"
    first, second = decode_all_ways(body)
    assert (first.id, first.retry) == ("7", 1500)
    assert (second.id, second.retry) == ("7", 1500)  # an id with NUL and a non-digit retry are ignored


def test_unknown_fields_are_ignored():
    assert datas(decode_all_ways(b"foo: bar\ndata: x\nbaz\n\n")) == [b"x"]


def test_utf8_character_split_across_reads_is_whole():
    body = "data: ÷ 🦊\n\n".encode()
    for reads in every_split(body):
        (event,) = iter_sse(reads)
        assert event.text == "÷ 🦊"


def test_body_cut_inside_a_character_is_incomplete_not_a_crash():
    body = "data: a\n\ndata: ÷".encode()[:-1]
    assert datas(iter_sse([body])) == [b"a"]


def test_invalid_utf8_is_replaced_in_text():
    (event,) = iter_sse([b"data: \xff\n\n"])
    assert event.text == "\ufffd"


def test_decoder_counts_bytes_and_keeps_the_head():
    decoder = SSEDecoder()
    decoder.feed(b"<html>")
    decoder.feed(b"oops")
    assert decoder.bytes_received == 10
    assert decoder.head == b"<html>oops"


# -- NDJSON ---------------------------------------------------------------------------------------
def test_ndjson_splits_on_newline_only():
    line = '{"t": "a\u0085b\u2028c\rd"}'.encode()
    decoder = NDJSONDecoder()
    out = []
    for i in range(len(line)):
        out += decoder.feed(line[i : i + 1])
    out += decoder.feed(b"\n\n  \n{}\n")
    assert out == [line, b"{}"]


def test_ndjson_tail_is_the_unterminated_last_line():
    decoder = NDJSONDecoder()
    assert decoder.feed(b'{"a": 1}\n{"b"') == [b'{"a": 1}']
    assert decoder.tail() == b'{"b"'
    assert decoder.tail() == b""


# -- the size bound of one event --------------------------------------------------------------------
def test_one_line_past_the_bound_raises_however_it_is_split():
    for reads in ([b"data: " + b"x" * 200], [b"data: "] + [b"x"] * 200, [b"data: " + b"x" * 200 + b"\n\n"]):
        decoder = SSEDecoder(max_event_bytes=100)
        with pytest.raises(EventTooLargeError) as caught:
            for chunk in reads:
                decoder.feed(chunk)
        assert caught.value.limit == 100 and "larger than 100 bytes" in caught.value.message


def test_many_data_lines_joined_past_the_bound_raise():
    decoder = SSEDecoder(max_event_bytes=100)
    with pytest.raises(EventTooLargeError):
        decoder.feed(b"data: " + b"x" * 40 + b"\n" + b"data: " + b"y" * 40 + b"\n" + b"data: " + b"z" * 40 + b"\n")


def test_events_within_the_bound_pass_whatever_the_body_size():
    decoder = SSEDecoder(max_event_bytes=100)
    event = b"data: " + b"x" * 90 + b"\n\n"
    events = [e for _ in range(1000) for e in decoder.feed(event)]
    assert len(events) == 1000 and events[0].data == b"x" * 90
    split = SSEDecoder(max_event_bytes=100)  # the same event arriving a byte at a time
    assert [e for byte in range(len(event)) for e in split.feed(event[byte : byte + 1])][0].data == b"x" * 90


def test_the_default_bound_is_16_mib():
    assert MAX_EVENT_BYTES == 16 * 1024 * 1024
    big = b"data: " + b"x" * (MAX_EVENT_BYTES - 100) + b"\n\n"
    decoder = SSEDecoder()
    assert [len(e.data) for piece in range(0, len(big), 65536) for e in decoder.feed(big[piece : piece + 65536])] == [
        MAX_EVENT_BYTES - 100
    ]


def test_ndjson_line_past_the_bound_raises_and_tail_keeps_a_short_one():
    decoder = NDJSONDecoder(max_event_bytes=100)
    assert decoder.feed(b'{"a": 1}\n{"b"') == [b'{"a": 1}']
    assert decoder.feed(b": 2}") == [] and decoder.tail() == b'{"b": 2}'
    with pytest.raises(EventTooLargeError):
        for _ in range(200):
            decoder.feed(b"y")
    with pytest.raises(EventTooLargeError):
        NDJSONDecoder(max_event_bytes=100).feed(b"z" * 200 + b"\n")
