"""The offline demo's answer to a rewrite request: the quoted part, visibly changed, structure kept."""

from __future__ import annotations

import asyncio

from tui.stream import ChatRequest, Message, StreamRun
from tui.stream.providers.scripted import DEFAULT_TEXT, ScriptedProvider, demo_rewrite


def test_demo_rewrite_follows_the_instruction_and_keeps_the_block_kind():
    assert demo_rewrite("## Streaming, the rill way", "") == "## Put another way: streaming, the rill way"
    assert demo_rewrite("- a\n- b\n- c\n- d", "make it shorter") == "- a\n- b"
    assert demo_rewrite("one two three four five six", "Shorter") == "one two three"
    assert demo_rewrite("keep **bold**", "louder") == "KEEP **BOLD**"
    fence = "```python\nprint(1)\n```"
    assert demo_rewrite(fence, "shorter") == fence  # rewording code would break it
    assert demo_rewrite("| a | b |\n| - | - |", "") == "| a | b |\n| - | - |"


def test_a_rewrite_request_is_answered_with_the_part_and_a_plain_one_with_the_demo():
    async def answer(text: str) -> str:
        run = StreamRun.from_provider(ScriptedProvider(rate=0, thinking=None), ChatRequest([Message("user", text)]))
        return (await run.run()).text

    request = "Rewrite part 2 of your previous answer. Instruction: louder\n\n<part>\nsay it\n</part>"
    assert asyncio.run(answer(request)) == "SAY IT"
    assert asyncio.run(answer("hello")) == DEFAULT_TEXT
