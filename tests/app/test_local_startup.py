"""The embedded local model's first moments, as a person sees them in the app.

- Nothing to run it with (llama-cpp-python missing, or no model file): said at start-up, with what to
  do, not only at the first send.
- It can run: it starts loading at start-up, the stats bar says "loading model" with the time so far
  (and the last load's time as the estimate), and the load time is remembered for next time.
"""

from __future__ import annotations

import sys

from tests.app.chat_helpers import make_app, send, wait_finished, wait_for
from tui.app.model_warmup import loading_note
from tui.app.state import AppState
from tui.app.updates import StatsView
from tui.app.widgets.stats_bar import format_stats
from tui.stream import StreamState
from tui.stream.providers.local import LocalProvider


def screen_text(app) -> str:
    welcome = app.chat.transcript.welcome
    return " ".join(welcome.text.split()) if welcome is not None else ""


async def test_a_missing_model_file_is_said_at_start_up(tmp_path):
    app = make_app(LocalProvider(model_path=str(tmp_path / "gone.gguf")))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app._notifications, what="the start-up notice")
        notice = " ".join(n.message for n in app._notifications)
        assert "cannot run" in notice and "gone.gguf" in notice
        await wait_for(pilot, lambda: "cannot answer" in screen_text(app), what="the welcome to say why")
        assert "gone.gguf" in screen_text(app)
        assert "no model" in format_stats(app.chat.stats_view)


async def test_llama_cpp_not_installed_is_said_at_start_up_with_the_install_command(monkeypatch):
    from tui.cli.app_mode import build_provider
    from tui.config import Settings

    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # what `import llama_cpp` does when it is absent
    provider = build_provider(Settings())  # what `rill` builds with nothing configured: the app still opens
    assert provider.name == "local"
    app = make_app(provider)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app._notifications, what="the start-up notice")
        notice = " ".join(n.message for n in app._notifications)
        assert "llama-cpp-python" in notice and "pip install" in notice
        assert "OPENAI_API_KEY" in notice  # or which provider to configure instead
        await wait_for(pilot, lambda: "llama-cpp-python" in screen_text(app), what="the welcome to say why")


def test_the_loading_label_replaces_connecting_and_gives_the_estimate():
    line = format_stats(
        StatsView(state=StreamState.CONNECTING, provider="local", model="smol", note=loading_note(2.14, 5400))
    )
    assert line.startswith("◌ loading model 2.1 s of ~5.4 s")
    assert "connecting" not in line
    idle = format_stats(StatsView(note=loading_note(0.5, None)))
    assert idle.startswith("○ loading model 0.5 s") and "of ~" not in idle


async def test_the_model_loads_at_start_up_and_its_time_is_remembered(tmp_path):
    state = AppState(path=tmp_path / "state.json")
    provider = LocalProvider(n_ctx=640, max_tokens=8, seed=1)  # its own cache key: a load of its own
    app = make_app(provider, state=state)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.chat
        await wait_for(
            pilot,
            lambda: app.warmup.loading or app.warmup.load_ms is not None or state.model_load_ms,
            what="the load to start",
        )
        if app.warmup.loading:  # while it loads, the bar says so (no prompt was sent)
            assert format_stats(chat.stats_view).startswith("○ loading model")
        await wait_for(pilot, lambda: state.model_load_ms is not None, timeout=120, what="the load time")
        assert "loading" not in format_stats(chat.stats_view)
        await send(pilot, app, "Say hi.")  # the model is ready: no loading on the way
        await wait_finished(pilot, app, timeout=120)
        assert chat.stats_view.state is StreamState.COMPLETED
    assert AppState.load(tmp_path / "state.json").model_load_ms == state.model_load_ms
