"""Model text must never reach the terminal as escape sequences or control characters."""

from tui.app.sanitize import StreamSanitizer, sanitize

NASTY = "a\x1b[2Jb\x1b]52;c;SGVsbG8=\x07c\x1b]0;title\x1b\\d\x00e\x07f\x9b31mg\x1bPdcs\x1b\\h"


def test_sanitize_strips_sequences_and_controls():
    assert sanitize(NASTY) == "abcdefgh"


def test_sanitize_keeps_text_newlines_tabs_and_brackets():
    text = "[bold]x[/] [link=http://e]y[/link]\n\tz\r\nw"
    assert sanitize(text) == "[bold]x[/] [link=http://e]y[/link]\n\tz\nw"


def test_stream_sanitizer_holds_sequences_split_across_chunks():
    for size in (1, 2, 3, 5, 7):
        stream = StreamSanitizer()
        out = "".join(stream.feed(NASTY[i:i + size]) for i in range(0, len(NASTY), size)) + stream.flush()
        assert out == "abcdefgh", size


def test_stream_sanitizer_drops_unfinished_sequence_at_end():
    stream = StreamSanitizer()
    assert stream.feed("ok\x1b]52;c;AAAA") == "ok"
    assert "\x1b" not in stream.flush()


def test_stream_sanitizer_crlf_split():
    stream = StreamSanitizer()
    assert stream.feed("a\r") + stream.feed("\nb") + stream.flush() == "a\nb"
