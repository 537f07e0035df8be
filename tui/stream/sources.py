"""Turning whatever a caller hands the library into the one thing a `StreamRun` reads: StreamEvents.

A library user may pass a provider stream (an async iterator of `StreamEvent`s), an async iterator of
text, or a plain iterator of text (a generator, a list, `chunk_stream(...)`). Text becomes DELTA
events framed by START and END, so every consumer sees the same shape of stream whatever the source.
The wrappers close the source when they stop, so a cancelled run really stops a generator.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

from tui.stream.events import StreamEvent, StreamEventType


def _convert(item: Any) -> StreamEvent:
    if isinstance(item, str):
        return StreamEvent(StreamEventType.DELTA, item)
    if isinstance(item, StreamEvent):
        return item
    raise TypeError(f"a stream must yield str or StreamEvent items, not {type(item).__name__}")


async def from_async(source: Any) -> AsyncIterator[StreamEvent]:
    text_mode = None
    try:
        async for item in source:
            if text_mode is None:
                text_mode = isinstance(item, str)
                if text_mode:
                    yield StreamEvent(StreamEventType.START, metadata={"provider": "text"})
            yield _convert(item)
        if text_mode is None:  # an empty stream of text is a complete, empty answer
            yield StreamEvent(StreamEventType.START, metadata={"provider": "text"})
            text_mode = True
        if text_mode:
            yield StreamEvent(StreamEventType.END, metadata={"complete": True})
    finally:
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()


async def from_sync(source: Iterator[Any]) -> AsyncIterator[StreamEvent]:
    """A synchronous iterator, read on the loop; control goes back to the loop after each item so
    the consumer sees text live and pause/cancel act between items."""
    text_mode = None
    try:
        for item in source:
            if text_mode is None:
                text_mode = isinstance(item, str)
                if text_mode:
                    yield StreamEvent(StreamEventType.START, metadata={"provider": "text"})
            yield _convert(item)
            await asyncio.sleep(0)
        if text_mode is None:
            yield StreamEvent(StreamEventType.START, metadata={"provider": "text"})
            text_mode = True
        if text_mode:
            yield StreamEvent(StreamEventType.END, metadata={"complete": True})
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


def as_event_source(stream: Any) -> AsyncIterator[StreamEvent]:
    """An async iterator of StreamEvents for any supported kind of stream (see module doc)."""
    if isinstance(stream, (str, bytes)):
        raise TypeError(
            "a stream is an iterator of text pieces, not one string; "
            "use chunk_stream(text) to split a string into a stream"
        )
    if hasattr(stream, "__aiter__"):
        return from_async(stream)
    if hasattr(stream, "__iter__"):
        return from_sync(iter(stream))
    raise TypeError(
        f"cannot stream from {type(stream).__name__}: pass an iterator or async iterator "
        "of str, a provider stream, or a StreamRun"
    )
