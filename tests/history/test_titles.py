"""Titles from the first prompt, with no model call."""

import pytest

from tui.history.titles import make_title


@pytest.mark.parametrize(
    ("prompt", "title"),
    [
        ("how do I reverse a list in python? I tried reversed()", "How do I reverse a list in python?"),
        ("Hi, can you explain monads to me", "Can you explain monads to me"),
        ("hello there", "Hello there"),
        ("```\nTraceback (most recent call last)\n```\nwhat does this mean", "What does this mean"),
        ("```\nonly code\n```", "Only code"),
        ("**Bold** and [a link](http://x) in `code`", "Bold and a link in code"),
        ("Explain \x1b[31mred\x1b[0m text", "Explain red text"),
        ("", "Untitled"),
        ("   \n\n  ", "Untitled"),
    ],
)
def test_titles(prompt, title):
    assert make_title(prompt) == title


def test_long_prompts_are_cut_at_a_word():
    title = make_title("Explain quantum computing to a five year old in great detail including the math")
    assert len(title) <= 60 and title.endswith("…")
    assert title[:-1] == title[:-1].rstrip() and "detai…" not in title
