"""Pilot tests of what touches history: tools + reopen (--cid), part rewrite and undo, regenerate/branches."""

from __future__ import annotations

from tests.app.chat_helpers import make_app, send, wait_finished, wait_for
from tui.builtin_tools import calculator, current_time
from tui.history import HistoryStore
from tui.stream.providers.scripted import ScriptedProvider

FOUR = "First part.\n\nSecond part.\n\nThird part.\n\nFourth part."
CALLS = [{"name": "calculator", "arguments": {"expression": "6 * 7"}}, {"name": "current_time", "arguments": {}}]


def rewriting_reply(request):
    last = request.messages[-1].content
    return "REWRITTEN second." if "<part>" in last else FOUR


async def test_tools_then_reopen_restores_transcript_thinking_and_tools(tmp_path):
    store = HistoryStore(tmp_path / "h.db")
    provider = ScriptedProvider(rate=0, tool_calls=CALLS)
    app = make_app(provider, store=store, tools=[calculator, current_time])
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, app, "compute please")
        await wait_finished(pilot, app)
        chat = app.chat
        rows = list(chat.tools.rows.values())
        assert [r.name for r in rows] == ["calculator", "current_time"]
        assert [r.status for r in rows] == ["done", "done"]
        assert rows[0].result == "42"
        assert '"expression": "6 * 7"' in rows[0].arguments  # pretty JSON once complete
        shown = chat.transcript.answers[-1].shown_text
        assert "calculator" in shown and "That is the whole tour." in shown
        cid = chat.cid
    reopened = make_app(ScriptedProvider(rate=0), store=store, cid=cid)
    async with reopened.run_test(size=(140, 40)) as pilot:
        chat = reopened.chat
        await wait_for(pilot, lambda: chat.transcript.answers, what="the transcript")
        await pilot.pause()
        assert chat.cid == cid
        users = [entry.prompt for entry in chat.transcript.users]
        assert users == ["compute please"]
        shown = chat.transcript.answers[-1].shown_text
        assert "That is the whole tour." in shown
        assert "Let me check.\n\nThe tools answered" in shown  # rounds do not run together
        assert chat.thinking.text.startswith("The user wants a short tour.")
        assert "own.The" not in chat.thinking.text
        rows = list(chat.tools.rows.values())
        assert [r.name for r in rows] == ["calculator", "current_time"]
        assert rows[0].result == "42"
        # the reopened conversation goes on with its context
        await send(pilot, reopened, "and again")
        await wait_finished(pilot, reopened)
        assert [m.role for m in store.thread(cid)][-2:] == ["user", "assistant"]
    store.close()


def selected_lines(app, answer, part: int) -> bool:
    """Part `part` is painted selected (the bar in its gutter on every line), and no other part is."""
    transcript = app.chat.transcript
    marked = [
        all(line.startswith("▌") for line in transcript.painted_part(answer, number))
        for number in range(len(answer.parts))
    ]
    return marked == [number == part for number in range(len(answer.parts))]


async def answer_then_select(pilot, app, prompt: str, part: int):
    """Send `prompt`, wait for the answer, focus the transcript and move the selection to `part`."""
    chat = app.chat
    await send(pilot, app, prompt)
    await wait_finished(pilot, app)
    chat.transcript.focus()
    await pilot.press(*["down"] * (part + 1))
    return chat.transcript.answers[-1]


async def ask_rewrite(pilot, app, instruction: str) -> None:
    await pilot.press("r")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "RewritePromptScreen", what="rewrite prompt")
    await pilot.press(*instruction, "enter")


async def test_rewrite_part_two_of_four_then_undo(tmp_path):
    store = HistoryStore(tmp_path / "h.db")
    app = make_app(ScriptedProvider(rate=0, reply=rewriting_reply, thinking=None), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.chat
        answer = await answer_then_select(pilot, app, "four parts", 1)  # down, down: the second part
        assert answer.selected == 1 and len(answer.parts) == 4
        assert selected_lines(app, answer, 1)
        await ask_rewrite(pilot, app, "shorter")
        await wait_for(
            pilot, lambda: chat.active is None and answer.parts[1].startswith("REWRITTEN"), what="the rewrite"
        )
        await pilot.pause()
        assert answer.part_source(1).startswith("REWRITTEN second.")
        assert any("REWRITTEN second." in line for line in app.chat.transcript.painted_part(answer, 1))
        assert answer.parts[0] == "First part.\n\n" and answer.parts[2] == "Third part.\n\n"
        stored = store.text_parts(answer.message_id)
        assert stored[1].content == "REWRITTEN second.\n\n"
        assert "".join(p.content for p in stored) == answer.raw_text
        await pilot.press("u")
        await wait_for(pilot, lambda: answer.parts[1] == "Second part.\n\n", what="the undo")
        assert store.text_parts(answer.message_id)[1].content == "Second part.\n\n"
        assert answer.part_source(1) == "Second part.\n\n"
        assert any("Second part." in line for line in app.chat.transcript.painted_part(answer, 1))
        await pilot.press("y")
        assert app.clipboard == "Second part."
    store.close()


async def test_regenerate_makes_a_branch_and_branches_switch(tmp_path):
    store = HistoryStore(tmp_path / "h.db")
    replies = iter(["first answer", "second answer", "unused"])
    app = make_app(ScriptedProvider(rate=0, reply=lambda request: next(replies), thinking=None), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.chat
        await send(pilot, app, "question")
        await wait_finished(pilot, app)
        await pilot.press("ctrl+g")
        await wait_finished(pilot, app)
        answers = chat.transcript.answers
        assert len(answers) == 1 and answers[0].shown_text == "second answer"
        assert "< 2/2 >" in answers[0].status
        assert "< 2/2 >" in chat.stats_view.note  # the stats bar says so too, whatever is in view
        siblings = store.siblings(answers[0].message_id)
        assert [s.text for s in siblings] == ["first answer", "second answer"]
        await pilot.press("ctrl+left")
        await wait_for(
            pilot,
            lambda: chat.transcript.answers and chat.transcript.answers[-1].shown_text == "first answer",
            what="branch 1",
        )
        assert "< 1/2 >" in chat.transcript.answers[-1].status
        assert "< 1/2 >" in chat.stats_view.note
        assert [m.text for m in store.thread(chat.cid)] == ["question", "first answer"]
    store.close()


async def test_the_offline_demo_rewrites_the_selected_part_itself(tmp_path):
    """`rill --provider scripted`: rewriting a part streams a rewrite of that part, not the demo text."""
    store = HistoryStore(tmp_path / "h.db")
    app = make_app(ScriptedProvider(rate=0, thinking="Plan the tour."), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.chat
        answer = await answer_then_select(pilot, app, "show me", 1)  # the paragraph after the heading
        assert answer.thinking == "Plan the tour."
        before = list(answer.parts)
        assert before[1].startswith("rill shows tokens")
        await ask_rewrite(pilot, app, "louder")
        await wait_for(pilot, lambda: chat.active is None and answer.parts[1] != before[1], what="the rewrite")
        assert answer.parts[1] == before[1].rstrip("\n").upper() + "\n\n"
        assert answer.parts[0] == before[0] and answer.parts[2:] == before[2:]
        assert store.text_parts(answer.message_id)[1].content == answer.parts[1]
        # the pane shows the rewrite's own reasoning; the answer's stays what it was
        assert chat.thinking.text == "Plan the tour." and answer.thinking == "Plan the tour."
    store.close()


async def test_arrow_keys_select_parts_even_when_the_transcript_can_scroll(tmp_path):
    """A long answer makes the transcript scrollable; up/down must still move the part selection."""
    long_answer = "\n\n".join(f"Paragraph {i} " + "word " * 40 for i in range(30))
    app = make_app(ScriptedProvider(rate=0, reply=lambda request: long_answer, thinking=None))
    async with app.run_test(size=(100, 30)) as pilot:
        answer = await answer_then_select(pilot, app, "long", 2)  # down x3: the third part
        transcript = app.chat.transcript
        assert transcript.max_scroll_y > 0  # the situation under test: the transcript scrolls
        assert answer.selected == 2 and selected_lines(app, answer, 2)
        await pilot.press("up")
        assert answer.selected == 1
        await pilot.press("end")  # paging keys still scroll
        await pilot.pause()
        assert transcript.scroll_y == transcript.max_scroll_y
