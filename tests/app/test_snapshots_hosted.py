"""Hosted tools and citations on screen, pinned: an answer with its numbered sources under it, and
the tool pane with hosted rows (query, status, duration on a frozen clock, result count).

Review the SVGs under __snapshots__ when they change: each must show what its name says.
"""

from __future__ import annotations

from tests.app.chat_helpers import frozen_clock, make_app, send, wait_finished
from tui.stream.providers.scripted import ScriptedProvider

ANSWER = """Textual draws the terminal screen and **SSE** carries the stream [1][2].

- `httpx` reads the bytes
- the parser turns them into events"""


def hosted_app():
    provider = ScriptedProvider(rate=0, thinking=None, text=ANSWER, hosted_tools=["web_search", "code_interpreter"])
    return make_app(provider, tools=[], clock=frozen_clock)


async def _finish(pilot):
    await send(pilot, pilot.app, "how does rill stream?")
    await wait_finished(pilot, pilot.app)
    await pilot.pause()


def test_answer_with_citations_and_hosted_rows(snap_compare):
    assert snap_compare(hosted_app(), terminal_size=(140, 40), run_before=_finish)


def test_answer_with_citations_at_80x24(snap_compare):
    assert snap_compare(hosted_app(), terminal_size=(80, 24), run_before=_finish)
