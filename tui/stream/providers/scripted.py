"""A deterministic, offline provider: the demo, the test double and the debug mode.

It speaks the same events as a real provider (thinking, Markdown text, a streamed tool call, usage,
END), at a configurable rate, and answers a tool result with a second round, so every feature of the
app and the library can be shown and tested without a network.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

from tui.stream.control import StreamController
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.messages import ChatRequest
from tui.stream.providers.base import ModelInfo, Provider

DEFAULT_THINKING = (
    "The user wants a short tour. I will show a heading, a list, a code block and a table, "
    "and keep each part small so it can be rewritten on its own."
)
# after a round of tool calls the demo reasons about the results, as a model would (not the same again)
FOLLOW_UP_THINKING = "The tools have answered; I will quote their results, then write the tour."

DEFAULT_TEXT = """## Streaming, the rill way

rill shows tokens **as they arrive**, keeps every word, and lets you steer the stream:

- `ctrl+s` pauses and resumes
- `escape` cancels and keeps the partial answer
- `r` rewrites the selected part in place

```python
async for event in run:
    print(event.content, end="")
```

| key | action |
| --- | --- |
| ctrl+r | sessions |
| ctrl+t | thinking |

That is the whole tour."""

# what the model picker offers for the scripted provider: names only, every one answers the same way
SCRIPTED_MODELS = (
    ModelInfo("scripted-demo", "the offline demo: thinking, Markdown, tool calls"),
    ModelInfo("scripted-mini", "the same demo under another name (to try the model picker)"),
)
# what the demo's hosted tools "find" (`hosted_tools = ["web_search", ...]` with the scripted provider)
DEMO_SOURCES: list[dict[str, Any]] = [
    {"title": "Textual documentation", "url": "https://textual.textualize.io/"},
    {
        "title": "Server-sent events — HTML Standard",
        "url": "https://html.spec.whatwg.org/multipage/server-sent-events.html",
    },
    {"title": "httpx: Async support", "url": "https://www.python-httpx.org/async/"},
]
DEMO_FILES: list[dict[str, Any]] = [{"filename": "design.md", "file_id": "file-demo-1", "score": 0.92}]
DEMO_CODE = ("print(sum(range(10)))", "45\n")

_TOKEN = re.compile(r"\s*\S+|\s+")
_QUOTED_PART = re.compile(r"<part>\n(.*)\n</part>", re.S)  # a rewrite request (app and tui.history)
_INSTRUCTION = re.compile(r"Instruction: *(.*)")

Reply = Callable[[ChatRequest], str]


def demo_rewrite(part: str, instruction: str) -> str:
    """What the offline demo answers to "rewrite this part": a visible, structure-keeping change.

    "shorter" keeps the first half (of the lines, or of the words of a one-line part), "upper" or
    "louder" capitalises, anything else rewords the first line's text; fenced code and tables come
    back as they were, since rewording them would break them.
    """
    wish = instruction.lower()
    if part.lstrip().startswith(("```", "~~~", "|")):
        return part
    if "short" in wish:
        lines = part.splitlines()
        if len(lines) > 1:
            return "\n".join(lines[: max(1, len(lines) // 2)])
        words = part.split(" ")
        return " ".join(words[: max(3, len(words) // 2)])
    if "upper" in wish or "loud" in wish:
        return part.upper()
    first, _, rest = part.partition("\n")
    found = re.match(r"\s*(#{1,6} |[-*+] |\d+[.)] |> )?", first)  # always matches (all optional)
    markup = found.group(0) if found else ""
    body = first[len(markup) :]
    reworded = f"{markup}Put another way: {body[:1].lower()}{body[1:]}"
    return reworded + ("\n" + rest if rest else "")


def tokenize(text: str) -> list[str]:
    """Split text the way a model streams it: words with their leading white space."""
    return _TOKEN.findall(text)


class ScriptedProvider(Provider):
    name = "scripted"
    default_model = "scripted-demo"
    hosted_tool_names = {"web_search": "", "file_search": "", "code_interpreter": ""}

    def __init__(
        self,
        *,
        model: str | None = None,
        rate: float = 200.0,
        text: str | None = None,
        thinking: str | None = DEFAULT_THINKING,
        reply: Reply | None = None,
        tool_calls: list[dict[str, Any]] | None = None,
        fail_after: int | None = None,
        failure: str = "interrupt",
        models: list[ModelInfo] | None = None,
        **options: Any,
    ) -> None:
        """`rate` is tokens per second (0: as fast as the loop allows). `tool_calls` are
        `{"name", "arguments"}` dicts the model asks for when the request offers those tools and
        no tool result has come back yet. `fail_after` breaks the stream after that many text
        tokens: `failure` "interrupt" (connection lost) or "api_error" (an error event). `models` is
        what `list_models` offers (default `SCRIPTED_MODELS`)."""
        super().__init__(model=model, **options)
        self.rate = float(rate)
        self.text = DEFAULT_TEXT if text is None else text
        self.thinking = thinking or ""
        self.reply = reply
        self.tool_calls = tool_calls
        self.fail_after = fail_after
        self.failure = failure
        self.models = list(SCRIPTED_MODELS if models is None else models)

    async def list_models(self) -> list[ModelInfo]:
        return sorted(self.models, key=lambda info: info.id.lower())

    # -- what the model "says" --------------------------------------------------------------
    def _wanted_calls(self, request: ChatRequest) -> list[dict[str, Any]]:
        if not request.tools or not self.tool_calls:
            return []
        rounds_done = sum(1 for m in request.messages if m.role == "assistant" and m.tool_calls)
        offered = {tool.name for tool in request.tools}
        calls = [c for c in self.tool_calls if c["name"] in offered]
        per_round = [c for c in calls if c.get("round", 0) == rounds_done]
        return per_round

    def _answer(self, request: ChatRequest) -> str:
        last = request.messages[-1] if request.messages else None
        if request.continue_answer and last is not None and last.role == "assistant":
            # a continuation: the rest of what it would have said (exact, like a prefill)
            whole = self._answer(replace(request, messages=request.messages[:-1], continue_answer=False))
            partial = last.content
            for start in range(len(partial)):  # where the partial's tail begins the answer (after a tool round)
                if whole.startswith(partial[start:]):
                    return whole[len(partial) - start :]
            return "\n\n" + whole
        if self.reply is not None:
            return self.reply(request)
        quoted = _QUOTED_PART.search(last.content) if last is not None and last.role == "user" else None
        if quoted and last is not None:
            instruction = _INSTRUCTION.search(last.content)
            return demo_rewrite(quoted.group(1), instruction.group(1) if instruction else "")
        results = [m for m in request.messages[-8:] if m.role == "tool"]
        if results and request.messages[-1].role == "tool":
            lines = "\n".join(f"- `{m.name}` returned `{m.content[:80]}`" for m in results)
            return f"The tools answered:\n\n{lines}\n\n{self.text}"
        if last is not None and last.role == "user" and last.attachments:  # shows the files arrived
            files = "\n".join(f"- `{a.describe()}`" for a in last.attachments)
            return f"You attached:\n\n{files}\n\n{self.text}"
        return self.text

    # -- streaming ---------------------------------------------------------------------------
    async def stream(self, request: ChatRequest, control: StreamController | None = None) -> AsyncIterator[StreamEvent]:
        model = self.model_for(request)
        yield StreamEvent(StreamEventType.START, metadata={"provider": self.name, "model": model, "id": "scripted-1"})
        delay = 1.0 / self.rate if self.rate > 0 else 0.0
        emitted = 0
        calls = [] if request.continue_answer else self._wanted_calls(request)
        thinking = "" if request.continue_answer else self.thinking
        if thinking == DEFAULT_THINKING and request.messages and request.messages[-1].role == "tool":
            thinking = FOLLOW_UP_THINKING
        if thinking:
            for token in tokenize(thinking):
                await self._tick(delay, emitted)
                emitted += 1
                yield StreamEvent(StreamEventType.THINKING, token)
        text = "Let me check." if calls else self._answer(request)
        if not calls:
            async for event in self._hosted(request, delay):
                yield event
        for number, token in enumerate(tokenize(text)):
            if self.fail_after is not None and number >= self.fail_after:
                yield self._failure_event()
                yield StreamEvent(StreamEventType.END, metadata={"complete": False})
                return
            await self._tick(delay, emitted)
            emitted += 1
            yield StreamEvent(StreamEventType.DELTA, token)
        for index, call in enumerate(calls):
            call_id = call.get("id") or f"call_{index + 1}"
            yield StreamEvent(
                StreamEventType.TOOL_CALL_START, index=index, metadata={"id": call_id, "name": call["name"]}
            )
            raw = json.dumps(call.get("arguments", {}))
            for start in range(0, len(raw), 8):
                await self._tick(delay, emitted)
                emitted += 1
                yield StreamEvent(StreamEventType.TOOL_CALL_DELTA, raw[start : start + 8], index=index)
            yield StreamEvent(
                StreamEventType.TOOL_CALL,
                index=index,
                metadata={
                    "id": call_id,
                    "name": call["name"],
                    "arguments": call.get("arguments", {}),
                    "arguments_raw": raw,
                },
            )
        prompt_chars = sum(len(m.text_with_context) for m in request.messages) + len(request.system or "")
        yield StreamEvent(
            StreamEventType.METADATA,
            metadata={
                "usage": {"input_tokens": max(1, prompt_chars // 4), "output_tokens": emitted},
                "stop_reason": "tool_calls" if calls else "stop",
            },
        )
        yield StreamEvent(StreamEventType.END, metadata={"complete": True})

    async def _hosted(self, request: ChatRequest, delay: float) -> AsyncIterator[StreamEvent]:
        """The hosted tools the demo was given run before its answer, which then cites what they found."""
        prompt = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
        query = " ".join(prompt.split()[:8]) or "rill"
        for index, tool in enumerate(self.hosted_tools):
            call_id = f"{tool.name}_{index + 1}"
            found: list[dict[str, Any]] = {"web_search": DEMO_SOURCES, "file_search": DEMO_FILES}.get(tool.name) or []
            meta: dict[str, Any] = {"id": call_id, "name": tool.name, "query": query}
            if tool.name == "code_interpreter":
                meta["query"] = DEMO_CODE[0]
                found = [{"type": "logs", "logs": DEMO_CODE[1]}]
            yield StreamEvent(StreamEventType.HOSTED_TOOL_START, index=index, metadata=meta)
            phase = "interpreting" if tool.name == "code_interpreter" else "searching"
            yield StreamEvent(
                StreamEventType.HOSTED_TOOL_PROGRESS, index=index, metadata={"id": call_id, "phase": phase}
            )
            await self._tick(delay * 20, 0)  # a search takes a moment, as a real one does
            done = {"id": call_id, "status": "done", "results": found, "result_count": len(found)}
            yield StreamEvent(StreamEventType.HOSTED_TOOL_DONE, index=index, metadata=done)
        names = {tool.name for tool in self.hosted_tools}
        if "web_search" in names:
            for source in DEMO_SOURCES[:2]:
                yield StreamEvent(StreamEventType.CITATION, metadata={"type": "url_citation", **source})
        if "file_search" in names:
            yield StreamEvent(StreamEventType.CITATION, metadata={"type": "file_citation", **DEMO_FILES[0]})

    async def _tick(self, delay: float, emitted: int) -> None:
        if delay:
            await asyncio.sleep(delay)
        elif emitted % 64 == 0:
            await asyncio.sleep(0)

    def _failure_event(self) -> StreamEvent:
        if self.failure == "api_error":
            return StreamEvent(
                StreamEventType.ERROR, "the scripted server reported an error", metadata={"type": "server_error"}
            )
        from tui.stream.errors import StreamInterruptedError

        error = StreamInterruptedError("connection lost mid-answer (scripted)")
        return StreamEvent(StreamEventType.ERROR, error.message, metadata={"type": error.type, "error": error})
