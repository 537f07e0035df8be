"""The empty conversation's hint: model and first keys; gone with the first message, back on new chat."""

from __future__ import annotations

from tests.app.chat_helpers import make_app, send, wait_finished, wait_for
from tui.config import Settings


def welcome_text(app) -> str | None:
    """The welcome's text, if the transcript shows it (on screen, not only held)."""
    transcript = app.chat.transcript
    welcome = transcript.welcome
    if welcome is None or welcome.text.splitlines()[0] not in transcript.visible_text():
        return None
    return welcome.text


async def test_welcome_names_the_model_and_leaves_with_the_first_message():
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: welcome_text(app) is not None, what="the welcome")
        text = welcome_text(app)
        assert "scripted/scripted-demo" in text
        assert "enter" in text and "ctrl+r past conversations" in text and "f1 / ? help" in text
        await send(pilot, app, "hello")
        await wait_finished(pilot, app)
        assert welcome_text(app) is None
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: welcome_text(app) is not None, what="the welcome after new chat")
        assert not app.chat.transcript.answers


async def test_welcome_shows_remapped_keys():
    app = make_app(settings=Settings(provider="scripted", keys={"sessions": "f6", "help": "f12"}))
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: welcome_text(app) is not None, what="the welcome")
        assert "f6 past conversations" in welcome_text(app)
        assert "f12 help" in welcome_text(app)
