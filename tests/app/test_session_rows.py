"""How a conversation row reads: dates, titles, snippets, export file names."""

import time

import pytest

from tests.app.screen_host import render_plain
from tui.app.screens.session_rows import display_date, display_title, export_filename, snippet_text, summary_prompt


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_dates_local_minutes_and_bad_values(utc):
    assert display_date("2026-03-05T08:30:59.123456+00:00") == "2026-03-05 08:30"
    assert display_date("not a date \x1b[2J") == "not a date ␛[2J"[:16]
    assert display_date(None) == ""


def test_titles():
    assert display_title(None) == "(untitled)"
    assert display_title("   ") == "(untitled)"
    assert display_title("a\nb\x07") == "a↵b␇"


def test_snippet_marks_become_highlight_and_brackets_stay():
    text = snippet_text("see [hiking] and [0] and a [bracket without end")
    assert text.plain == "see hiking and 0 and a [bracket without end"
    highlighted = [text.plain[span.start : span.end] for span in text.spans if "reverse" in str(span.style)]
    assert highlighted == ["hiking", "0"]


def test_row_fits_any_width_and_keeps_columns():
    row = summary_prompt(
        "A very long title " * 10, "a-very-long-model-name-indeed", "2026-03-05T08:30:00+00:00", 12, "a [match] here"
    )
    for width in (30, 50, 80, 160):
        lines = render_plain(row, width).rstrip("\n").split("\n")
        assert len(lines) == 2 and all(len(line.rstrip()) <= width for line in lines)
        assert "2026-03-05 08:30" in lines[0]  # the date always shows
        assert lines[0].startswith("A very")
        assert lines[0].rstrip().endswith("12 msgs") == (width >= 50)
        assert ("a-very" in lines[0]) == (width >= 80)
    assert row.get_height(None, 80) == 2
    assert summary_prompt("t", None, None, 1).get_height(None, 80) == 1


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Rust / Python: notes?", "rust-python-notes-7.md"),
        (None, "conversation-7.md"),
        ("日本語", "conversation-7.md"),
        ("../../etc/passwd", "etc-passwd-7.md"),
        ("x" * 200, "x" * 60 + "-7.md"),
    ],
)
def test_export_filenames_are_safe(title, expected):
    assert export_filename(title, 7) == expected
