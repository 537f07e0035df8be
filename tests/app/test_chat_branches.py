"""Edit and re-run as branches, the branch tree, and continue: pilots against the scripted provider
and a real wire server."""

from __future__ import annotations

import json

from textual.widgets import Tree

from tests.app.chat_helpers import make_app, send, wait_finished, wait_for
from tests.stream.test_sendable_after_cancel import check_anthropic, check_openai
from tests.stream.wire_server import Reply, WireServer, chat_body
from tui.app.screens.branch_tree import BranchTreeScreen
from tui.app.screens.edit_prompt import EditPromptScreen
from tui.app.widgets.prompt_input import PromptInput
from tui.app.widgets.user_message import UserMessage
from tui.history import HistoryStore
from tui.stream import get_provider
from tui.stream.messages import CONTINUE_INSTRUCTION
from tui.stream.providers.scripted import DEFAULT_TEXT, ScriptedProvider


def echo_provider(seen: list | None = None) -> ScriptedProvider:
    """Answers "answer to <prompt>" and records each request's messages."""

    def reply(request):
        if seen is not None:
            seen.append([(m.role, m.content) for m in request.messages])
        return f"answer to {request.messages[-1].content}"

    return ScriptedProvider(rate=0, reply=reply, thinking=None)


async def two_exchanges(pilot, app) -> None:
    for prompt in ("first", "second"):
        await send(pilot, app, prompt)
        await wait_finished(pilot, app)


async def select_prompt(pilot, app, text: str) -> UserMessage:
    """Focus the transcript and press up until the prompt `text` is selected."""
    transcript = app.chat.transcript
    transcript.focus()
    for _ in range(20):
        await pilot.press("up")
        await pilot.pause()
        selected = transcript.selected_user
        if selected is not None and selected.prompt == text:
            return selected
    raise AssertionError(f"could not select the prompt {text!r}")


async def edit_prompt(pilot, app, old: str, new: str) -> None:
    """Select the prompt `old`, press e, replace its text with `new` and send it."""
    await select_prompt(pilot, app, old)
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, EditPromptScreen), what="the edit dialog")
    app.screen.query_one(PromptInput).load_text(new)
    await pilot.press("enter")
    await wait_finished(pilot, app)


def shown(app) -> list[tuple[str, str]]:
    out = []
    for entry in app.chat.transcript.entries:
        if isinstance(entry, UserMessage):
            out.append(("user", entry.prompt))
        elif hasattr(entry, "shown_text"):
            out.append(("assistant", entry.shown_text))
    return out


async def test_up_and_down_move_over_prompts_and_answer_parts():
    app = make_app(echo_provider())
    async with app.run_test(size=(100, 30)) as pilot:
        await two_exchanges(pilot, app)
        transcript = app.chat.transcript
        transcript.focus()
        visited = []
        for _ in range(5):
            await pilot.press("up")
            await pilot.pause()
            if transcript.selected_user is not None:
                visited.append(("user", transcript.selected_user.prompt))
            else:
                visited.append(("assistant", transcript.selected_answer.shown_text))
        assert visited == [
            ("assistant", "answer to second"),
            ("user", "second"),
            ("assistant", "answer to first"),
            ("user", "first"),
            ("user", "first"),  # the top: nowhere further to go
        ]
        assert transcript.selected_user.body.mark == "selected"  # painted as selected
        await pilot.press("down")
        assert transcript.selected_user is None and transcript.selected_answer.shown_text == "answer to first"
        assert transcript.users[0].body.mark == ""


async def test_edit_sends_a_new_branch_and_keeps_the_old_one(tmp_path):
    store = HistoryStore(tmp_path / "h.db")
    seen: list = []
    app = make_app(echo_provider(seen), store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        await two_exchanges(pilot, app)
        old = await select_prompt(pilot, app, "second")
        old_id = old.message_id
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditPromptScreen), what="the edit dialog")
        box = app.screen.query_one(PromptInput)
        assert box.text == "second"  # prefilled
        await pilot.press("ctrl+j", "t", "w", "o")  # multi-line
        await pilot.press("enter")
        await wait_finished(pilot, app)
        assert shown(app) == [
            ("user", "first"),
            ("assistant", "answer to first"),
            ("user", "second\ntwo"),
            ("assistant", "answer to second\ntwo"),
        ]
        # the request was the conversation up to the edited prompt, never the old branch
        assert seen[-1] == [("user", "first"), ("assistant", "answer to first"), ("user", "second\ntwo")]
        edited = chat.transcript.users[-1]
        siblings = store.siblings(edited.message_id)
        assert [m.text for m in siblings] == ["second", "second\ntwo"]  # a sibling of the old prompt
        assert old_id in [m.id for m in siblings]
        assert "< 2/2 >" in edited.plain_text()  # the indicator at the prompt that has siblings
        thread = [m.text for m in store.thread(chat.cid)]
        assert thread == ["first", "answer to first", "second\ntwo", "answer to second\ntwo"]
        # the old branch is kept: switch back to it at the prompt
        await select_prompt(pilot, app, "second\ntwo")
        await pilot.press("ctrl+left")
        await wait_for(pilot, lambda: shown(app)[-1] == ("assistant", "answer to second"), what="the old branch")
        assert shown(app)[2] == ("user", "second")
        assert "< 1/2 >" in chat.transcript.users[-1].plain_text()
        assert chat.transcript.selected_user is chat.transcript.users[-1]  # still there to switch again
        # and the next prompt continues the branch on show
        chat.query_one(PromptInput).focus()
        await send(pilot, app, "third")
        await wait_finished(pilot, app)
        assert [m for m in seen[-1] if m[0] == "user"] == [("user", "first"), ("user", "second"), ("user", "third")]


async def test_editing_the_first_prompt_starts_a_new_root(tmp_path):
    store = HistoryStore(tmp_path / "h.db")
    app = make_app(echo_provider(), store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await two_exchanges(pilot, app)
        await edit_prompt(pilot, app, "first", "zeroth")
        assert shown(app) == [("user", "zeroth"), ("assistant", "answer to zeroth")]
        roots = [m for m in store.all_messages(app.chat.cid) if m.parent_id is None]
        assert [m.text for m in roots] == ["first", "zeroth"]


async def test_escape_in_the_edit_dialog_changes_nothing():
    app = make_app(echo_provider())
    async with app.run_test(size=(100, 30)) as pilot:
        await two_exchanges(pilot, app)
        before = shown(app)
        await select_prompt(pilot, app, "first")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditPromptScreen), what="the edit dialog")
        await pilot.press("escape")
        await pilot.pause()
        assert shown(app) == before and app.chat.active is None


async def test_edit_without_a_selected_prompt_says_how():
    app = make_app(echo_provider())
    async with app.run_test(size=(100, 30)) as pilot:
        await two_exchanges(pilot, app)
        app.chat.transcript.focus()
        await pilot.press("e")
        await pilot.pause()
        assert any("Select a prompt first" in n.message for n in app._notifications)


async def test_rerun_from_a_selected_prompt_makes_a_sibling_answer(tmp_path):
    store = HistoryStore(tmp_path / "h.db")
    seen: list = []
    app = make_app(echo_provider(seen), store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        await two_exchanges(pilot, app)
        first_answer = chat.transcript.answers[0].message_id
        await select_prompt(pilot, app, "first")
        await pilot.press("ctrl+g")
        await wait_finished(pilot, app)
        assert shown(app) == [("user", "first"), ("assistant", "answer to first")]
        assert seen[-1] == [("user", "first")]
        new_answer = chat.transcript.answers[-1]
        assert [m.id for m in store.siblings(new_answer.message_id)] == [first_answer, new_answer.message_id]
        assert "< 2/2 >" in new_answer.status
        assert len(store.all_messages(chat.cid)) == 5  # the old branch (first answer, second, its answer) kept


async def test_edit_without_history_works_in_memory():
    seen: list = []
    app = make_app(echo_provider(seen))
    async with app.run_test(size=(100, 30)) as pilot:
        await two_exchanges(pilot, app)
        await edit_prompt(pilot, app, "first", "again")
        assert seen[-1] == [("user", "again")]
        assert shown(app) == [("user", "again"), ("assistant", "answer to again")]


async def test_branch_tree_shows_every_branch_and_enter_switches(tmp_path):
    store = HistoryStore(tmp_path / "h.db")
    app = make_app(echo_provider(), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.chat
        await two_exchanges(pilot, app)
        await edit_prompt(pilot, app, "second", "other")
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(app.screen, BranchTreeScreen), what="the branch tree")
        tree = app.screen.query_one(Tree)
        labels = {}
        for line in range(tree.last_line + 1):
            node = tree.get_node_at_line(line)
            labels[node.data] = str(node.label)
        texts = list(labels.values())
        assert texts[0].startswith("● you: first") and texts[1].startswith("● rill: answer to first")
        assert any(t.startswith("○ you: second") for t in texts)  # the old branch, off the shown path
        assert any(t.startswith("● you: other") for t in texts)
        assert any("◀ shown" in t and "answer to other" in t for t in texts)  # the shown leaf
        assert all("scripted-demo" in t for t in texts if "rill:" in t)  # each answer's model
        assert tree.cursor_node.data == chat.transcript.answers[-1].message_id  # starts at the shown leaf
        old = next(mid for mid, t in labels.items() if t.startswith("○ you: second"))
        tree.move_cursor(next(n for n in _nodes(tree) if n.data == old))
        await pilot.press("enter")
        await wait_for(pilot, lambda: shown(app)[-1] == ("assistant", "answer to second"), what="the old branch")
        assert shown(app)[2] == ("user", "second")
        assert store.get_conversation(chat.cid).current_leaf_id == chat.transcript.answers[-1].message_id


def _nodes(tree):
    return [tree.get_node_at_line(line) for line in range(tree.last_line + 1)]


async def test_branch_tree_without_history_says_why():
    app = make_app(echo_provider())
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "hi")
        await wait_finished(pilot, app)
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert not isinstance(app.screen, BranchTreeScreen)
        assert any("no branches to show" in n.message for n in app._notifications)


# -- continue --------------------------------------------------------------------------------------------
async def test_continue_appends_to_the_same_answer_on_screen_and_in_history(tmp_path):
    store = HistoryStore(tmp_path / "h.db")
    provider = ScriptedProvider(rate=0, thinking=None, fail_after=12)  # the connection breaks mid-answer
    app = make_app(provider, store=store)
    async with app.run_test(size=(100, 40)) as pilot:
        chat = app.chat
        await send(pilot, app, "tour")
        await wait_finished(pilot, app)
        answer = chat.transcript.answers[-1]
        assert answer.state == "interrupted" and "ctrl+l continues" in answer.status
        partial = answer.raw_text
        provider.fail_after = None
        await pilot.press("ctrl+l")
        await wait_finished(pilot, app)
        assert chat.transcript.answers == [answer]  # the same answer, not a new one
        assert answer.raw_text == DEFAULT_TEXT and answer.shown_text.startswith(partial.strip()[:20])
        assert answer.state == "complete" and answer.status == ""
        stored = store.thread(chat.cid)
        assert [m.role for m in stored] == ["user", "assistant"]
        assert stored[-1].id == answer.message_id
        assert (stored[-1].text, stored[-1].status) == (DEFAULT_TEXT, "complete")
        # the context goes on from the whole answer
        assert [m.content for m in chat.context] == ["tour", DEFAULT_TEXT]


async def test_continue_refuses_a_complete_answer():
    app = make_app(echo_provider())
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "hi")
        await wait_finished(pilot, app)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert app.chat.active is None
        assert any("only a cancelled, interrupted or cut-off answer" in n.message for n in app._notifications)


def anthropic_text(*texts: str, stop: str = "end_turn") -> bytes:
    frames = [("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}})]
    frames += [
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": t}})
        for t in texts
    ]
    frames += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop}}),
        ("message_stop", {"type": "message_stop"}),
    ]
    return b"".join(f"event: {e}\ndata: {json.dumps(d)}\n\n".encode() for e, d in frames)


async def test_continue_a_length_cut_answer_on_anthropic_is_a_prefill(tmp_path):
    store = HistoryStore(tmp_path / "h.db")
    with WireServer() as server:
        server.add(
            Reply(body=anthropic_text("Once upon ", "a time ", stop="max_tokens")),
            Reply(body=anthropic_text(" there was a river.")),
        )
        provider = get_provider("anthropic", base_url=server.url, api_key="k", model="claude-test", max_retries=0)
        app = make_app(provider, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            chat = app.chat
            await send(pilot, app, "Tell a story")
            await wait_finished(pilot, app)
            answer = chat.transcript.answers[-1]
            assert "cut off at the token limit" in answer.status
            await pilot.press("ctrl+l")
            await wait_finished(pilot, app)
            assert answer.raw_text == "Once upon a time  there was a river."
            assert "there was a river" in answer.shown_text
            assert answer.status == ""
    body = server.requests[1].json
    check_anthropic(body)
    assert body["messages"][-1] == {"role": "assistant", "content": [{"type": "text", "text": "Once upon a time"}]}
    (saved,) = [m for m in store.all_messages(chat.cid) if m.role == "assistant"]
    assert saved.text == "Once upon a time  there was a river." and saved.status == "complete"


async def test_continue_on_openai_sends_the_partial_and_an_instruction(tmp_path):
    with WireServer() as server:
        server.add(
            Reply(body=chat_body("Once upon ", "a time", finish="length")), Reply(body=chat_body(" there was a river."))
        )
        provider = get_provider("openai", base_url=server.url + "/v1", api_key="k", model="m", max_retries=0)
        app = make_app(provider)
        async with app.run_test(size=(100, 30)) as pilot:
            await send(pilot, app, "Tell a story")
            await wait_finished(pilot, app)
            await pilot.press("ctrl+l")
            await wait_finished(pilot, app)
            assert app.chat.transcript.answers[-1].raw_text == "Once upon a time there was a river."
            await send(pilot, app, "And then?")
            await wait_finished(pilot, app)
    continued, following = server.requests[1].json, server.requests[2].json
    check_openai(continued)
    assert continued["messages"][-2:] == [
        {"role": "assistant", "content": "Once upon a time"},
        {"role": "user", "content": CONTINUE_INSTRUCTION},
    ]
    check_openai(following)  # the instruction is not part of the conversation afterwards
    assert following["messages"] == [
        {"role": "user", "content": "Tell a story"},
        {"role": "assistant", "content": "Once upon a time there was a river."},
        {"role": "user", "content": "And then?"},
    ]


async def test_after_a_cancel_in_tool_arguments_the_next_prompts_stay_sendable(tmp_path):
    """The app, against a real server: cancel while a tool call's arguments stream, then send again,
    in the same session and after reopening the conversation; every request is one the API accepts."""
    import threading

    from tests.stream.test_sendable_after_cancel import TEXT, _first_reply, weather_tool

    store = HistoryStore(tmp_path / "h.db")
    with WireServer() as server:
        server.add(_first_reply("openai", "tool_args"))
        provider = get_provider("openai", base_url=server.url + "/v1", api_key="k", model="m", max_retries=0)
        app = make_app(provider, store=store, tools=[weather_tool(threading.Event())])
        async with app.run_test(size=(100, 30)) as pilot:
            chat = app.chat
            await send(pilot, app, "Weather in Paris?")
            await wait_for(pilot, lambda: bool(chat.active and chat.active.answer.tool_rows), what="the tool call")
            await pilot.press("escape")
            await wait_finished(pilot, app)
            assert chat.transcript.answers[-1].state == "cancelled"
            server.replies.clear()
            server.add(Reply(body=chat_body("Sunny.")))
            await send(pilot, app, "And tomorrow?")
            await wait_finished(pilot, app)
            cid = chat.cid
        reopened = make_app(provider, store=store, cid=cid, tools=[weather_tool(threading.Event())])
        async with reopened.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: len(reopened.chat.transcript.answers) == 2, what="the conversation")
            await send(pilot, reopened, "And next week?")
            await wait_finished(pilot, reopened)
            assert reopened.chat.transcript.answers[-1].shown_text == "Sunny."
    for recorded in server.requests[1:]:
        check_openai(recorded.json)
        assert TEXT in json.dumps(recorded.json)  # the partial text stays context
    assert len(server.requests) == 3


async def test_the_palette_has_continue_and_the_branch_tree(tmp_path):
    from textual.command import CommandPalette

    store = HistoryStore(tmp_path / "h.db")
    app = make_app(echo_provider(), store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "hi")
        await wait_finished(pilot, app)
        for title in ("Continue answer", "Branch tree"):
            await pilot.press("ctrl+p")
            await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
            await pilot.press(*title)
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause()
        # continue said why it cannot (the answer is complete); the branch tree opened
        assert any("only a cancelled, interrupted or cut-off answer" in n.message for n in app._notifications)
        await wait_for(pilot, lambda: isinstance(app.screen, BranchTreeScreen), what="the branch tree")
