"""Progressive saving: inserted at the first token, saved at most every interval, final status + stats."""

from __future__ import annotations

import sqlite3

import pytest

from tests.history.conftest import delta, end, start, thinking
from tui.history import AnswerRecorder
from tui.history.parts import split_blocks
from tui.stream import ChatRequest, Message, StreamRun, StreamState, get_provider
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.stats import StreamStats


def _on_disk(db_path, message_id):
    """What another program reading the file sees right now."""
    conn = sqlite3.connect(db_path)
    try:
        row = conn.execute("SELECT status FROM messages WHERE id = ?", (message_id,)).fetchone()
        text = conn.execute(
            "SELECT group_concat(content, '') FROM (SELECT content FROM parts WHERE message_id = ? "
            "AND kind = 'text' ORDER BY position)",
            (message_id,),
        ).fetchone()[0]
        return (row[0] if row else None), (text or "")
    finally:
        conn.close()


def test_inserted_at_first_token_not_before(store, db_path, clock):
    conv = store.create_conversation()
    q = store.add_message(conv.id, "user", "hi")
    rec = AnswerRecorder(store, conv.id, q.id, save_interval=0.25, clock=clock)
    rec.feed(start())
    assert rec.message_id is None
    assert len(store.thread(conv.id)) == 1
    rec.feed(delta("Hello"))
    assert rec.message_id is not None
    assert _on_disk(db_path, rec.message_id) == ("streaming", "Hello")
    assert store.get_conversation(conv.id).current_leaf_id == rec.message_id


def test_saves_at_most_every_interval_and_final_save_keeps_every_token(store, db_path, clock):
    conv = store.create_conversation()
    rec = AnswerRecorder(store, conv.id, None, save_interval=0.25, provider="scripted", model="m", clock=clock)
    rec.feed(delta("a"))
    for _ in range(50):
        rec.feed(delta("b"))
        clock.advance(0.001)
    assert rec.saves == 1
    assert _on_disk(db_path, rec.message_id) == ("streaming", "a")
    clock.advance(0.25)
    rec.feed(delta("c"))
    assert rec.saves == 2
    assert _on_disk(db_path, rec.message_id) == ("streaming", "a" + "b" * 50 + "c")
    rec.feed(delta(" tail"))  # not yet saved...
    assert rec.finish(StreamState.COMPLETED, StreamStats())
    assert _on_disk(db_path, rec.message_id) == ("complete", "a" + "b" * 50 + "c tail")  # ...the final save has it


def test_final_status_and_stats(store):
    conv = store.create_conversation()
    stats = StreamStats()
    stats.start()
    rec = AnswerRecorder(store, conv.id, None, provider="openai", model="gpt-x")
    for event in (start("openai", "gpt-x"), delta("Hi "), delta("there")):
        stats.on_event(event)
        rec.feed(event)
    meta = StreamEvent(
        StreamEventType.METADATA, metadata={"usage": {"input_tokens": 7, "output_tokens": 2}, "stop_reason": "stop"}
    )
    stats.on_event(meta)
    rec.feed(meta)
    rec.feed(end())
    stats.finish()
    rec.finish(StreamState.COMPLETED, stats)
    msg = store.thread(conv.id)[-1]
    assert (msg.status, msg.provider, msg.model, msg.text) == ("complete", "openai", "gpt-x", "Hi there")
    assert msg.stats["input_tokens"] == 7 and msg.stats["output_tokens"] == 2
    assert msg.stats["stop_reason"] == "stop"
    assert msg.stats["first_token_ms"] is not None and msg.stats["duration_ms"] >= msg.stats["first_token_ms"]
    assert msg.stats["tokens_estimated"] is False
    assert (msg.stats["provider"], msg.stats["model"]) == ("openai", "gpt-x")
    assert store.get_conversation(conv.id).provider == "openai"


def test_end_states_map_to_statuses(store):
    conv = store.create_conversation()
    for state, status in (
        (StreamState.CANCELLED, "cancelled"),
        (StreamState.INTERRUPTED, "interrupted"),
        (StreamState.FAILED, "failed"),
        (StreamState.COMPLETED, "complete"),
    ):
        rec = AnswerRecorder(store, conv.id, None)
        rec.feed(delta("partial"))
        rec.finish(state, None)
        assert store.get_message(rec.message_id).status == status
        assert store.get_message(rec.message_id).text == "partial"


def test_failure_before_first_token_writes_nothing(store):
    conv = store.create_conversation()
    rec = AnswerRecorder(store, conv.id, None)
    rec.feed(start())
    rec.feed(StreamEvent(StreamEventType.ERROR, "401 bad key", metadata={"type": "auth"}))
    assert rec.finish(StreamState.FAILED, StreamStats())
    assert rec.message_id is None
    assert store.thread(conv.id) == []


def test_error_message_is_kept_with_a_failed_answer(store):
    conv = store.create_conversation()
    rec = AnswerRecorder(store, conv.id, None)
    rec.feed(delta("some text"))
    rec.feed(StreamEvent(StreamEventType.ERROR, "connection lost", metadata={"type": "interrupted"}))
    rec.finish(StreamState.INTERRUPTED, None)
    assert store.get_message(rec.message_id).error == "connection lost"


def test_thinking_tool_calls_and_results_are_parts_in_arrival_order(store):
    conv = store.create_conversation()
    q = store.add_message(conv.id, "user", "what time is it?")
    rec = AnswerRecorder(store, conv.id, q.id)
    events = [
        start(),
        thinking("I should "),
        thinking("call the clock."),
        delta("Let me check."),
        StreamEvent(StreamEventType.TOOL_CALL_START, index=0, metadata={"id": "c1", "name": "time"}),
        StreamEvent(StreamEventType.TOOL_CALL_DELTA, '{"tz": ', index=0),
        StreamEvent(StreamEventType.TOOL_CALL_DELTA, '"UTC"}', index=0),
        StreamEvent(
            StreamEventType.TOOL_CALL,
            index=0,
            metadata={"id": "c1", "name": "time", "arguments": {"tz": "UTC"}, "arguments_raw": '{"tz": "UTC"}'},
        ),
        StreamEvent(StreamEventType.TOOL_RESULT, "12:00", index=0, metadata={"id": "c1", "name": "time"}),
        start(),
        delta("It is noon."),
        end(),
    ]
    for event in events:
        rec.feed(event)
    rec.finish(StreamState.COMPLETED, None)
    msg = store.get_message(rec.message_id)
    assert [p.kind for p in msg.parts] == ["thinking", "text", "tool_call", "tool_result", "text"]
    assert msg.thinking == "I should call the clock."
    assert msg.tool_calls[0].arguments == {"tz": "UTC"} and msg.tool_calls[0].id == "c1"
    assert (msg.tool_results[0].content, msg.tool_results[0].tool_call_id) == ("12:00", "c1")
    chat = store.to_chat_messages(conv.id)
    assert [m.role for m in chat] == ["user", "assistant", "tool", "assistant"]
    assert chat[1].tool_calls[0].name == "time" and chat[3].content == "It is noon."


async def test_records_a_real_stream_run_with_parts_matching_the_splitter(store):
    conv = store.create_conversation()
    q = store.add_message(conv.id, "user", "tour please")
    run = StreamRun.from_provider(get_provider("scripted", rate=0), ChatRequest([Message("user", "tour please")]))
    rec = AnswerRecorder(store, conv.id, q.id, provider="scripted")
    async for event in run:
        rec.feed(event)
    assert rec.finish(run.state, run.stats)
    msg = store.get_message(rec.message_id)
    assert msg.text == run.snapshot.text
    assert [p.content for p in msg.text_parts] == split_blocks(run.snapshot.text)
    assert msg.thinking == run.snapshot.thinking
    assert msg.status == "complete" and msg.stats["output_tokens"] > 0


def test_progressive_saves_keep_search_in_sync(store, clock):
    conv = store.create_conversation()
    rec = AnswerRecorder(store, conv.id, None, save_interval=0.25, clock=clock)
    rec.feed(delta("alpha "))
    assert [h.message_id for h in store.search("alpha")] == [rec.message_id]
    rec.feed(delta("zebra"))
    assert store.search("zebra") == []  # not saved yet (inside the interval)
    clock.advance(0.3)
    rec.feed(delta("!"))
    assert [h.message_id for h in store.search("zebra")] == [rec.message_id]


def test_a_regenerated_answer_is_a_sibling_branch(store):
    conv = store.create_conversation()
    q = store.add_message(conv.id, "user", "name a colour")
    first = AnswerRecorder(store, conv.id, q.id)
    first.feed(delta("red"))
    first.finish(StreamState.COMPLETED, None)
    again = AnswerRecorder(store, conv.id, q.id)  # regenerate: same parent
    again.feed(delta("blue"))
    again.finish(StreamState.COMPLETED, None)
    assert [m.text for m in store.siblings(first.message_id)] == ["red", "blue"]
    assert [m.text for m in store.thread(conv.id)] == ["name a colour", "blue"]  # the new branch is current
    store.set_current_leaf(conv.id, first.message_id)
    assert [m.text for m in store.thread(conv.id)] == ["name a colour", "red"]


def test_flush_saves_what_arrived_before_a_pause(store, clock):
    conv = store.create_conversation()
    rec = AnswerRecorder(store, conv.id, None, save_interval=0.25, clock=clock)
    rec.feed(delta("before "))
    rec.feed(delta("the pause"))
    assert store.get_message(rec.message_id).text == "before "
    assert rec.flush()
    assert store.get_message(rec.message_id).text == "before the pause"


# -- the store's public save, and the recorder as a consumer ----------------------------------------
def test_save_answer_inserts_then_rewrites_only_the_parts_that_changed(store, db_path):
    from tui.history import AnswerState, PartRow

    conv = store.create_conversation()
    q = store.add_message(conv.id, "user", "hi")
    first = AnswerState(
        conv.id,
        (PartRow("thinking", "hmm"), PartRow("text", "One.\n\n"), PartRow("text", "Tw")),
        q.id,
        provider="scripted",
    )
    saved = store.save_answer(first)
    assert [p.content for p in store.get_message(saved.message_id).parts] == ["hmm", "One.\n\n", "Tw"]
    assert store.get_message(saved.message_id).status == "streaming"
    conn = sqlite3.connect(db_path)  # another program watching the file: log every part written
    conn.executescript("""CREATE TABLE part_writes(part_id INTEGER);
        CREATE TRIGGER log_update AFTER UPDATE ON parts BEGIN INSERT INTO part_writes VALUES (new.id); END;
        CREATE TRIGGER log_insert AFTER INSERT ON parts BEGIN INSERT INTO part_writes VALUES (new.id); END;""")
    conn.close()
    second = AnswerState(
        conv.id,
        (PartRow("thinking", "hmm"), PartRow("text", "One.\n\n"), PartRow("text", "Two.")),
        q.id,
        status="complete",
        stats={"output_tokens": 3},
        provider="scripted",
    )
    again = store.save_answer(second, saved)
    assert again.message_id == saved.message_id and again.part_ids == saved.part_ids
    conn = sqlite3.connect(db_path)
    assert [row[0] for row in conn.execute("SELECT part_id FROM part_writes")] == [saved.part_ids[2]]
    conn.close()
    message = store.get_message(saved.message_id)
    assert (message.status, message.text, message.stats["output_tokens"]) == ("complete", "One.\n\nTwo.", 3)


def test_save_answer_to_a_missing_conversation_changes_nothing(store):
    from tui.history import AnswerState, HistoryError, PartRow

    with pytest.raises(HistoryError, match="no conversation with id 99"):
        store.save_answer(AnswerState(99, (PartRow("text", "x"),)))
    assert store.search("x") == []


async def test_the_recorder_is_a_consumer_of_a_tool_using_exchange(store):
    from tui.stream import Chat, consume

    def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    conv = store.create_conversation()
    q = store.add_message(conv.id, "user", "2 + 3?")
    provider = get_provider(
        "scripted", rate=0, text="It is 5.", thinking=None, tool_calls=[{"name": "add", "arguments": {"a": 2, "b": 3}}]
    )
    rec = AnswerRecorder(store, conv.id, q.id)
    async with Chat([Message("user", "2 + 3?")], provider=provider, tools=[add]).complete_stream() as stream:
        assert await consume(stream, [rec]) is StreamState.COMPLETED
    msg = store.get_message(rec.message_id)
    kinds = [p.kind for p in msg.parts if p.kind != "thinking"]
    assert kinds[kinds.index("tool_call") : kinds.index("tool_call") + 3] == ["tool_call", "tool_result", "text"]
    assert msg.tool_results[0].content == "5" and msg.text.endswith("It is 5.")
    assert msg.status == "complete" and msg.stats["output_tokens"] > 0 and rec.error is None
    assert [m.role for m in store.to_chat_messages(conv.id)] == ["user", "assistant", "tool", "assistant"]


def test_the_recorder_records_a_background_stream_of_a_stream_manager(store):
    from tui.stream import StreamManager

    conv = store.create_conversation()
    rec = AnswerRecorder(store, conv.id, None)
    with StreamManager(get_provider("scripted", rate=0, text="Saved from the background.")) as manager:
        result = manager.generate_stream_with_handlers(prompt="hi", handlers=[rec]).get_result(timeout=10)
    assert store.get_message(rec.message_id).text == result.text == "Saved from the background."
    assert store.get_message(rec.message_id).status == "complete"


async def test_a_cancelled_stream_is_saved_cancelled_with_its_partial_text(store):
    from tui.stream import relay

    conv = store.create_conversation()
    rec = AnswerRecorder(store, conv.id, None)
    run = StreamRun.from_provider(
        get_provider("scripted", rate=0, thinking=None, text="a b c d e f"), ChatRequest([Message("user", "x")])
    )
    async for event in relay(run, [rec]):
        if event.content.strip() == "c":
            run.controller.cancel()
    msg = store.get_message(rec.message_id)
    assert (msg.status, msg.text) == ("cancelled", "a b c")


def test_a_continuation_appends_to_the_same_answer(store, db_path, clock):
    """Continue: the new text is appended to the saved partial answer (no second answer), its status
    becomes the continuation's, and the conversation's tree is unchanged."""
    conv = store.create_conversation()
    q = store.add_message(conv.id, "user", "count")
    first = AnswerRecorder(store, conv.id, q.id, clock=clock, provider="scripted", model="m1")
    for event in (start(), thinking("hmm"), delta("One.\n\nTwo, thr")):
        first.feed(event)
    assert first.finish(StreamState.CANCELLED)
    answer_id = first.message_id
    rec = AnswerRecorder(store, conv.id, None, clock=clock, continues=answer_id)
    assert rec.text == ""  # the fold's snapshot is the continuation's own
    for event in (start(), delta("ee.\n\nFour.")):
        rec.feed(event)
    assert _on_disk(db_path, answer_id) == ("streaming", "One.\n\nTwo, three.\n\nFour.")
    assert rec.finish(StreamState.COMPLETED, StreamStats())
    assert rec.message_id == answer_id
    stored = store.get_message(answer_id)
    assert (stored.status, stored.text, stored.thinking, stored.model) == (
        "complete",
        "One.\n\nTwo, three.\n\nFour.",
        "hmm",
        "m1",
    )
    assert [p.content for p in stored.text_parts] == split_blocks("One.\n\nTwo, three.\n\nFour.")
    assert [m.id for m in store.thread(conv.id)] == [q.id, answer_id]


def test_continuing_an_answer_that_is_not_there_is_a_history_error(store):
    from tui.history import HistoryError

    conv = store.create_conversation()
    q = store.add_message(conv.id, "user", "count")
    with pytest.raises(HistoryError, match="to continue"):
        AnswerRecorder(store, conv.id, None, continues=q.id)
