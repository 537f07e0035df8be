"""The line-based transcript: what is on screen while answers stream, when the user scrolls, when a long
conversation opens, when a search hit is opened, when the terminal is resized."""

from __future__ import annotations

from tests.app.chat_helpers import GatedProvider, make_app, markdown, send, wait_finished, wait_for
from tui.app.widgets.prompt_input import PromptInput
from tui.history import HistoryStore
from tui.stream.providers.scripted import ScriptedProvider


def on_screen(app) -> str:
    return app.chat.transcript.visible_text()


async def mid_answer(pilot, app, provider: GatedProvider) -> None:
    """Send a prompt and wait until the provider holds the answer at its gate."""
    await send(pilot, app, "go")
    await wait_for(pilot, provider.reached.is_set, what="the gate")


async def test_a_huge_burst_ends_with_every_token_on_screen():
    text = markdown(150)  # ~9,000 tokens of Markdown, sent as fast as the provider can
    app = make_app(ScriptedProvider(rate=0, text=text, thinking=None))
    async with app.run_test(size=(160, 50)) as pilot:
        await send(pilot, app, "burst")
        await wait_finished(pilot, app, timeout=60)
        transcript = app.chat.transcript
        answer = transcript.answers[-1]
        assert answer.shown_text == text  # the final flush: every token is in the transcript
        screen = on_screen(app)
        assert "Last words THE-END." in screen and transcript.following
        assert "def f(x=149):" in screen  # the last code block, highlighted code rendered as text
        # only what was on screen was rendered: the blocks above are estimated, not drawn
        rendered = sum(1 for block in answer.blocks if block.strips is not None)
        assert rendered < len(answer.blocks) // 4


async def test_scrolling_up_lets_go_the_mark_shows_and_end_follows_again():
    provider = GatedProvider(markdown(6), first=200)
    app = make_app(provider)
    async with app.run_test(size=(100, 30)) as pilot:
        transcript = app.chat.transcript
        await mid_answer(pilot, app, provider)
        await wait_for(pilot, lambda: transcript.max_scroll_y > 0, what="a scrollable transcript")
        transcript.focus()
        await pilot.press("home")
        await pilot.pause()
        assert not transcript.following and "new text below" not in on_screen(app)
        provider.gate.set()  # the rest of the answer arrives while the user reads the top
        await wait_finished(pilot, app)
        assert transcript.scroll_y == 0  # the view stayed where the user put it
        assert transcript.new_text_below and "new text below" in on_screen(app)
        await pilot.press("end")
        await pilot.pause()
        assert transcript.following and not transcript.new_text_below
        assert "Last words THE-END." in on_screen(app) and "new text below" not in on_screen(app)


async def test_a_click_on_the_mark_follows_again():
    provider = GatedProvider(markdown(6), first=200)
    app = make_app(provider)
    async with app.run_test(size=(100, 30)) as pilot:
        transcript = app.chat.transcript
        await send(pilot, app, "go")
        await wait_for(pilot, lambda: provider.reached.is_set() and transcript.max_scroll_y > 0, what="the gate")
        transcript.scroll_home(animate=False)
        await pilot.pause()
        provider.gate.set()
        await wait_finished(pilot, app)
        assert transcript.new_text_below
        last_row = transcript.scrollable_content_region.height - 1
        await pilot.click(transcript, offset=(20, last_row))
        await pilot.pause()
        assert transcript.following and "Last words THE-END." in on_screen(app)


def long_conversation(path, answers: int = 60) -> tuple[HistoryStore, str, list]:
    store = HistoryStore(path)
    conversation = store.create_conversation(provider="scripted", model="scripted-demo")
    saved = []
    for number in range(answers):
        store.add_message(conversation.id, "user", f"question {number}: tell me about unicorn{number}")
        saved.append(
            store.add_message(
                conversation.id, "assistant", markdown(4, end=f"answer-{number}-end"), provider="scripted"
            )
        )
    return store, str(conversation.id), saved


async def test_a_long_conversation_opens_at_its_end_and_scrolling_up_reveals_the_first(tmp_path):
    store, cid, _ = long_conversation(tmp_path / "h.db")
    app = make_app(store=store, cid=cid)
    async with app.run_test(size=(120, 40)) as pilot:
        transcript = app.chat.transcript
        await wait_for(pilot, lambda: len(transcript.answers) == 60, what="the conversation")
        await wait_for(pilot, lambda: "answer-59-end" in on_screen(app), what="the last answer on screen")
        drawn = sum(1 for answer in transcript.answers for block in answer.blocks if block.strips is not None)
        assert drawn < 30  # of 60 x 19 blocks: what fits the screen, not the whole conversation
        transcript.scroll_home(animate=False)
        await pilot.pause()
        screen = on_screen(app)
        assert "question 0: tell me about unicorn0" in screen and "Section 0" in screen
        assert not transcript.following
    store.close()


async def test_a_search_hit_opens_scrolled_to_the_matching_message_highlighted(tmp_path):
    store, cid, saved = long_conversation(tmp_path / "h.db", answers=30)
    app = make_app(store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: bool(app.chat.query(PromptInput)), what="the chat screen")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SessionsScreen", what="the browser")
        await pilot.press(*"unicorn7")
        screen = app.screen
        await wait_for(
            pilot,
            lambda: (
                any("unicorn7" in (entry.snippet or "") for entry in screen.entries.values())
                and screen.session_list.option_count == 1
            ),
            what="the hit",
        )
        await pilot.press("enter")
        transcript = app.chat.transcript
        await wait_for(
            pilot,
            lambda: len(transcript.answers) == 30 and transcript._hit is not None,
            what="the conversation at the hit",
        )
        await pilot.pause()
        hit = transcript._hit
        assert hit.prompt == "question 7: tell me about unicorn7"
        lines = on_screen(app).splitlines()
        assert "question 7: tell me about unicorn7" in lines[0]  # at the top of the view
        bar = next(segment for segment in transcript.render_line(0) if segment.text == "▌")
        assert bar.style.color == transcript.get_component_rich_style("transcript--hit-gutter").color
        assert not transcript.following
    store.close()


async def test_resizing_during_a_stream_settles_at_once():
    provider = GatedProvider(markdown(6), first=150, thinking="Some thoughts.")
    app = make_app(provider)
    async with app.run_test(size=(160, 50)) as pilot:
        chat = app.chat
        transcript = chat.transcript
        await mid_answer(pilot, app, provider)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert chat.has_class("-narrow")
        assert transcript.size.width < 80 and all(
            len(line) <= transcript.size.width for line in on_screen(app).splitlines()
        )
        assert transcript.size.height >= 10  # most of the height: the panes take at most 8 rows
        await pilot.resize_terminal(160, 50)
        await pilot.pause()
        assert not chat.has_class("-narrow")
        provider.gate.set()
        await wait_finished(pilot, app)
        assert "Last words THE-END." in on_screen(app)


async def test_narrow_panes_take_room_only_with_something_to_show():
    app = make_app(ScriptedProvider(rate=0, thinking=None, text="plain answer"))
    async with app.run_test(size=(80, 24)) as pilot:
        chat = app.chat
        await send(pilot, app, "hi")
        await wait_finished(pilot, app)
        assert not chat.thinking.display and not chat.tools.display
        assert chat.transcript.size.height >= 15
        await pilot.press("ctrl+t")  # asked for: shown, even empty
        await pilot.pause()
        assert chat.thinking.display
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not chat.thinking.display


async def test_a_cancelled_answer_says_so_at_its_end_and_in_the_stats_bar():
    provider = GatedProvider(markdown(6), first=250)
    app = make_app(provider)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        await mid_answer(pilot, app, provider)
        await wait_for(pilot, lambda: chat.transcript.answers[-1].text.count(" ") > 150, what="text")
        await pilot.press("escape")
        await wait_finished(pilot, app)
        lines = [line for line in on_screen(app).splitlines() if line.strip()]
        assert "cancelled: partial answer kept" in lines[-1]  # the end of the answer, in view
        assert chat.stats_view.state.value == "cancelled"
