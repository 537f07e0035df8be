"""JSONStreamParser: complete values out of arbitrary pieces; the partial value while it streams."""

import json
import random

import pytest

from tui.stream import JSONStreamError, JSONStreamParser

VALUES = [
    {"a": 'x}{]"[\\', "b": [1, 2, {"c": None}], "n": -1.5e3},
    [1, "]", {"d": "\\\\"}, [], {}],
    {"unicode": "é \u2028 \U0001f600", "esc": 'line\nnext\ttab "q"'},
    [],
    {"deep": [[[[{"x": [True, False, None]}]]]]},
]
TEXT = "Here it comes: " + " , ".join(json.dumps(v) for v in VALUES) + "\n(the end)"


def test_one_character_at_a_time():
    parser = JSONStreamParser()
    seen = []
    for char in TEXT:
        seen.extend(parser.feed(char))
    assert seen == VALUES
    assert parser.get_objects() == VALUES
    assert not parser.has_complete_objects and parser.get_objects() == []
    assert parser.errors == []


def test_all_values_in_one_chunk():
    parser = JSONStreamParser()
    parser.feed(TEXT)
    assert parser.has_complete_objects
    assert parser.get_objects() == VALUES


@pytest.mark.parametrize("seed", range(25))
def test_random_splits(seed):
    rng = random.Random(seed)
    parser = JSONStreamParser()
    position = 0
    while position < len(TEXT):
        step = rng.randint(1, 40)
        parser.feed(TEXT[position : position + step])
        position += step
    assert parser.get_objects() == VALUES


def test_one_value_over_many_chunks_then_next_value_in_same_chunk():
    parser = JSONStreamParser()
    assert parser.feed('{"a": "{not') == []
    assert parser.in_value
    assert parser.feed(' a brace}", "b": 1') == []
    assert parser.feed('}{"c": 2}[3') == [{"a": "{not a brace}", "b": 1}, {"c": 2}]
    assert parser.feed("]") == [[3]]


def test_partial_value_grows_as_arguments_stream():
    parser = JSONStreamParser()
    assert parser.partial is None
    parser.feed('{"city": "Par')
    assert parser.partial == {"city": "Par"}
    parser.feed('is", "days": [1, 2')
    assert parser.partial == {"city": "Paris", "days": [1, 2]}
    parser.feed("]}")
    assert parser.partial is None
    assert parser.get_objects() == [{"city": "Paris", "days": [1, 2]}]


def test_invalid_value_is_skipped_with_a_message_or_raised_when_strict():
    parser = JSONStreamParser()
    parser.feed('[note] {"ok": true}')
    assert parser.get_objects() == [{"ok": True}]
    assert len(parser.errors) == 1 and "[note]" in parser.errors[0]

    strict = JSONStreamParser(strict=True)
    with pytest.raises(JSONStreamError) as info:
        strict.feed("{bad}")
    assert isinstance(info.value, ValueError)
    strict.feed('{"after": 1}')
    assert strict.get_objects() == [{"after": 1}]


def test_oversized_value_is_dropped_not_grown_forever():
    parser = JSONStreamParser(max_value_size=100)
    parser.feed('{"a": "' + "x" * 200)
    assert not parser.in_value and "100" in parser.errors[0]
    parser.feed('{"b": 2}')
    assert parser.get_objects() == [{"b": 2}]
