"""The stream the chat screen is running right now (at most one at a time)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.history import PartRewrite
from tui.stream import StreamController


@dataclass
class ActiveStream:
    stream_id: int
    controller: StreamController
    answer: Any  # the transcript Answer being written
    kind: str = "answer"  # "answer", "rewrite" or "continue"
    part: int | None = None  # rewrite: the part being replaced
    old_part: str = ""  # rewrite: its text before, put back if the rewrite does not complete
    rewrite: PartRewrite | None = None  # rewrite: the service running it (its `replacement` at the end)
    base_text: str = ""  # continue: the answer's raw text before the continuation
    user: Any = None  # the transcript's UserMessage of the prompt sent with this stream (gets its id)
