"""split_blocks: top-level Markdown blocks, separators kept, and a streaming split equal to the whole."""

from __future__ import annotations

import pytest

from tui.history.parts import BlockSplitter, code_of, split_blocks
from tui.stream.providers.scripted import DEFAULT_TEXT, tokenize

SAMPLES = {
    "paragraphs": "One.\n\nTwo\nstill two.\n\n\nThree.",
    "heading then text": "# Title\nText right after.\n## Sub\n",
    "fence with blank lines": "Intro:\n\n```python\ndef f():\n\n    return 1\n\n\n```\n\nAfter.\n",
    "unclosed fence": "Text\n\n```js\nlet a = 1;\n\nlet b",
    "tilde fence": "~~~\n```\nnot a close\n~~~\nnext\n",
    "loose list": "- a\n- b\n\n- c\n  continued\n\nParagraph.\n",
    "list interrupts paragraph": "Here is a list:\n- one\n- two\n",
    "ordered": "1. first\n2. second\n\nThen.",
    "table": "| a | b |\n|---|---|\n| 1 | 2 |\n\nBelow the table.",
    "quote": "> quoted\n> more\n\n> another quote\n",
    "setext": "Title\n=====\nBody.\n",
    "thematic": "Above\n\n***\n\nBelow",
    "leading blanks": "\n\nStarts late.\n\nSecond.",
    "crlf": "One.\r\n\r\nTwo.\r\n",
    "indented code": "Para.\n\n    code\n\n    more code\n\nAfter.",
    "inline backticks": "```not a fence``` here\nstill paragraph\n",
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_join_gives_back_the_input(name):
    assert "".join(split_blocks(SAMPLES[name])) == SAMPLES[name]


def test_the_expected_blocks():
    assert split_blocks(SAMPLES["paragraphs"]) == ["One.\n\n", "Two\nstill two.\n\n\n", "Three."]
    assert split_blocks(SAMPLES["heading then text"]) == ["# Title\n", "Text right after.\n", "## Sub\n"]
    assert split_blocks(SAMPLES["fence with blank lines"]) == [
        "Intro:\n\n",
        "```python\ndef f():\n\n    return 1\n\n\n```\n\n",
        "After.\n",
    ]
    assert split_blocks(SAMPLES["unclosed fence"]) == ["Text\n\n", "```js\nlet a = 1;\n\nlet b"]
    assert split_blocks(SAMPLES["tilde fence"]) == ["~~~\n```\nnot a close\n~~~\n", "next\n"]
    assert split_blocks(SAMPLES["loose list"]) == ["- a\n- b\n\n- c\n  continued\n\n", "Paragraph.\n"]
    assert split_blocks(SAMPLES["list interrupts paragraph"]) == ["Here is a list:\n", "- one\n- two\n"]
    assert split_blocks(SAMPLES["table"]) == ["| a | b |\n|---|---|\n| 1 | 2 |\n\n", "Below the table."]
    assert split_blocks(SAMPLES["quote"]) == ["> quoted\n> more\n\n", "> another quote\n"]
    assert split_blocks(SAMPLES["setext"]) == ["Title\n=====\n", "Body.\n"]
    assert split_blocks(SAMPLES["thematic"]) == ["Above\n\n", "***\n\n", "Below"]
    assert split_blocks(SAMPLES["leading blanks"]) == ["\n\nStarts late.\n\n", "Second."]
    assert split_blocks(SAMPLES["indented code"]) == ["Para.\n\n", "    code\n\n    more code\n\n", "After."]
    assert split_blocks(SAMPLES["inline backticks"]) == [SAMPLES["inline backticks"]]
    assert split_blocks("") == []


def test_scripted_answer_blocks():
    kinds = [block.split("\n", 1)[0][:3] for block in split_blocks(DEFAULT_TEXT)]
    assert kinds == ["## ", "ril", "- `", "```", "| k", "Tha"]


@pytest.mark.parametrize("name", sorted(SAMPLES) + ["scripted"])
@pytest.mark.parametrize("step", [1, 3, 7])
def test_streaming_split_equals_split_of_the_whole_at_every_step(name, step):
    text = DEFAULT_TEXT if name == "scripted" else SAMPLES[name]
    splitter = BlockSplitter()
    for end in range(step, len(text) + step, step):
        prefix = text[:end]
        assert splitter.split(prefix) == split_blocks(prefix), prefix


def test_streaming_split_of_tokens():
    splitter = BlockSplitter()
    text = ""
    for token in tokenize(DEFAULT_TEXT * 3):
        text += token
        assert splitter.split(text) == split_blocks(text)


def test_random_markdown_joins_back_and_streams_the_same():
    """Seeded fuzz over the constructs models mix: whatever the text, join is the identity and the
    streaming split equals the split of the whole at every cut."""
    import random

    fragments = [
        "# H",
        "## H2",
        "text line",
        "- item",
        "* item",
        "1. one",
        "2) two",
        "  continued",
        "    code",
        "> quote",
        "| a | b |",
        "|---|---|",
        "```",
        "```py",
        "~~~",
        "---",
        "***",
        "===",
        "",
        "",
        "\t tab",
        "```not a fence```",
        "- ",
        "1.",
        "#hashtag",
        ">",
        "  - nested",
        "\r",
    ]
    rng = random.Random(7)
    for _ in range(300):
        text = "\n".join(rng.choice(fragments) for _ in range(rng.randint(1, 25)))
        if rng.random() < 0.5:
            text += "\n"
        blocks = split_blocks(text)
        assert "".join(blocks) == text
        assert all(blocks)
        splitter = BlockSplitter()
        cuts = sorted(rng.sample(range(1, len(text) + 1), min(len(text), 12)))
        for cut in cuts + [len(text)]:
            assert splitter.split(text[:cut]) == split_blocks(text[:cut]), repr(text[:cut])


@pytest.mark.parametrize(
    ("block", "code"),
    [
        ("```python\ndef f(x):\n    return x\n```\n\n", "def f(x):\n    return x"),  # fences and language go
        ("~~~~ sh {.x}\nls -l\n\n\necho ok\n~~~~\n", "ls -l\n\n\necho ok"),  # blank lines inside stay
        ("  ```\n  a\n    b\nc\n  ```\n", "a\n  b\nc"),  # the fence's indent comes off each line
        ("```js\nlet x = 1\n", "let x = 1"),  # a cut-off answer: the code that arrived
        ("    x = 1\n\ty = 2\n\n", "x = 1\ny = 2"),  # an indented block
        ("````\n```\ninner\n```\n````\n", "```\ninner\n```"),  # a longer fence keeps shorter ones
    ],
)
def test_code_of_a_code_block_is_its_code(block, code):
    assert code_of(block) == code
    assert code_of(split_blocks("Intro.\n\n" + block)[1]) == code  # a part as the splitter makes it


@pytest.mark.parametrize("block", ["Just text.\n\n", "- a list\n", "# Heading\n", "> ```\n> quoted\n", "", "\n\n"])
def test_code_of_any_other_block_is_none(block):
    assert code_of(block) is None
