"""Hosted tools from the command line: the config sends them, `rill show` lists the calls and the
numbered sources, and the saved conversation is sent again (`--cid`) in a valid request."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.stream.corpus import load_cases
from tests.stream.wire_server import Reply, WireServer

CASES = {case.name: case for case in load_cases(Path(__file__).parents[1] / "stream" / "hosted_streams")}


def rill(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=60)


def test_search_show_and_send_again(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('provider = "anthropic"\n\n[hosted_tools]\nanthropic = ["web_search"]\n')
    db = str(tmp_path / "history.db")
    first, second = CASES["anth_web_search_citations"], CASES["anth_web_search_error"]
    with WireServer() as server:
        server.add(Reply(body=first.body, content_type=first.content_type))
        server.add(Reply(body=second.body, content_type=second.content_type))
        common = ["--config", str(config), "--db", db, "--base-url", server.url]
        asked = rill("-p", "When is the next eclipse?", *common)
        assert asked.returncode == 0, asked.stderr
        assert "12 August 2026" in asked.stdout and "Traceback" not in asked.stderr
        # the calls and the sources are notes on stderr: stdout stays the answer alone
        assert "[hosted] web_search 'next total solar eclipse 2026 date': 3 results\n" in asked.stderr
        assert "Sources:\n[1] Solar eclipse of August 12, 2026 - Wikipedia — https://en.wikipedia.org/" in asked.stderr
        assert "Sources" not in asked.stdout
        shown = rill("show", "1", "--db", db)
        again = rill("-p", "And the one after?", "--cid", "1", *common)
        assert again.returncode == 0, again.stderr
        bodies = [request.json for request in server.requests]
    assert "**Hosted tool** `web_search` · 3 results: `next total solar eclipse 2026 date`" in shown.stdout
    assert "1. [Solar eclipse of August 12, 2026 - Wikipedia]" in shown.stdout
    assert "2. [Total solar eclipse 2026 in Spain" in shown.stdout
    assert bodies[0]["tools"] == [{"type": "web_search_20250305", "name": "web_search"}]
    turns = bodies[1]["messages"]
    assert [turn["role"] for turn in turns] == ["user", "assistant", "user"]
    assert {block["type"] for turn in turns for block in turn["content"]} == {"text"}
    assert turns[1]["content"][0]["text"].endswith("since 1999.")
