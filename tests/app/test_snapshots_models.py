"""How the model picker, the system prompt and the title look, pinned (scripted provider, frozen clock).

Review the SVGs under __snapshots__ when they change: each must show what its name says.
"""

from __future__ import annotations

from textual.widgets import Input

from tests.app.chat_helpers import frozen_clock, make_app, send, wait_finished, wait_for
from tui.app.screens.picker import PickerScreen
from tui.config import Settings
from tui.history import HistoryStore
from tui.stream import ModelInfo
from tui.stream.providers.scripted import ScriptedProvider

MODELS = [
    ModelInfo("scripted-demo", "the offline demo: thinking, Markdown, tool calls"),
    ModelInfo("gpt-4o-mini", "openai"),
    ModelInfo("gpt-4o", "openai"),
    ModelInfo("claude-sonnet-4-5", "Claude Sonnet 4.5"),
    ModelInfo("llama3.2:latest", "3.2B · Q4_K_M · 2.0 GB"),
    ModelInfo("qwen3:0.6b", "522.7 MB"),
    ModelInfo("[bold]not-markup[/bold]", "names are shown literally"),
]


def picker_app(store: HistoryStore | None = None):
    provider = ScriptedProvider(rate=0, thinking=None, text="Short answer.", models=MODELS)
    settings = Settings(provider="scripted", system="Answer in one short paragraph.")
    return make_app(provider, settings=settings, clock=frozen_clock, store=store)


async def _open_picker(pilot, typed: str = "") -> None:
    app = pilot.app
    await pilot.press("f4")
    await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
    await wait_for(pilot, lambda: app.screen.choices is not None, what="the list")
    field = app.screen.query_one(Input)
    field.cursor_blink = False
    if typed:
        field.value = typed
    await pilot.pause()


async def _answered_then_picker(pilot) -> None:
    await send(pilot, pilot.app, "Say something short")
    await wait_finished(pilot, pilot.app)
    await _open_picker(pilot)


async def _filtered(pilot) -> None:
    await _open_picker(pilot, "gpt")


def test_model_picker(snap_compare, tmp_path):
    """The list with the current model marked, over a chat whose answer names its model and whose
    system prompt is shown at the top; the stats bar shows the title."""
    with HistoryStore(tmp_path / "h.db") as store:
        assert snap_compare(picker_app(store), terminal_size=(120, 30), run_before=_answered_then_picker)


def test_model_picker_filtered_with_a_typed_name(snap_compare):
    assert snap_compare(picker_app(), terminal_size=(100, 30), run_before=_filtered)
