"""stream(history, messages, rewrite=..., write_history=..., part_number=...): answers and part rewrites."""

from __future__ import annotations

import contextlib

import pytest

from tui.history import HistoryError, split_blocks, stream
from tui.stream import Message, StreamState, get_provider

ANSWER = (
    "# Sorting\n\n"
    "Use `sorted()` for a new list.\n\n"
    "```python\nnums = [3, 1, 2]\n\nprint(sorted(nums))\n```\n\n"
    "That is all."
)


def _provider(reply="REPLACED", rate=0, **kw):
    seen = []

    def answer(request):
        seen.append(request)
        return reply(request) if callable(reply) else reply

    provider = get_provider("scripted", rate=rate, thinking="", reply=answer, **kw)
    provider.seen = seen
    return provider


@pytest.fixture
def answered(store):
    conv = store.create_conversation(system="be helpful")
    store.add_message(conv.id, "user", "how do I sort?")
    answer = store.add_message(conv.id, "assistant", ANSWER)
    return conv, answer


@pytest.mark.parametrize(("number", "old"), [(0, "# Sorting\n\n"), (-1, "That is all."), (3, "That is all.")])
async def test_rewrite_first_and_last_part(store, answered, number, old):
    conv, answer = answered
    provider = _provider("NEW TEXT")
    result = await stream(
        store, conv.id, provider=provider, rewrite=True, part_number=number, instruction="make it punchier"
    ).wait()
    assert result.state is StreamState.COMPLETED and result.replaced
    parts = store.text_parts(answer.id)
    position = number % 4
    assert parts[position].content == "NEW TEXT" + old[len(old.rstrip("\n")) :]  # separator kept
    assert store.part_revisions(parts[position].id) == [old]
    assert parts[position].revision_count == 1
    original = split_blocks(ANSWER)
    assert [p.content for i, p in enumerate(parts) if i != position] == [
        block for i, block in enumerate(original) if i != position
    ]  # the neighbours are untouched
    # the prompt carries the whole answer, the part and the instruction, after the earlier turns
    request = provider.seen[0]
    prompt = request.messages[-1].content
    assert ANSWER.strip() in prompt and old.strip() in prompt and "make it punchier" in prompt
    assert [m.role for m in request.messages] == ["user", "user"] and request.system == "be helpful"
    assert store.search("NEW TEXT")[0].message_id == answer.id  # the index follows the rewrite


async def test_rewrite_code_block_and_undo(store, answered):
    conv, answer = answered
    code = "```python\nprint(sorted([3, 1, 2]))\n```"
    result = await stream(store, conv.id, provider=_provider(code), rewrite=True, part_number=2).wait()
    assert result.replaced
    after = store.get_message(answer.id)
    assert after.text == ANSWER.replace("```python\nnums = [3, 1, 2]\n\nprint(sorted(nums))\n```", code)
    restored = store.undo_part(result.part.id)
    assert restored.content == "```python\nnums = [3, 1, 2]\n\nprint(sorted(nums))\n```\n\n"
    assert store.get_message(answer.id).text == ANSWER
    assert store.undo_part(result.part.id) is None  # nothing left to undo


async def test_two_rewrites_undo_one_at_a_time(store, answered):
    conv, answer = answered
    await stream(store, conv.id, provider=_provider("first try"), rewrite=True, part_number=1).wait()
    result = await stream(store, conv.id, provider=_provider("second try"), rewrite=True, part_number=1).wait()
    assert result.part.content.startswith("second try") and result.part.revision_count == 2
    assert store.undo_part(result.part.id).content.startswith("first try")
    assert store.undo_part(result.part.id).content == "Use `sorted()` for a new list.\n\n"


async def test_cancelled_rewrite_leaves_the_part_untouched(store, answered):
    conv, answer = answered
    s = stream(store, conv.id, provider=_provider("word " * 200, rate=500), rewrite=True, part_number=1)
    received = []
    async for event in s:
        if event.content:
            received.append(event.content)
            if len(received) == 3:
                assert s.controller.cancel()
    assert s.result.state is StreamState.CANCELLED and not s.result.replaced
    assert s.result.text.startswith("word word")
    assert store.get_message(answer.id).text == ANSWER
    assert store.text_parts(answer.id)[1].revision_count == 0


async def test_failed_rewrite_leaves_the_part_untouched(store, answered):
    conv, answer = answered
    result = await stream(
        store, conv.id, provider=_provider("a b c d e f", fail_after=2), rewrite=True, part_number=0
    ).wait()
    assert result.state in (StreamState.INTERRUPTED, StreamState.FAILED) and not result.replaced
    assert store.get_message(answer.id).text == ANSWER


async def test_pause_and_resume_during_a_rewrite(store, answered):
    conv, answer = answered
    s = stream(store, conv.id, provider=_provider("one two three four", rate=0), rewrite=True, part_number=1)
    count = 0
    async for event in s:
        if event.content:
            count += 1
            if count == 1:
                assert s.controller.pause()
                assert s.controller.resume()
    assert s.result.replaced and store.text_parts(answer.id)[1].content == "one two three four\n\n"


async def test_write_history_false_streams_without_saving(store, answered):
    conv, answer = answered
    result = await stream(
        store, conv.id, provider=_provider("ignored"), rewrite=True, part_number=1, write_history=False
    ).wait()
    assert result.text == "ignored" and not result.replaced
    assert store.get_message(answer.id).text == ANSWER
    before = len(store.thread(conv.id))
    result = await stream(store, conv.id, provider=_provider("not kept"), write_history=False).wait()
    assert result.text == "not kept" and result.message_id is None
    assert len(store.thread(conv.id)) == before


async def test_rewrite_a_plain_message_list_without_a_store():
    messages = [Message("user", "q"), Message("assistant", ANSWER)]
    result = await stream(
        None, messages, provider=_provider("X"), rewrite=True, part_number=2, write_history=False
    ).wait()
    assert result.text == "X" and result.part.content.startswith("```python")


async def test_new_answer_is_recorded_after_the_current_leaf(store, answered):
    conv, answer = answered
    store.add_message(conv.id, "user", "and reversed?")
    provider = _provider("Use `reversed()`.")
    result = await stream(store, conv.id, provider=provider).wait()
    thread = store.thread(conv.id)
    assert [m.role for m in thread] == ["user", "assistant", "user", "assistant"]
    assert thread[-1].id == result.message_id and thread[-1].text == "Use `reversed()`."
    assert thread[-1].status == "complete" and thread[-1].stats["output_tokens"] > 0
    assert [m.content for m in provider.seen[0].messages][-1] == "and reversed?"


async def test_a_message_list_becomes_a_new_conversation(store):
    result = await stream(store, [Message("user", "hello there")], provider=_provider("hi!")).wait()
    conv = store.latest_conversation()
    assert conv.title == "Hello there"
    assert [m.text for m in store.thread(conv.id)] == ["hello there", "hi!"]
    assert result.message_id == store.thread(conv.id)[-1].id


async def test_bad_part_number_and_missing_answer(store, answered):
    conv, _ = answered
    with pytest.raises(HistoryError, match="no part 9"):
        stream(store, conv.id, provider=_provider(), rewrite=True, part_number=9)
    empty = store.create_conversation()
    with pytest.raises(HistoryError, match="no answer"):
        stream(store, empty.id, provider=_provider(), rewrite=True)
    with pytest.raises(HistoryError, match="no conversation"):
        stream(store, 999, provider=_provider())


def test_fit_replacement_keeps_separators_and_unwraps_markdown_fences():
    from tui.history.rewrite import fit_replacement

    assert fit_replacement("\n\nNew.\n", "Old.\n\n") == "New.\n\n"
    assert fit_replacement("```markdown\n- a\n- b\n```", "- x\n\n") == "- a\n- b\n\n"
    assert fit_replacement("```python\nx = 1\n```", "```python\nx = 0\n```\n") == "```python\nx = 1\n```\n"


# -- PartRewrite: the one rewrite service (the app's worker drives it with its own consumer) ---------
async def test_part_rewrite_as_the_app_drives_it_with_the_offline_demo_model(store, answered):
    from tui.history import PartRewrite
    from tui.stream import StreamController, consume

    conv, answer = answered
    parts = [p.content for p in store.text_parts(answer.id)]
    rewrite = PartRewrite(
        parts, 1, instruction="louder", context=store.to_chat_messages(conv.id)[:1], store=store, message_id=answer.id
    )
    assert "<part>\nUse `sorted()` for a new list.\n</part>" in rewrite.prompt
    assert "Instruction: louder" in rewrite.prompt
    screen: list[str] = []  # the app's own consumer: what the screen shows while it streams

    class Screen:
        def begin(self, stream): ...
        def feed(self, event):
            screen.append(event.content) if event.type.value == "delta" else None

        def finish(self, stream): ...

    provider = get_provider("scripted", rate=0, thinking="")
    async with rewrite.chat(provider).complete_stream(controller=StreamController()) as stream:
        assert await consume(stream, [Screen(), rewrite]) is StreamState.COMPLETED
    assert "".join(screen) == "USE `SORTED()` FOR A NEW LIST."
    assert rewrite.replacement == "USE `SORTED()` FOR A NEW LIST.\n\n"  # the part's separator is kept
    assert rewrite.replaced and rewrite.error is None
    assert store.text_parts(answer.id)[1].content == rewrite.replacement
    assert rewrite.undo() == "Use `sorted()` for a new list.\n\n"
    assert store.get_message(answer.id).text == ANSWER and rewrite.undo() is None


async def test_part_rewrite_without_history_only_computes_the_replacement():
    from tui.history import PartRewrite
    from tui.stream import consume

    rewrite = PartRewrite(["# Title\n\n", "Body text here.\n"], -1, instruction="shorter")
    async with rewrite.chat(_provider("Short.")).complete_stream() as stream:
        await consume(stream, [rewrite])
    assert rewrite.replacement == "Short.\n" and not rewrite.replaced
    assert rewrite.undo() == "Body text here.\n" and rewrite.replacement is None


async def test_a_cancelled_part_rewrite_changes_nothing(store, answered):
    from tui.history import PartRewrite
    from tui.stream import relay

    conv, answer = answered
    rewrite = PartRewrite.from_history(store, conv.id, part_number=1)
    async with rewrite.chat(_provider("word " * 50)).complete_stream() as stream:
        async for _event in relay(stream, [rewrite]):
            if rewrite.text.count("word") == 2:
                stream.cancel()
    assert rewrite.state is StreamState.CANCELLED and rewrite.replacement is None and not rewrite.replaced
    assert store.get_message(answer.id).text == ANSWER


async def test_a_rewrite_whose_part_is_gone_reports_it_and_keeps_the_reply(store, answered):
    from tui.history import PartRewrite
    from tui.stream import consume

    conv, answer = answered
    rewrite = PartRewrite(["a\n\n", "b\n\n", "c\n\n", "d\n\n", "e"], 4, store=store, message_id=answer.id)
    async with rewrite.chat(_provider("E")).complete_stream() as stream:
        await consume(stream, [rewrite])
    assert rewrite.replacement == "E" and not rewrite.replaced
    assert rewrite.error is not None and "no part 5" in rewrite.error.message
    assert store.get_message(answer.id).text == ANSWER


def test_fit_replacement_keeps_the_whole_trailing_separator_and_the_indentation():
    from tui.history import fit_replacement

    assert fit_replacement("New text.  \n", "Old text. \n\n") == "New text. \n\n"
    assert fit_replacement("    code()\n", "    old()\n\n") == "    code()\n\n"


async def test_leaving_a_history_stream_early_saves_the_partial_answer_as_cancelled(store, answered):
    conv, _ = answered
    store.add_message(conv.id, "user", "more?")
    s = stream(store, conv.id, provider=_provider("one two three four five six", rate=0))
    async with contextlib.aclosing(s.events()) as events:
        async for event in events:
            if event.content.strip() == "two":
                break
    assert s.result.state is StreamState.CANCELLED
    saved = store.get_message(s.result.message_id)  # finished before the loop was left, not at collection
    assert (saved.status, saved.text) == ("cancelled", "one two")
