"""Nothing a person typed or received is lost when they move on quickly (issue: data loss in the app).

- A new chat started the moment a cancelled answer is shown (its worker may still be saving) must
  save the next conversation whole: prompt and answer.
- Deleting the conversation that is open starts a new one; the next prompt is saved, not refused.
"""

from __future__ import annotations

from tests.app.chat_helpers import make_app, send, wait_finished, wait_for
from tests.stream.wire_server import Reply, WireServer, chat_body
from tui.history import HistoryStore
from tui.stream import StreamState, get_provider


def provider_for(url: str):
    return get_provider("openai", base_url=url + "/v1", api_key="sk-test", model="test-model", max_retries=0)


def words(count: int, tag: str) -> list[str]:
    return [f"{tag}{i} " if i % 40 else f"{tag}{i}\n\n" for i in range(count)]


BLOCK = """## Section {i}

Some *inline* **markup** with `code` and a [bold] look-alike.

- item one {i}
  - nested a
- item two

```python
def f{i}(x):
    return x * {i}
```

| a | b |
|---|---|
| {i} | {i}{i} |

"""


def markdown_tokens(blocks: int) -> list[str]:
    """Markdown-rich text (slow to draw: the UI falls far behind the stream) in 4-character tokens."""
    text = "".join(BLOCK.format(i=i) for i in range(blocks))
    return [text[j : j + 4] for j in range(0, len(text), 4)]


async def test_new_chat_right_after_a_cancel_saves_the_next_conversation_whole(tmp_path):
    store = HistoryStore(tmp_path / "h.db")
    first = markdown_tokens(80)
    second = words(300, "b")
    with WireServer() as server:
        # all at once: the answer is received long before it is drawn, as with a long answer in a terminal
        server.add(Reply(body=chat_body(*first)))
        server.add(Reply(body=chat_body(*second)))
        app = make_app(provider_for(server.url), store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            chat = app.chat
            await send(pilot, app, "A first")
            await wait_for(
                pilot,
                lambda: bool(chat.transcript.answers and chat.transcript.answers[-1].text),
                what="the first answer to show",
            )
            await pilot.press("escape")  # the stream may have ended already: the answer is then complete
            await pilot.press("ctrl+n")  # at once: the first answer may still be drawing and saving
            await send(pilot, app, "B second")
            await wait_finished(pilot, app)
            assert chat.stats_view.state is StreamState.COMPLETED
            second_cid = chat.cid
            await app.chat.stop_stream()
        assert app.chat.stream_worker is not None
    conversations = {c.title: c for c in store.list_conversations()}
    assert set(conversations) == {"A first", "B second"}
    thread = store.thread(second_cid)
    assert [m.role for m in thread] == ["user", "assistant"]
    assert thread[0].text == "B second"
    assert thread[1].text == "".join(second)
    assert thread[1].status == "complete"
    earlier = store.thread(conversations["A first"].id)
    assert [m.role for m in earlier] == ["user", "assistant"]
    assert earlier[1].status in ("cancelled", "complete")
    assert earlier[1].text and "".join(first).startswith(earlier[1].text)
    store.close()


async def test_a_prompt_sent_while_the_old_answer_is_still_being_removed_is_saved_whole(tmp_path):
    """ctrl+n, then a prompt sent before the new chat has finished clearing the screen (with widget
    answers, a long answer took a while to go and the prompt got its parent from it: never saved). The
    prompt belongs to the new conversation, is saved, and stays shown with its panes."""
    import asyncio

    from tui.stream.providers.scripted import ScriptedProvider

    store = HistoryStore(tmp_path / "h.db")
    app = make_app(ScriptedProvider(rate=0, text="An answer.", thinking="Thinking it over."), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.chat
        await send(pilot, app, "A first")
        await wait_finished(pilot, app)
        first_cid = chat.cid
        new_chat = asyncio.create_task(chat.new_chat())
        sent = asyncio.create_task(chat.send("B second"))  # before the new chat has finished clearing
        await asyncio.gather(new_chat, sent)
        await wait_finished(pilot, app)
        assert chat.cid != first_cid
        assert [m.text for m in store.thread(chat.cid)] == ["B second", "An answer."]
        assert [m.text for m in store.thread(first_cid)] == ["A first", "An answer."]
        assert [u.prompt for u in chat.transcript.users] == ["B second"]
        assert chat.thinking.text == "Thinking it over."
        assert not [n for n in app._notifications if "not saved" in n.message]
    store.close()


async def open_browser_and_delete(pilot, app) -> None:
    """ctrl+r, move to the newest conversation (the open one), f8, confirm."""
    from tui.app.screens.confirm import ConfirmScreen
    from tui.app.screens.sessions import SessionsScreen

    await pilot.press("ctrl+r")
    await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen) and app.screen.entries, what="the browser")
    await pilot.press("down", "f8")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
    await pilot.press("y")


async def test_deleting_the_open_conversation_starts_a_new_one_and_keeps_the_next_prompt(tmp_path):
    from tui.app.screens.sessions import SessionsScreen
    from tui.app.widgets.prompt_input import PromptInput
    from tui.stream.providers.scripted import ScriptedProvider

    store = HistoryStore(tmp_path / "h.db")
    app = make_app(ScriptedProvider(rate=0, text="An answer.", thinking=None), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.chat
        await send(pilot, app, "doomed")
        await wait_finished(pilot, app)
        doomed = chat.cid
        chat.query_one(PromptInput).load_text("half-typed")  # typed, not sent: must survive the delete
        await open_browser_and_delete(pilot, app)
        await wait_for(pilot, lambda: store.get_conversation(doomed) is None, what="the delete")
        await wait_for(pilot, lambda: chat.cid is None and not chat.transcript.answers, what="a new chat")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SessionsScreen), what="the chat again")
        assert chat.query_one(PromptInput).text == "half-typed"
        await send(pilot, app, "after the delete")
        await wait_finished(pilot, app)
        assert chat.stats_view.state is StreamState.COMPLETED
        saved = store.thread(chat.cid)
        assert [m.text for m in saved] == ["after the delete", "An answer."]
        assert not [n for n in app._notifications if "not saved" in n.message]
    store.close()


async def test_the_open_conversation_cannot_be_deleted_while_it_streams(tmp_path):
    from tests.app.chat_helpers import GatedProvider
    from tui.app.screens.sessions import SessionsScreen

    store = HistoryStore(tmp_path / "h.db")
    provider = GatedProvider("One two three four five six.", first=2)
    app = make_app(provider, store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.chat
        await send(pilot, app, "streaming now")
        await wait_for(pilot, provider.reached.is_set, what="mid-stream")
        open_cid = chat.cid
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen) and app.screen.entries, what="the browser")
        await pilot.press("down", "f8")
        await wait_for(
            pilot, lambda: any("streaming into it" in n.message for n in app._notifications), what="the refusal"
        )
        assert isinstance(app.screen, SessionsScreen)  # no confirmation was asked
        await pilot.press("escape")
        provider.gate.set()
        await wait_finished(pilot, app)
        assert store.get_conversation(open_cid) is not None
        assert [m.role for m in store.thread(open_cid)] == ["user", "assistant"]
    store.close()
