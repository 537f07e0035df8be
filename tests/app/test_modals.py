"""The small modal screens: what they show, and what they dismiss with for each key or button."""

import pytest
from textual.widgets import Input

from tests.app.screen_host import ScreenHost, screen_text, wait_for
from tui.app.screens.confirm import ConfirmScreen
from tui.app.screens.confirm_tool import ConfirmToolScreen
from tui.app.screens.help import HelpScreen
from tui.app.screens.rewrite_prompt import RewritePromptScreen
from tui.app.screens.text_prompt import TextPromptScreen

HOSTILE = "[bold]not bold[/] [link=x]y[/link] \x1b[2J\x1b]52;c;aGk=\x07 end\r"


async def run_keys(make_screen, *keys, size=(90, 30)):
    app = ScreenHost(make_screen)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: len(app.screen_stack) == 2)
        for key in keys:
            await pilot.press(key)
        await wait_for(pilot, lambda: app.dismissed)
        assert len(app.screen_stack) == 1
    return app.result


# ---------------------------------------------------------------------------------------------- confirm


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (("y",), True),
        (("n",), False),
        (("escape",), False),
        (("enter",), False),  # "No" has the focus: a reflexive enter deletes nothing
        (("tab", "enter"), True),  # tab wraps to "Yes"
        (("left", "enter"), True),
    ],
)
async def test_confirm_answers(keys, expected):
    assert await run_keys(lambda: ConfirmScreen("Delete it?"), *keys) is expected


async def test_confirm_buttons_by_click():
    app = ScreenHost(lambda: ConfirmScreen("Delete “[b]x[/b]”?"))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: len(app.screen_stack) == 2)
        assert "Delete “[b]x[/b]”?" in screen_text(app.screen)
        await pilot.click("#confirm-yes")
        await wait_for(pilot, lambda: app.dismissed)
    assert app.result is True


# ----------------------------------------------------------------------------------------- confirm tool


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (("o",), "once"),
        (("c",), "conversation"),
        (("a",), "always"),
        (("d",), "deny"),
        (("escape",), "deny"),
        (("enter",), "once"),
        (("right", "enter"), "conversation"),
        (("right", "right", "enter"), "always"),
        (("right", "right", "right", "enter"), "deny"),
    ],
)
async def test_confirm_tool_answers(keys, expected):
    assert await run_keys(lambda: ConfirmToolScreen("read_file", {"path": "notes.txt"}), *keys) == expected


async def test_confirm_tool_shows_name_and_arguments_literally():
    app = ScreenHost(lambda: ConfirmToolScreen("read_[i]file[/i]", {"path": HOSTILE, "n": 3}))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.screen_stack) == 2)
        text = screen_text(app.screen)
        assert "read_[i]file[/i]" in text
        assert '"n": 3' in text
        assert "[bold]not bold[/] [link=x]y[/link]" in text
        assert "\x1b" not in text and "\x07" not in text and "\r" not in text
        assert "\\u001b[2J\\u001b]52;c;aGk=\\u0007" in text  # JSON shows the escapes as escapes
        await pilot.press("d")
        await wait_for(pilot, lambda: app.dismissed)
    assert app.result == "deny"


async def test_confirm_tool_huge_arguments_are_clipped():
    app = ScreenHost(lambda: ConfirmToolScreen("calculator", {"expression": "1+" * 100_000}))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: len(app.screen_stack) == 2)
        assert "more characters not shown" in screen_text(app.screen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.dismissed)
    assert app.result == "deny"


# ------------------------------------------------------------------------------------------- rewrite


async def test_rewrite_with_instruction():
    app = ScreenHost(lambda: RewritePromptScreen("Some *markdown* part."))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: len(app.screen_stack) == 2)
        assert isinstance(app.focused, Input)
        await pilot.press(*"  shorter ", "enter")
        await wait_for(pilot, lambda: app.dismissed)
    assert app.result == "shorter"


@pytest.mark.parametrize(("keys", "expected"), [(("enter",), ""), (("escape",), None), (("x", "escape"), None)])
async def test_rewrite_without_instruction_or_cancelled(keys, expected):
    assert await run_keys(lambda: RewritePromptScreen("part"), *keys) == expected


async def test_rewrite_buttons():
    app = ScreenHost(lambda: RewritePromptScreen("part"))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: len(app.screen_stack) == 2)
        await pilot.press("a")
        await pilot.click("#rewrite-ok")
        await wait_for(pilot, lambda: app.dismissed)
    assert app.result == "a"
    app = ScreenHost(lambda: RewritePromptScreen("part"))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: len(app.screen_stack) == 2)
        await pilot.click("#rewrite-cancel")
        await wait_for(pilot, lambda: app.dismissed)
    assert app.result is None


async def test_rewrite_shows_part_literally():
    app = ScreenHost(lambda: RewritePromptScreen(HOSTILE + "\nsecond line"))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: len(app.screen_stack) == 2)
        text = screen_text(app.screen)
        assert "[bold]not bold[/] [link=x]y[/link] ␛[2J" in text
        assert "\nsecond line" in text
        assert "\x1b" not in text


# --------------------------------------------------------------------------------------- text prompt


async def test_text_prompt_refuses_empty_then_accepts():
    app = ScreenHost(lambda: TextPromptScreen("Rename", value="old"))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: len(app.screen_stack) == 2)
        assert app.screen.query_one("#text-prompt-input", Input).value == "old"
        await pilot.press("ctrl+a", "ctrl+k", "enter")
        assert not app.dismissed
        assert "cannot be empty" in screen_text(app.screen)
        await pilot.press(*"New [b]title", "enter")
        await wait_for(pilot, lambda: app.dismissed)
    assert app.result == "New [b]title"


async def test_text_prompt_escape():
    assert await run_keys(lambda: TextPromptScreen("Rename", value="old"), "escape") is None


# -------------------------------------------------------------------------------------------- help

BINDINGS = [
    ("ctrl+s", "Pause/resume"),
    ("escape", "Cancel"),
    ("ctrl+r", "Sessions [x]"),
    ("f1,question_mark", "Help"),
    ("up", "Previous part"),
]
SHOWN = [
    ("ctrl+s", "Pause/resume"),
    ("esc", "Cancel"),
    ("ctrl+r", "Sessions [x]"),
    ("f1 / ?", "Help"),
    ("↑", "Previous part"),
]


@pytest.mark.parametrize("key", ["escape", "f1", "question_mark", "q"])
async def test_help_lists_bindings_and_closes(key):
    app = ScreenHost(lambda: HelpScreen([("Chat", BINDINGS)]))
    async with app.run_test(size=(90, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.screen_stack) == 2)
        lines = screen_text(app.screen).splitlines()
        for binding_key, description in SHOWN:
            assert any(line.split()[:1] == [binding_key.split()[0]] and description in line for line in lines), (
                binding_key,
                description,
            )
        await pilot.press(key)
        await wait_for(pilot, lambda: app.dismissed)
    assert app.result is None
