"""How a prompt with attachments (its chip line) and a multi-line prompt look, pinned.

Review the SVGs under __snapshots__ when they change: each must show what its name says.
"""

from __future__ import annotations

import pytest

from tests.app.chat_helpers import frozen_clock, make_app, send, wait_finished
from tests.stream.test_attachments import PNG
from tui.stream.providers.scripted import ScriptedProvider


@pytest.fixture
def files(tmp_path, monkeypatch):
    (tmp_path / "notes.md").write_text("# Notes\n\nbuy milk\n")
    (tmp_path / "cat.png").write_bytes(PNG)
    monkeypatch.chdir(tmp_path)


def app():
    provider = ScriptedProvider(rate=0, thinking="", reply=lambda request: "A cat, and a note about milk.")
    return make_app(provider, clock=frozen_clock)


def test_prompt_with_attachments(snap_compare, files):
    async def run_before(pilot):
        await send(pilot, pilot.app, "What is in @cat.png and @notes.md?")
        await wait_finished(pilot, pilot.app)

    assert snap_compare(app(), terminal_size=(120, 30), run_before=run_before)


def test_multi_line_prompt(snap_compare, files):
    async def run_before(pilot):
        await send(pilot, pilot.app, "line one\nline two\n\n- a list item\n- another")
        await wait_finished(pilot, pilot.app)

    assert snap_compare(app(), terminal_size=(120, 30), run_before=run_before)
