"""The real app's command palette, help screen, copy and export, driven by key presses (pilots).

- the palette lists every action of the ACTIONS table exactly once (Textual's own "Quit" is not a
  second one), every provider switch, actions added to the table, and explains what cannot run now;
- the help lists every key, the remapped ones as remapped, and scrolls to its last row at 80x24;
- `y` on a code block copies just the code, `Y` keeps an answer's tool rounds apart;
- f8 / the palette export the open conversation to a Markdown file and say where.
"""

from __future__ import annotations

from collections import Counter

from textual.command import CommandPalette
from textual.containers import VerticalScroll
from textual.widgets import OptionList

from tests.app.chat_helpers import make_app, send, wait_finished, wait_for
from tui.app import app as app_module
from tui.app.app import ACTIONS
from tui.app.keymap import key_label
from tui.app.screens.help import HelpScreen
from tui.app.widgets.prompt_input import PromptInput
from tui.builtin_tools import calculator, current_time
from tui.config import Settings
from tui.history import HistoryStore
from tui.stream.providers import PROVIDERS
from tui.stream.providers.scripted import ScriptedProvider

CALLS = [{"name": "calculator", "arguments": {"expression": "6 * 7"}}, {"name": "current_time", "arguments": {}}]
CODE_ANSWER = "Here is the script:\n\n```python title=x\nprint('hi')\n\n    return 1\n```\n\nRun it."


# -- palette ---------------------------------------------------------------------------------------
async def palette_entries(pilot) -> dict[str, str]:
    """Open the palette (ctrl+p) and read every entry it offers before anything is typed: title -> help."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
    palette = app.screen
    # "-ready": Textual's palette has gathered every provider's entries
    await wait_for(pilot, lambda: palette.has_class("-ready"), what="the palette's entries")
    options = palette.query_one(OptionList)
    assert options.option_count >= len(ACTIONS) + len(PROVIDERS)
    hits = [options.get_option_at_index(i).hit for i in range(options.option_count)]  # type: ignore[attr-defined]
    titles = Counter(hit.text for hit in hits)
    duplicates = [title for title, count in titles.items() if count > 1]
    assert not duplicates, duplicates
    entries = {hit.text: hit.help or "" for hit in hits}
    await pilot.press("escape")
    await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette), what="the palette to close")
    return entries


async def choose(pilot, query: str) -> None:
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
    await pilot.press(*query)
    options = app.screen.query_one(OptionList)
    await wait_for(pilot, lambda: options.option_count > 0, what="a match")
    await pilot.press("down", "enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette), what="the palette to close")
    await pilot.pause()


async def test_every_action_is_in_the_palette_exactly_once_wherever_the_focus_is():
    app = make_app(ScriptedProvider(rate=0, reply=lambda r: "fine", thinking=None))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, app, "hi")
        await wait_finished(pilot, app)
        for focus in (app.chat.query_one(PromptInput), app.chat.transcript):
            focus.focus()
            await pilot.pause()
            entries = await palette_entries(pilot)
            for action, (keys, description, _show) in ACTIONS.items():
                assert description in entries, (action, sorted(entries))
                assert entries[description].startswith(key_label(keys)), (action, entries[description])
            assert "Quit" in entries  # once: the duplicates check above covers Textual's own Quit
            for name in PROVIDERS:
                assert f"Switch provider: {name}" in entries
            assert entries["Pause/resume"].startswith("ctrl+s")
            assert entries["Export conversation"].startswith("f8")
            assert "not now: Nothing is streaming now." in entries["Cancel"]
            assert "Theme" in entries  # Textual's own entries that rill has no twin of stay


async def test_an_action_added_to_the_table_is_in_the_palette(monkeypatch):
    monkeypatch.setitem(ACTIONS, "demo_feature", ("f12", "Demo feature", False))
    ran: list[str] = []
    monkeypatch.setattr(app_module.RillApp, "action_demo_feature", lambda self: ran.append("demo"), raising=False)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        entries = await palette_entries(pilot)
        assert entries["Demo feature"].startswith("f12")
        await choose(pilot, "demo feature")
        assert ran == ["demo"]


async def test_remapped_keys_show_in_the_palette():
    app = make_app(settings=Settings(provider="scripted", keys={"pause_resume": "f10"}))
    async with app.run_test(size=(120, 40)) as pilot:
        entries = await palette_entries(pilot)
        assert entries["Pause/resume"].startswith("f10")


async def test_an_action_that_cannot_run_now_says_why():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await choose(pilot, "cancel")
        assert any("Nothing is streaming" in n.message for n in app._notifications)


async def test_transcript_actions_run_from_the_palette_with_the_prompt_focused():
    app = make_app(ScriptedProvider(rate=0, reply=lambda r: "alpha\n\nbeta", thinking=None))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, app, "hi")
        await wait_finished(pilot, app)
        assert isinstance(app.focused, PromptInput)
        await choose(pilot, "copy answer")
        assert app.clipboard == "alpha\n\nbeta"


# -- help ------------------------------------------------------------------------------------------
def screen_lines(app) -> list[str]:
    """What the terminal shows, line by line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_help_at_80x24_lists_every_key_and_scrolls_to_the_last():
    app = make_app(settings=Settings(provider="scripted", keys={"sessions": "f12"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        await pilot.pause()
        help_screen = app.screen
        text = "\n".join(str(row) for _title, rows in help_screen.groups for row in rows)
        for _action, (_keys, description, _show) in ACTIONS.items():
            assert description in text
        for wanted in ("Send the message", "New line", "Earlier prompts", "Paste", "Undo", "Rename", "Export .md"):
            assert wanted in text
        for wanted in ("Open call", "Copy result", "Copy arguments", "Allow in this conversation", "Deny"):
            assert wanted in text  # the tool pane's, its detail view's and the confirmation's keys
        titles = [title for title, _rows in help_screen.groups]
        assert titles[:3] == ["Chat", "Transcript (focus it with ctrl+o)", "Prompt"]
        assert titles[3] == "Session browser (f12)"  # the remapped key
        scroll = help_screen.query_one("#help-keys", VerticalScroll)
        assert scroll.max_scroll_y > 0  # longer than the terminal: it scrolls, not cut off
        shown = "\n".join(screen_lines(app))
        assert "Pause/resume" in shown and "Search every message" not in shown
        assert any(line.split()[1:3] == ["f12", "Sessions"] for line in screen_lines(app)), screen_lines(app)
        await pilot.press("end")
        await wait_for(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y, what="the end of the list")
        await pilot.pause()
        lines = screen_lines(app)
        assert any("d / esc" in line and "Deny" in line for line in lines), lines  # the last group's last key
        assert any("escape, F1 or ? closes" in line for line in lines)  # the hint stays on screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), what="the help to close")


# -- copy ------------------------------------------------------------------------------------------
async def test_y_on_a_code_block_copies_only_its_code():
    app = make_app(ScriptedProvider(rate=0, reply=lambda r: CODE_ANSWER, thinking=None))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, app, "code please")
        await wait_finished(pilot, app)
        app.chat.transcript.focus()
        await pilot.press("down", "down")  # the first part, then the code block
        assert app.chat.transcript.selected_answer.selected == 1
        await pilot.press("y")
        assert app.clipboard == "print('hi')\n\n    return 1"
        await pilot.press("down", "y")  # a paragraph is copied as it is
        assert app.clipboard == "Run it."


async def test_Y_keeps_the_text_of_tool_rounds_apart(tmp_path):
    store = HistoryStore(tmp_path / "h.db")
    cid = None
    for history in (None, store):
        app = make_app(ScriptedProvider(rate=0, tool_calls=CALLS), store=history, tools=[calculator, current_time])
        async with app.run_test(size=(120, 40)) as pilot:
            await send(pilot, app, "compute please")
            await wait_finished(pilot, app)
            app.chat.transcript.focus()
            await pilot.press("Y")
            copied = app.clipboard
            assert copied.startswith("Let me check.\n\nThe tools answered:\n\n"), copied
            assert "That is the whole tour." in copied
            cid = app.chat.cid
    reopened = make_app(ScriptedProvider(rate=0), store=store, cid=cid)
    async with reopened.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: reopened.chat.transcript.answers, what="the transcript")
        reopened.chat.transcript.focus()
        await pilot.press("Y")
        assert reopened.clipboard == copied  # the same text live and reopened from history
    store.close()


# -- export ----------------------------------------------------------------------------------------
async def test_f8_exports_the_open_conversation_and_says_where(tmp_path):
    store = HistoryStore(tmp_path / "h.db")
    app = make_app(ScriptedProvider(rate=0, reply=lambda r: "The answer [bold]x[/bold].", thinking=None), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.chat.export_dir = tmp_path / "exports"
        await pilot.press("f8")
        await wait_for(pilot, lambda: app._notifications, what="a notice")
        assert "Nothing to export yet" in list(app._notifications)[-1].message
        await send(pilot, app, "export me")
        await wait_finished(pilot, app)
        await pilot.press("f8")  # from the prompt
        await wait_for(pilot, lambda: list((tmp_path / "exports").glob("*.md")), what="the file")
        [path] = (tmp_path / "exports").glob("*.md")
        text = path.read_text()
        assert "export me" in text and "The answer [bold]x[/bold]." in text
        await wait_for(pilot, lambda: any(str(path) in n.message for n in app._notifications), what="the path")
        path.unlink()
        await choose(pilot, "export conv")
        await wait_for(pilot, lambda: path.exists(), what="the palette's export")
    store.close()


async def test_export_without_history_says_so():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f8")
        await wait_for(pilot, lambda: app._notifications, what="a notice")
        assert "History is off" in list(app._notifications)[-1].message


async def test_over_the_session_browser_the_palette_lists_its_keys_and_the_chats_actions_wait(tmp_path):
    from tui.app.screens.sessions import SessionsScreen

    store = HistoryStore(tmp_path / "h.db")
    app = make_app(store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen), what="the session browser")
        entries = await palette_entries(pilot)
        assert entries["Rename"].startswith("f2") and entries["Export .md"].startswith("f3")
        assert "not now: Only in the chat" in entries["New chat"]
        assert "not now" not in entries["Quit"] and "not now" not in entries["Help"]
        await choose(pilot, "new chat")
        assert isinstance(app.screen, SessionsScreen)  # nothing ran behind the browser's back
        assert any("Only in the chat" in n.message for n in app._notifications)
    store.close()
