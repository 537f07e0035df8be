"""Shared pieces of the chat pilot tests: app factory, condition waits, a gated provider."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from tui.app.app import RillApp
from tui.app.widgets.prompt_input import PromptInput
from tui.config import Settings
from tui.stream import StreamEvent, StreamEventType
from tui.stream.providers.base import Provider
from tui.stream.providers.scripted import ScriptedProvider, tokenize

SECTION = """## Section {k}

A paragraph with **bold**, *italic*, `code` and a [bold]look-alike[/bold] in section {k}.

- item one
  - nested item of {k}
- item two

| name | value |
|---|---|
| alpha | {k} |

```python
def f(x={k}):
    return x * 2
```

> a quote in {k}

"""


def markdown(sections: int, end: str = "THE-END") -> str:
    """Markdown-rich text: headings, nested lists, tables, fenced code, quotes, markup look-alikes."""
    return "".join(SECTION.format(k=k) for k in range(sections)) + f"Last words {end}."


def frozen_clock() -> float:
    """Stats computed on this clock never change: pinned TTFT/elapsed for snapshots."""
    return 1000.0


def make_app(provider: Provider | None = None, **kwargs) -> RillApp:
    settings = kwargs.pop("settings", None) or Settings(provider="scripted")
    return RillApp(settings, provider=provider or ScriptedProvider(rate=0), **kwargs)


async def wait_for(pilot, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def send(pilot, app: RillApp, text: str) -> None:
    await wait_for(pilot, lambda: bool(app.chat.query(PromptInput)), what="the chat screen")
    prompt = app.chat.query_one(PromptInput)
    prompt.focus()
    prompt.load_text(text)
    await pilot.press("enter")


def finished(app: RillApp) -> bool:
    chat = app.chat
    return chat.active is None and bool(chat.transcript.answers) and not chat.transcript.answers[-1].streaming


async def wait_finished(pilot, app: RillApp, timeout: float = 15.0) -> None:
    await wait_for(pilot, lambda: finished(app), timeout, "the answer to finish")
    await pilot.pause()


class GatedProvider(Provider):
    """Streams `first` tokens, then waits for `gate` (a threading.Event), then the rest.

    It makes "mid-stream" a definite point, so pause/cancel tests and snapshots are deterministic.
    """

    name = "gated"
    default_model = "gated-1"

    def __init__(self, text: str, first: int, thinking: str = "", **options) -> None:
        super().__init__(**options)
        self.tokens = tokenize(text)
        self.first = first
        self.thinking = thinking
        self.gate = threading.Event()
        self.reached = threading.Event()

    async def stream(self, request, control=None):
        yield StreamEvent(StreamEventType.START, metadata={"provider": self.name, "model": self.model})
        for token in tokenize(self.thinking):
            yield StreamEvent(StreamEventType.THINKING, token)
        for number, token in enumerate(self.tokens):
            if number == self.first:
                self.reached.set()
                while not self.gate.is_set():
                    await asyncio.sleep(0.01)
            yield StreamEvent(StreamEventType.DELTA, token)
        yield StreamEvent(
            StreamEventType.METADATA,
            metadata={"usage": {"input_tokens": 12, "output_tokens": len(self.tokens)}, "stop_reason": "stop"},
        )
        yield StreamEvent(StreamEventType.END, metadata={"complete": True})
