"""Model text must never reach the terminal as escape sequences or control characters (the one sanitizer)."""

import json

from tui.stream.sanitize import StreamSanitizer, one_line, safe_json, sanitize

NASTY = "a\x1b[2Jb\x1b]52;c;SGVsbG8=\x07c\x1b]0;title\x1b\\d\x00e\x07f\x9b31mg\x1bPdcs\x1b\\h"


def test_sanitize_strips_sequences_and_controls():
    assert sanitize(NASTY) == "abcdefgh"


def test_sanitize_keeps_text_newlines_tabs_and_brackets():
    text = "[bold]x[/] [link=http://e]y[/link]\n\tz\r\nw"
    assert sanitize(text) == "[bold]x[/] [link=http://e]y[/link]\n\tz\nw"


def test_stream_sanitizer_holds_sequences_split_across_chunks():
    for size in (1, 2, 3, 5, 7):
        stream = StreamSanitizer()
        out = "".join(stream.feed(NASTY[i : i + size]) for i in range(0, len(NASTY), size)) + stream.flush()
        assert out == "abcdefgh", size


def test_stream_sanitizer_drops_unfinished_sequence_at_end():
    stream = StreamSanitizer()
    assert stream.feed("ok\x1b]52;c;AAAA") == "ok"
    assert "\x1b" not in stream.flush()


def test_stream_sanitizer_crlf_split():
    stream = StreamSanitizer()
    assert stream.feed("a\r") + stream.feed("\nb") + stream.flush() == "a\nb"


def test_bidi_controls_are_removed_and_marks_kept():
    # U+202E (right-to-left override) and the isolates reorder a line; LRM/RLM and RTL text are fine
    assert (
        sanitize("allow read_file(\u202egnp.exe\u202c) \u2067x\u2069 \u200f\u05e9\u05dc\u05d5\u05dd")
        == "allow read_file(gnp.exe) x \u200f\u05e9\u05dc\u05d5\u05dd"
    )


def test_one_line_folds_every_line_break():
    assert one_line("a\n b\u2028c\u2029 d\t\x1b[2Je\x85f") == "a b c d ef"


def test_safe_json_escapes_every_control_but_keeps_the_data():
    value = {"text": "csi\x9b31m del\x7f nel\x85 ls\u2028 ps\u2029 rlo\u202e nul\x00 esc\x1b ÷ 🦊"}
    text = safe_json(value)
    assert json.loads(text) == value
    assert all(ch not in text for ch in "\x9b\x7f\x85\u2028\u2029\u202e\x00\x1b")
    assert "\\u009b" in text and "\\u2028" in text and "÷ 🦊" in text
