"""Code written against the seed streaming API's names runs unchanged.

The seed names an event's fields `event_type`, `content` and `delta` (the new text), with
`is_content` and `to_dict()`, and builds a filter as `ContentFilterProcessor(block_patterns=[...])`.
Each test is written the way a user of that spec would write it. The one mapping to know: an
event carries only its own new text (`delta`, which is also `content` here); the text so far is
the run's `snapshot.text` (or a handler's `buffer.content`).
"""

from __future__ import annotations

import asyncio
import json

from tui.stream import (
    ChatRequest,
    ContentFilterProcessor,
    Message,
    StreamEvent,
    StreamEventType,
    StreamHandler,
    StreamProcessor,
    StreamRun,
    get_provider,
)

REQUEST = ChatRequest([Message("user", "hi")])


def test_a_seed_style_consumer_prints_the_deltas_and_reads_the_whole_answer():
    async def main() -> tuple[str, list[str], str]:
        provider = get_provider("scripted", text="Seed code still runs.", rate=0)
        run = StreamRun.from_provider(provider, REQUEST)
        printed: list[str] = []
        kinds: list[str] = []
        async for event in run:
            kinds.append(event.event_type.value)
            if event.event_type == StreamEventType.DELTA:
                printed.append(event.delta)
        return "".join(printed), kinds, run.snapshot.text

    printed, kinds, accumulated = asyncio.run(main())
    assert printed == accumulated == "Seed code still runs."
    assert kinds[0] == "start" and kinds[-1] == "end" and "thinking" in kinds


def test_is_content_marks_answer_text_only():
    async def main() -> list[StreamEvent]:
        provider = get_provider("scripted", text="Only this.", rate=0)
        return [event async for event in StreamRun.from_provider(provider, REQUEST)]

    events = asyncio.run(main())
    content = [e for e in events if e.is_content]
    assert "".join(e.delta for e in content) == "Only this."
    assert all(e.event_type is StreamEventType.DELTA for e in content)
    assert not any(e.is_content for e in events if e.event_type == StreamEventType.THINKING)


def test_event_type_compares_with_the_plain_string_too():
    event = StreamEvent(event_type=StreamEventType.DELTA, delta="x")
    assert event.event_type == "delta" and event.type is StreamEventType.DELTA
    assert StreamEvent(event_type="thinking", delta="hm").event_type is StreamEventType.THINKING


def test_to_dict_is_json_ready_and_uses_the_seed_names():
    async def main() -> list[StreamEvent]:
        provider = get_provider("scripted", text="one two", rate=0, fail_after=1)
        return [event async for event in StreamRun.from_provider(provider, REQUEST)]

    dicts = [event.to_dict() for event in asyncio.run(main())]
    json.dumps(dicts)  # every event, the ERROR with its exception included, serializes
    delta = next(d for d in dicts if d["event_type"] == "delta")
    assert delta["delta"] == delta["content"] == "one"
    assert set(delta) >= {"event_type", "content", "delta", "index", "metadata", "timestamp"}
    error = next(d for d in dicts if d["event_type"] == "error")
    assert isinstance(error["metadata"]["error"], str) and error["metadata"]["error"] == error["content"]


def test_a_seed_style_processor_builds_events_with_the_seed_keywords():
    class Shout(StreamProcessor):
        def process(self, event: StreamEvent) -> StreamEvent | None:
            if event.is_content:
                return StreamEvent(event_type=event.event_type, delta=event.delta.upper(), index=event.index)
            return event

    handler = StreamHandler(processors=[Shout()])
    assert handler.process_stream(["quiet ", "words"]) == "QUIET WORDS"


def test_a_seed_style_processor_may_edit_the_delta_in_place():
    class Redact(StreamProcessor):
        def process(self, event: StreamEvent) -> StreamEvent | None:
            if event.is_content:
                event.delta = event.delta.replace("7", "#")
            return event

    assert StreamHandler(processors=[Redact()]).process_stream(["a7", "77b"]) == "a###b"


def test_content_filter_with_block_patterns_words_and_regexes_split_across_deltas():
    words = ContentFilterProcessor(block_patterns=["password", "secret"])
    regex = ContentFilterProcessor(block_patterns=[r"\b\d{3}-\d{4}\b"], replacement="[number]")
    assert (
        StreamHandler(processors=[words]).process_stream(["my pass", "word is sec", "ret!"])
        == "my [filtered] is [filtered]!"
    )
    assert StreamHandler(processors=[regex]).process_stream(["call 555-", "1234 now"]) == "call [number] now"
    assert words.matches == 2 and regex.matches == 1


def test_block_patterns_are_regexes_unless_they_do_not_compile():
    odd = ContentFilterProcessor(block_patterns=["c++(", "a.b"])  # the first is no regex: a literal
    assert (
        StreamHandler(processors=[odd]).process_stream(["use c++( then a.b or axb"])
        == "use [filtered] then [filtered] or [filtered]"
    )
