"""Small conveniences over the pipeline: collect a stream into a string, split text into a stream.

`stream_to_string` goes through a `StreamHandler`, so it gets the same pipeline (and the same error
behaviour) as everything else. `chunk_stream` never sleeps unless a `delay` is asked for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from tui.stream.handlers import StreamHandler


def stream_to_string(stream: Any) -> str:
    """The whole answer text of a stream (any kind a handler accepts), synchronously."""
    return StreamHandler().process_stream(stream, buffer_content=False)


async def astream_to_string(stream: Any) -> str:
    return await StreamHandler().aprocess_stream(stream, buffer_content=False)


def chunk_stream(text: str, chunk_size: int = 10, delay: float = 0.0) -> Iterator[str]:
    """Split `text` into pieces of `chunk_size` characters; `delay` seconds between pieces (0: none)."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    if delay < 0:
        raise ValueError("delay must not be negative")
    for start in range(0, len(text), chunk_size):
        if delay and start:
            time.sleep(delay)
        yield text[start : start + chunk_size]


async def achunk_stream(text: str, chunk_size: int = 10, delay: float = 0.0) -> AsyncIterator[str]:
    """`chunk_stream` for async code: waits with `asyncio.sleep`, so the loop stays free."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    if delay < 0:
        raise ValueError("delay must not be negative")
    for start in range(0, len(text), chunk_size):
        if delay and start:
            await asyncio.sleep(delay)
        yield text[start : start + chunk_size]
