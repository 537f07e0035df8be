"""Pilot tests of the chat screen's streaming: send, follow, pause/resume, cancel, errors, bad text."""

from __future__ import annotations

import re

from tests.app.chat_helpers import GatedProvider, make_app, send, wait_finished, wait_for
from tui.app.widgets.prompt_input import PromptInput
from tui.history import HistoryStore
from tui.stream import StreamState
from tui.stream.providers.scripted import DEFAULT_TEXT, DEFAULT_THINKING, ScriptedProvider, tokenize
from tui.stream.sanitize import sanitize

LONG = " ".join(f"word{i}" for i in range(400))


async def test_send_streams_markdown_thinking_and_stats():
    app = make_app(ScriptedProvider(rate=0))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, app, "hello")
        await wait_finished(pilot, app)
        answer = app.chat.transcript.answers[-1]
        assert answer.shown_text == DEFAULT_TEXT  # the final flush: every token on screen
        assert app.chat.thinking.text == DEFAULT_THINKING
        stats = app.chat.stats_view
        assert stats.state is StreamState.COMPLETED
        assert stats.provider == "scripted" and stats.output_tokens and stats.first_token_ms is not None
        assert app.chat.query_one(PromptInput).text == ""


async def test_view_follows_to_the_end_unless_scrolled_up():
    app = make_app(ScriptedProvider(rate=0, text=LONG + "\n\n" + LONG, thinking=None))
    async with app.run_test(size=(80, 24)) as pilot:
        transcript = app.chat.transcript
        await send(pilot, app, "long")
        await wait_finished(pilot, app)
        await wait_for(
            pilot,
            lambda: transcript.max_scroll_y > 0 and transcript.scroll_y == transcript.max_scroll_y,
            what="the view at the end",
        )
        transcript.scroll_home(animate=False)
        await pilot.pause()
        assert not transcript.following
        transcript.scroll_end(animate=False)
        await wait_for(pilot, lambda: transcript.following, what="following re-engaged")


async def test_pause_stops_text_then_resume_completes_without_loss():
    provider = ScriptedProvider(rate=150, text=LONG, thinking=None)
    app = make_app(provider)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.chat
        await send(pilot, app, "go")
        await wait_for(pilot, lambda: len(chat.transcript.answers[-1].text) > 40, what="some text")
        await pilot.press("ctrl+s")
        assert chat.stats_view.state is StreamState.PAUSED  # shown at once, not at the next tick
        seen = chat.stats_ticks
        await wait_for(pilot, lambda: chat.stats_ticks >= seen + 2, what="worker ticks")
        frozen = chat.transcript.answers[-1].text
        seen = chat.stats_ticks
        await wait_for(pilot, lambda: chat.stats_ticks >= seen + 4, what="stats ticks while paused")
        assert chat.transcript.answers[-1].text == frozen
        assert chat.stats_view.state is StreamState.PAUSED
        await pilot.press("ctrl+s")
        assert chat.stats_view.state in (StreamState.STREAMING, StreamState.COMPLETED)
        await wait_finished(pilot, app, timeout=20)
        assert chat.transcript.answers[-1].shown_text == LONG
        assert chat.stats_view.state is StreamState.COMPLETED


async def test_cancel_keeps_partial_on_screen_and_in_history(tmp_path):
    provider = GatedProvider(LONG, first=30)
    store = HistoryStore(tmp_path / "h.db")
    app = make_app(provider, store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.chat
        await send(pilot, app, "go")
        await wait_for(pilot, provider.reached.is_set, what="the gate")
        await wait_for(pilot, lambda: chat.transcript.answers[-1].text.count("word") == 30, what="30 words shown")
        await pilot.press("escape")
        assert chat.stats_view.state is StreamState.CANCELLED
        await wait_finished(pilot, app)
        answer = chat.transcript.answers[-1]
        partial = " ".join(f"word{i}" for i in range(30))
        assert answer.shown_text == partial
        assert "cancelled" in answer.status
        thread = store.thread(chat.cid)
        assert [m.role for m in thread] == ["user", "assistant"]
        assert thread[1].status == "cancelled" and thread[1].text == partial
    store.close()


async def test_error_is_a_notification_and_in_the_stats_bar():
    app = make_app(ScriptedProvider(rate=0, fail_after=3, failure="api_error", thinking=None))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, app, "hi")
        await wait_finished(pilot, app)
        chat = app.chat
        assert chat.stats_view.state is StreamState.FAILED
        assert "scripted server reported an error" in chat.stats_view.note
        messages = [n.message for n in app._notifications]
        assert any("scripted server reported an error" in m for m in messages)
        assert "failed" in chat.transcript.answers[-1].status


async def test_interrupted_stream_keeps_text():
    app = make_app(ScriptedProvider(rate=0, fail_after=5, thinking=None))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, app, "hi")
        await wait_finished(pilot, app)
        answer = app.chat.transcript.answers[-1]
        assert app.chat.stats_view.state is StreamState.INTERRUPTED
        assert answer.shown_text == "".join(tokenize(DEFAULT_TEXT)[:5])  # the five tokens before the break
        assert "interrupted" in answer.status


NASTY = (
    "[bold]bold?[/] [link=http://x]link[/link] \x1b[2J cleared? \x1b]52;c;SGVsbG8=\x07 clip? "
    "\x1b[31mred\x1b[0m [/] end\x07\x00"
)


async def test_markup_and_escape_sequences_render_literally():
    app = make_app(ScriptedProvider(rate=0, text=NASTY, thinking="[i]think[/i] \x1b[2J"))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, app, "be nasty")
        await wait_finished(pilot, app)
        answer = app.chat.transcript.answers[-1]
        assert answer.shown_text == sanitize(NASTY)
        assert "\x1b" not in answer.shown_text and "\x07" not in answer.shown_text
        assert "[bold]bold?[/]" in answer.shown_text
        assert app.chat.thinking.text == "[i]think[/i] "
        screen = re.sub(r"<[^>]+>", "", app.export_screenshot()).replace("&#160;", " ")
        assert "[bold]bold?[/]" in screen
        assert "link=http://x]link[/link]" in screen


async def test_quitting_mid_stream_saves_the_partial_answer_as_cancelled(tmp_path):
    provider = GatedProvider(LONG, first=30)  # never opened: the stream is mid-answer when we quit
    store = HistoryStore(tmp_path / "h.db")
    app = make_app(provider, store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.chat
        await send(pilot, app, "go")
        await wait_for(pilot, lambda: chat.transcript.answers[-1].text.count("word") == 30, what="30 words shown")
        cid = chat.cid
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: app.return_code is not None, what="the app to exit")
    thread = store.thread(cid)
    assert [m.role for m in thread] == ["user", "assistant"]
    assert thread[1].status == "cancelled"
    assert thread[1].text == " ".join(f"word{i}" for i in range(30))
    store.close()
