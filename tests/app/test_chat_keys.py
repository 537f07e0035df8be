"""Pilot tests of the prompt and the simple bindings, and of starting without a usable database."""

from __future__ import annotations

from tests.app.chat_helpers import make_app, send, wait_finished
from tui.app.widgets.prompt_input import PromptInput
from tui.cli.app_mode import open_store
from tui.config import Settings
from tui.stream.providers.scripted import ScriptedProvider


async def test_prompt_multiline_send_and_recall():
    app = make_app(ScriptedProvider(rate=0, reply=lambda r: "ok", thinking=None))
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = app.chat.query_one(PromptInput)
        assert prompt.has_focus
        await pilot.press(*"ruy", "ctrl+j", *"line")  # letters bound to actions still type here
        assert prompt.text == "ruy\nline"
        await pilot.press("enter")
        await wait_finished(pilot, app)
        assert app.chat.context[0].content == "ruy\nline"
        await pilot.press("up")
        assert prompt.text == "ruy\nline"
        await pilot.press("down")
        assert prompt.text == ""


async def test_thinking_toggle_and_new_chat():
    app = make_app(ScriptedProvider(rate=0))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "hi")
        await wait_finished(pilot, app)
        await pilot.press("ctrl+t")
        assert not app.chat.thinking.display or app.chat.thinking.has_class("-collapsed")
        await pilot.press("ctrl+t")
        assert not app.chat.thinking.has_class("-collapsed")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.chat.transcript.answers == [] and app.chat.context == []
        assert app.chat.thinking.text == ""


async def test_copy_whole_answer_from_transcript():
    app = make_app(ScriptedProvider(rate=0, reply=lambda r: "alpha\n\nbeta", thinking=None))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "hi")
        await wait_finished(pilot, app)
        app.chat.transcript.focus()
        await pilot.press("Y")
        assert app.clipboard == "alpha\n\nbeta"


def test_unopenable_database_means_no_history_and_a_note(tmp_path):
    bad = tmp_path / "rill.db"
    bad.write_bytes(b"this is not a database" * 100)
    notes: list[str] = []
    assert open_store(Settings(db=str(bad)), notes) is None
    assert notes and "Not saving" in notes[0]


async def test_app_without_history_still_chats_and_says_so():
    app = make_app(
        ScriptedProvider(rate=0, reply=lambda r: "fine", thinking=None),
        startup_notes=["Not saving: the history database cannot be opened (x)."],
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert any("Not saving" in n.message for n in app._notifications)
        await send(pilot, app, "hi")
        await wait_finished(pilot, app)
        assert app.chat.transcript.answers[-1].shown_text == "fine"
        await pilot.press("ctrl+r")
        assert any("History is not available" in n.message for n in app._notifications)


async def test_switch_provider_from_the_palette_hook():
    app = make_app(ScriptedProvider(rate=0, reply=lambda r: "one", thinking=None))
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.switch_provider("scripted", model="other-model")
        await pilot.pause()
        assert app.chat.stats_view.model == "other-model"
        assert not app.switch_provider("no-such-provider")
        await pilot.pause()
        assert any("no-such-provider" in n.message for n in app._notifications), [n.message for n in app._notifications]


async def test_enter_while_streaming_keeps_the_new_prompt():
    from tests.app.chat_helpers import GatedProvider, wait_for

    provider = GatedProvider("one two three four", first=2)
    app = make_app(provider)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "first")
        await wait_for(pilot, provider.reached.is_set, what="mid-stream")
        prompt = app.chat.query_one(PromptInput)
        prompt.load_text("second")
        await pilot.press("enter")
        assert prompt.text == "second"
        assert any("still streaming" in n.message for n in app._notifications)
        provider.gate.set()
        await wait_finished(pilot, app)
        assert len(app.chat.transcript.answers) == 1


async def test_theme_is_remembered(tmp_path):
    from tui.app.state import AppState

    state = AppState.load(tmp_path / "state.json")
    app = make_app(state=state)
    async with app.run_test(size=(100, 30)) as pilot:
        app.theme = "nord"
        await pilot.pause()
    assert AppState.load(tmp_path / "state.json").theme == "nord"
    again = make_app(state=AppState.load(tmp_path / "state.json"))
    async with again.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert again.theme == "nord"


async def test_keys_remapped_from_config_and_bad_names_reported():
    settings = Settings(provider="scripted", keys={"new_chat": "f12"})
    app = make_app(ScriptedProvider(rate=0, reply=lambda r: "x", thinking=None), settings=settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "hi")
        await wait_finished(pilot, app)
        await pilot.press("f12")
        await pilot.pause()
        assert app.chat.transcript.answers == []
    bad = make_app(settings=Settings(provider="scripted", keys={"no_such_action": "ctrl+b"}))
    async with bad.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert any("no_such_action" in n.message for n in bad._notifications)
