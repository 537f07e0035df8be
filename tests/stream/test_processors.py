"""Processors: the ABC, passthrough, and a content filter that sees matches split across deltas."""

import random
import re

import pytest

from tui.stream import (
    ContentFilterProcessor,
    PassthroughProcessor,
    StreamEvent,
    StreamEventType,
    StreamHandler,
    StreamProcessor,
    StreamRun,
)

T = StreamEventType
TEXT = "the secret password is secretive; SECRET, pass  word, and a trailing sec"


def feed(processor, pieces, kind=T.DELTA):
    out = []
    for piece in pieces:
        event = processor.process(StreamEvent(kind, piece))
        if event is not None:
            out.append(event.content)
    out.extend(e.content for e in processor.flush())
    return "".join(out)


def random_splits(text, seed):
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(text)), rng.randint(0, len(text) - 1)))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


def test_abstract_base_requires_process():
    with pytest.raises(TypeError):
        StreamProcessor()  # type: ignore[abstract]

    class Upper(StreamProcessor):
        def process(self, event):
            return StreamEvent(event.type, event.content.upper())

    assert Upper().process(StreamEvent(T.DELTA, "a")).content == "A"
    assert Upper().flush() == []


def test_passthrough_returns_the_same_event():
    event = StreamEvent(T.DELTA, "x")
    assert PassthroughProcessor().process(event) is event


@pytest.mark.parametrize("seed", range(60))
def test_literal_filter_same_result_for_every_split(seed):
    expected = re.sub("secret|password", "#", TEXT)
    processor = ContentFilterProcessor(["secret", "password"], "#")
    assert feed(processor, random_splits(TEXT, seed)) == expected


def test_one_character_at_a_time_and_case_insensitive():
    processor = ContentFilterProcessor(["secret"], "#", ignore_case=True)
    assert feed(processor, list(TEXT)) == re.sub("(?i)secret", "#", TEXT)
    assert processor.matches == 3


@pytest.mark.parametrize("seed", range(20))
def test_regex_filter_across_deltas(seed):
    pattern = re.compile(r"pass\s*word")
    processor = ContentFilterProcessor([pattern], "#", max_match_length=20)
    assert feed(processor, random_splits(TEXT, seed)) == pattern.sub("#", TEXT)


def test_overlapping_literals_prefer_the_longer():
    processor = ContentFilterProcessor(["ab", "abc"], "#")
    assert feed(processor, ["a", "b", "c", "d"]) == "#d"
    assert feed(ContentFilterProcessor(["ab", "abc"], "#"), ["a", "b", "x"]) == "#x"


def test_other_event_types_pass_untouched_and_drops_are_none():
    processor = ContentFilterProcessor(["secret"], "#")
    thinking = StreamEvent(T.THINKING, "secret")
    assert processor.process(thinking) is thinking
    assert processor.process(StreamEvent(T.DELTA, "sec")) is None  # held back, nothing to pass yet


def test_bad_patterns_are_refused():
    with pytest.raises(ValueError):
        ContentFilterProcessor([])
    with pytest.raises(TypeError):
        ContentFilterProcessor([42])  # type: ignore[list-item]


async def test_held_text_is_flushed_in_a_run_even_without_an_end_event():
    async def source():  # no END from the source: the run's own END must still flush
        yield StreamEvent(T.START)
        for piece in ["a sec", "ret and a se"]:
            yield StreamEvent(T.DELTA, piece)

    run = StreamRun(source(), processors=[ContentFilterProcessor(["secret"], "#")])
    snapshot = await run.run()
    assert snapshot.text == "a # and a se"


def test_three_processors_chain_in_order_in_a_handler():
    handler = StreamHandler()
    handler.add_processor(ContentFilterProcessor(["bad"], "good")).add_processor(PassthroughProcessor())

    class Shout(StreamProcessor):
        def process(self, event):
            if event.type is T.DELTA:
                return StreamEvent(event.type, event.content.upper(), event.index)
            return event

    handler.add_processor(Shout())
    assert handler.process_stream(iter(["a b", "ad day"])) == "A GOOD DAY"
