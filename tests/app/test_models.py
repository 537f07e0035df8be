"""The model picker (f4), the system prompt (f9), presets (f5, palette) and the title (f2), driven by keys,
against the scripted provider and a real OpenAI-compatible server (WireServer)."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input, OptionList, Static, TextArea

from tests.app.chat_helpers import make_app, send, wait_finished, wait_for
from tests.stream.wire_server import Reply, WireServer, chat_body
from tui.app.commands import RillCommands
from tui.app.screens.picker import PickerScreen
from tui.app.screens.system_prompt import SystemPromptScreen
from tui.app.screens.text_prompt import TextPromptScreen
from tui.config import Preset, Settings, make_provider
from tui.history import HistoryStore
from tui.stream.providers.scripted import ScriptedProvider

SIZE = (120, 36)
MODELS = {"object": "list", "data": [{"id": "alpha-7b", "owned_by": "lab"}, {"id": "beta-70b", "owned_by": "lab"}]}


def openai_settings(server: WireServer, **more) -> Settings:
    return Settings(provider="openai", base_url=server.url + "/v1", api_key="sk-test", max_retries=0, **more)


def openai_app(settings: Settings, **kwargs):
    return make_app(settings=settings, provider=make_provider(settings), **kwargs)


def models_reply(data=MODELS, status: int = 200) -> Reply:
    return Reply(body=json.dumps(data).encode(), status=status, content_type="application/json")


async def open_picker(pilot, app) -> PickerScreen:
    await pilot.press("f4")
    await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the model picker")
    picker = app.screen
    assert isinstance(picker, PickerScreen)
    await wait_for(pilot, lambda: picker.choices is not None or picker.failure is not None, what="the model list")
    await pilot.pause()
    return picker


def rows(picker: PickerScreen) -> list[str]:
    """The rows on show, white space collapsed ("● name detail": the current one is marked)."""
    options = picker.query_one(OptionList)
    if not options.display:
        return []
    return [" ".join(str(options.get_option_at_index(n).prompt).split()) for n in range(options.option_count)]


def message(picker: PickerScreen) -> str:
    return str(picker.query_one("#picker-message", Static).render())


def stats_line(app) -> str:
    return str(app.chat.stats.render())


# -- the model picker ---------------------------------------------------------------------------------
async def test_picker_lists_the_servers_models_and_the_choice_answers_the_next_message(tmp_path: Path):
    with WireServer() as server:
        # the server names the exact model that answered: that is what the answer records
        body = chat_body("from", " beta").replace(b'"test-model"', b'"beta-70b-0125"')
        server.add(models_reply(), Reply(body=body))
        settings = openai_settings(server, model="alpha-7b")
        store = HistoryStore(tmp_path / "h.db")
        app = openai_app(settings, store=store)
        async with app.run_test(size=SIZE) as pilot:
            picker = await open_picker(pilot, app)
            assert rows(picker) == ["● alpha-7b lab", "beta-70b lab"]  # the current model is marked
            assert "2 of 2 models" in message(picker)
            await pilot.press("b", "e", "t")  # filter as you type
            assert rows(picker) == ["beta-70b lab", "+ use bet model name"]
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen is app.chat, what="the picker to close")
            assert app.provider.model == "beta-70b" and app.provider.name == "openai"
            assert "openai/beta-70b" in stats_line(app)
            await send(pilot, app, "hello")
            await wait_finished(pilot, app)
            answer = app.chat.transcript.answers[-1]
            assert answer.answered_by == "openai/beta-70b-0125"
            assert "openai/beta-70b-0125" in app.chat.transcript.visible_text()  # shown under the answer
            listing, chat = server.requests
        assert (listing.method, listing.path) == ("GET", "/v1/models")
        assert chat.json["model"] == "beta-70b"
        saved = store.get_message(answer.message_id)
        assert (saved.provider, saved.model) == ("openai", "beta-70b-0125")
        store.close()


async def test_a_failed_listing_says_why_and_a_typed_name_still_works():
    with WireServer() as server:
        error = {"error": {"message": "Incorrect API key provided"}}
        server.add(models_reply(error, status=401), Reply(body=chat_body("ok")))
        app = openai_app(openai_settings(server))
        async with app.run_test(size=SIZE) as pilot:
            picker = await open_picker(pilot, app)
            assert rows(picker) == []  # a message instead of a list
            said = message(picker)
            assert (
                "Cannot list: the OpenAI-compatible server answered HTTP 401" in said
                and "Incorrect API key provided" in said
            )
            assert "OPENAI_API_KEY" in said
            for key in "my-model":
                await pilot.press(key if key != "-" else "minus")
            assert rows(picker) == ["+ use my-model model name"]
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen is app.chat, what="the picker to close")
            await send(pilot, app, "hello")
            await wait_finished(pilot, app)
            assert server.requests[1].json["model"] == "my-model"


async def test_garbage_instead_of_a_model_list():
    with WireServer() as server:
        server.add(Reply(body=b"<not json>", content_type="application/json"))
        app = openai_app(openai_settings(server))
        async with app.run_test(size=SIZE) as pilot:
            picker = await open_picker(pilot, app)
            assert "not a model list" in message(picker) and rows(picker) == []
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is app.chat, what="the picker to close")
            assert app.provider.model == "gpt-4o-mini"  # nothing changed


async def test_scripted_picker_in_the_same_conversation(tmp_path: Path):
    store = HistoryStore(tmp_path / "h.db")
    app = make_app(ScriptedProvider(rate=0, thinking=None, text="First."), store=store)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, app, "one")
        await wait_finished(pilot, app)
        cid = app.chat.cid
        picker = await open_picker(pilot, app)
        assert rows(picker)[0].startswith("● scripted-demo")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.screen is app.chat, what="the picker to close")
        await send(pilot, app, "two")
        await wait_for(pilot, lambda: len(app.chat.transcript.answers) == 2, what="the second answer")
        await wait_finished(pilot, app)
        first, second = app.chat.transcript.answers
        assert app.chat.cid == cid  # the same conversation goes on
        assert (first.answered_by, second.answered_by) == ("scripted/scripted-demo", "scripted/scripted-mini")
        thread = [m for m in store.thread(cid) if m.role == "assistant"]
        assert [m.model for m in thread] == ["scripted-demo", "scripted-mini"]
        # reopened, each answer still says who wrote it
        await app.chat.open_conversation(cid)
        await pilot.pause()
        assert [a.answered_by for a in app.chat.transcript.answers] == [
            "scripted/scripted-demo",
            "scripted/scripted-mini",
        ]
    store.close()


# -- the system prompt ----------------------------------------------------------------------------------
async def test_system_prompt_is_shown_edited_sent_and_saved(tmp_path: Path):
    with WireServer() as server:
        server.add(Reply(body=chat_body("a")), Reply(body=chat_body("b")))
        store = HistoryStore(tmp_path / "h.db")
        app = openai_app(openai_settings(server, system="Be brief."), store=store)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: "System prompt: Be brief." in app.chat.transcript.visible_text(), what="note")
            await send(pilot, app, "first")
            await wait_finished(pilot, app)
            cid = app.chat.cid
            assert store.get_conversation(cid).system == "Be brief."
            await pilot.press("f9")
            await wait_for(pilot, lambda: isinstance(app.screen, SystemPromptScreen), what="the editor")
            area = app.screen.query_one(TextArea)
            assert area.text == "Be brief."
            area.load_text("Answer like a pirate.\nAlways.")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.screen is app.chat, what="the editor to close")
            await pilot.pause()
            shown = app.chat.transcript.visible_text()
            assert "System prompt: Answer like a pirate." in shown and "Be brief" not in shown
            await send(pilot, app, "second")
            await wait_for(pilot, lambda: len(server.requests) == 2, what="the second request")
            await wait_finished(pilot, app)
            first, second = (r.json["messages"][0] for r in server.requests)
        assert first == {"role": "system", "content": "Be brief."}
        assert second == {"role": "system", "content": "Answer like a pirate.\nAlways."}
        assert store.get_conversation(cid).system == "Answer like a pirate.\nAlways."
        store.close()


async def test_removing_the_system_prompt_and_escape_changes_nothing():
    app = make_app(settings=Settings(provider="scripted", system="Old."))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, SystemPromptScreen), what="the editor")
        app.screen.query_one(TextArea).load_text("changed")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.chat, what="the editor to close")
        assert app.chat.system == "Old."
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, SystemPromptScreen), what="the editor")
        app.screen.query_one(TextArea).load_text("   ")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is app.chat, what="the editor to close")
        await pilot.pause()
        assert app.chat.system is None
        assert "System prompt" not in app.chat.transcript.visible_text()


async def test_a_reopened_conversation_brings_its_own_system_prompt(tmp_path: Path):
    store = HistoryStore(tmp_path / "h.db")
    conversation = store.create_conversation(provider="scripted", system="Speak [bold]French[/bold].", title="Old")
    store.add_message(conversation.id, "user", "bonjour")
    app = make_app(settings=Settings(provider="scripted", system="Default."), store=store, cid=conversation.id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.chat.cid == conversation.id, what="the conversation")
        await pilot.pause()
        assert app.chat.system == "Speak [bold]French[/bold]."
        assert "System prompt: Speak [bold]French[/bold]." in app.chat.transcript.visible_text()  # literal
        assert "“Old”" in stats_line(app)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.chat.system == "Default."  # a new chat starts from the settings again
    store.close()


# -- presets -------------------------------------------------------------------------------------------
PRESETS = {
    "terse": Preset(system="Five words.", model="tiny", temperature=0.3, max_tokens=50),
    "demo": Preset(provider="scripted", model="scripted-mini", tools=[]),
}


async def test_new_chat_with_a_preset_from_f5(tmp_path: Path):
    with WireServer() as server:
        server.add(Reply(body=chat_body("ok")))
        settings = openai_settings(server, presets=PRESETS)
        app = openai_app(settings)
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, app, "before")
            await wait_finished(pilot, app)
            await pilot.press("f5")
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the preset picker")
            picker = app.screen
            await wait_for(pilot, lambda: picker.choices is not None, what="the presets")
            await pilot.pause()
            assert rows(picker) == [
                "● (no preset) the settings from the config file and flags",
                "demo scripted/scripted-mini · tools: none",
                "terse tiny · temperature 0.3 · system: Five words.",
            ]
            await pilot.press("t", "e", "r", "enter")
            await wait_for(pilot, lambda: app.preset == "terse" and not app.chat.transcript.answers, what="new chat")
            await pilot.pause()
            assert "System prompt: Five words." in app.chat.transcript.visible_text()
            assert "openai/tiny" in stats_line(app)
            await send(pilot, app, "after")
            await wait_finished(pilot, app)
            body = server.requests[-1].json
        assert body["model"] == "tiny" and body["temperature"] == 0.3 and body["max_tokens"] == 50
        assert body["messages"] == [{"role": "system", "content": "Five words."}, {"role": "user", "content": "after"}]


async def test_palette_lists_one_new_chat_per_preset_and_it_switches_provider_and_tools():
    app = make_app(settings=Settings(provider="scripted", presets=PRESETS), tools=[_calculator])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = [c.title for c in RillCommands(app.screen).commands()]
        assert titles.count("New chat with preset demo") == 1 and titles.count("New chat with preset terse") == 1
        assert "Choose model" in titles and "Edit system prompt" in titles and "Rename conversation" in titles
        command = next(c for c in RillCommands(app.screen).commands() if c.title == "New chat with preset demo")
        await command.callback()
        await pilot.pause()
        assert (app.provider.name, app.provider.model, app.preset) == ("scripted", "scripted-mini", "demo")
        assert [t.__name__ for t in app.tools] == []  # tools = [] switches the built-in ones off
        assert await app.new_chat_with_preset(None)  # back to the settings without a preset
        assert app.provider.model == "scripted-demo" and app.preset is None


def calculator(expression: str) -> str:
    return expression


_calculator = calculator


# -- the title ------------------------------------------------------------------------------------------
async def test_title_shows_and_renames_before_and_after_the_first_message(tmp_path: Path):
    store = HistoryStore(tmp_path / "h.db")
    app = make_app(ScriptedProvider(rate=0, thinking=None, text="ok"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPromptScreen), what="the rename prompt")
        app.screen.query_one(Input).value = "Trip [planning]"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is app.chat, what="the prompt to close")
        assert "“Trip [planning]”" in stats_line(app)
        await send(pilot, app, "where should we go")
        await wait_finished(pilot, app)
        assert store.get_conversation(app.chat.cid).title == "Trip [planning]"
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPromptScreen), what="the rename prompt")
        field = app.screen.query_one(Input)
        assert field.value == "Trip [planning]"
        field.value = "Lisbon in May"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is app.chat, what="the prompt to close")
        assert "“Lisbon in May”" in stats_line(app)
        assert store.get_conversation(app.chat.cid).title == "Lisbon in May"
    store.close()


async def test_the_first_prompt_names_the_conversation_in_the_stats_bar(tmp_path: Path):
    store = HistoryStore(tmp_path / "h.db")
    app = make_app(ScriptedProvider(rate=0, thinking=None, text="ok"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        assert "“" not in stats_line(app)  # a new chat has no title yet
        await send(pilot, app, "How do tides work?")
        await wait_finished(pilot, app)
        assert "“How do tides work?”" in stats_line(app)
    store.close()


def test_the_title_goes_before_the_model_and_the_numbers_when_the_bar_is_narrow():
    from tui.app.updates import StatsView
    from tui.app.widgets.stats_bar import format_stats
    from tui.stream import StreamState

    view = StatsView(state=StreamState.COMPLETED, provider="p", model="m", first_token_ms=5, elapsed_ms=1000)
    wide = format_stats(view, width=200, title="A [bold] title\tthat is long enough to be cut somewhere after forty")
    assert wide.startswith("✓ completed  │  “A [bold] title that is long enough to b…”  │  p/m  │  TTFT 5 ms")
    narrow = format_stats(view, width=60, title="A title")
    assert "A title" not in narrow and "TTFT 5 ms" in narrow
    assert format_stats(view, title="   ") == format_stats(view)


async def test_local_models_bring_their_file_and_a_typed_path_that_is_not_there_changes_nothing(tmp_path: Path):
    from tui.stream import ModelInfo

    gguf = tmp_path / "tiny.Q4.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 64)
    settings = Settings(provider="local", models_dir=str(tmp_path))
    app = make_app(settings=settings)  # starts on the scripted provider: nothing loads a model here
    async with app.run_test(size=SIZE) as pilot:
        assert app.use_model("tiny.Q4", ModelInfo("tiny.Q4", "", str(gguf)))
        assert (app.provider.name, app.provider.model, app.provider.model_path) == ("local", "tiny.Q4", str(gguf))
        assert not app.use_model(str(tmp_path / "missing.gguf"))  # typed: a path, checked before it is used
        await pilot.pause()
        assert app.provider.model_path == str(gguf)
        notes = " ".join(n.message for n in app._notifications)
        assert "model file not found" in notes and "missing.gguf" in notes


async def test_the_palette_opened_over_the_chat_reaches_the_picker_the_editor_and_rename():
    from textual.command import CommandPalette

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for title, screen in (
            ("Choose model", PickerScreen),
            ("Edit system prompt", SystemPromptScreen),
            ("Rename conversation", TextPromptScreen),
            ("New chat with preset", PickerScreen),
        ):
            await pilot.press("ctrl+p")
            await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
            app.screen.query_one(Input).value = title
            await pilot.pause(0.3)
            await pilot.press("enter")
            await wait_for(pilot, lambda screen=screen: isinstance(app.screen, screen), what=title)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is app.chat, what="the chat again")


async def test_a_rename_in_the_session_browser_shows_in_the_chat(tmp_path: Path):
    from tui.app.screens.sessions import SessionsScreen

    store = HistoryStore(tmp_path / "h.db")
    app = make_app(ScriptedProvider(rate=0, thinking=None, text="ok"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, app, "first words")
        await wait_finished(pilot, app)
        assert "“first words”" in stats_line(app)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen), what="the session browser")
        await pilot.pause(0.3)
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPromptScreen), what="the rename prompt")
        app.screen.query_one(Input).value = "Named in the browser"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen), what="the browser again")
        await wait_for(pilot, lambda: store.get_conversation(app.chat.cid).title == "Named in the browser", what="save")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.chat, what="the chat")
        await pilot.pause()
        assert "“Named in the browser”" in stats_line(app)
    store.close()
