"""Every python example in docs/library.md runs, offline, and its assertions hold."""

import contextlib
import io
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "library.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_page_has_examples_for_every_part():
    text = "\n".join(EXAMPLES)
    for name in (
        "StreamHandler",
        "BufferedStreamHandler",
        "ConsoleStreamHandler",
        "CallbackStreamHandler",
        "ContentFilterProcessor",
        "JSONStreamParser",
        "StreamBuffer",
        "StreamManager",
        "Chat",
        "complete_stream",
        "tool(",
        "stream_to_string",
        "chunk_stream",
        "iter_events",
        "aprocess_stream",
        "StreamController",
        "stats",
        "consume(",
        "def finish",
    ):
        assert name in text, f"no example uses {name}"


@pytest.mark.parametrize("number", range(len(EXAMPLES)))
def test_example_runs(number):
    source = EXAMPLES[number]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, f"docs/library.md example {number + 1}", "exec"), {"__name__": "__docs__"})
