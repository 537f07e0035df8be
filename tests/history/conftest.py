"""Fixtures for the history tests: a fresh store on a temporary file, and event builders."""

from __future__ import annotations

import pytest

from tui.history import HistoryStore
from tui.stream.events import StreamEvent, StreamEventType


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "history.db"


@pytest.fixture
def store(db_path):
    store = HistoryStore(db_path)
    yield store
    store.close()


class FakeClock:
    """A clock the test moves by hand, so 'at most every 250 ms' is checked without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


def delta(text: str) -> StreamEvent:
    return StreamEvent(StreamEventType.DELTA, text)


def thinking(text: str) -> StreamEvent:
    return StreamEvent(StreamEventType.THINKING, text)


def start(provider: str = "scripted", model: str = "m1") -> StreamEvent:
    return StreamEvent(StreamEventType.START, metadata={"provider": provider, "model": model})


def end(complete: bool = True) -> StreamEvent:
    return StreamEvent(StreamEventType.END, metadata={"complete": complete})
