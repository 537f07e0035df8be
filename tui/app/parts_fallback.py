"""Splitting an answer into parts when `tui.history.parts` is not importable.

The history package owns the real splitter (`split_blocks`); this keeps the app usable without it,
with the same contract: split at blank lines between top-level blocks, never inside a fenced code
block, separators kept inside the parts so that `"".join(parts) == text`.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def split_blocks(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    fence: str | None = None
    blank_run = False
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        match = _FENCE.match(line)
        if fence is None and blank_run and stripped and current:
            parts.append("".join(current))
            current = []
        current.append(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker[0] * len(marker)
            elif marker.startswith(fence) and not line.strip()[len(marker):].strip():
                fence = None
        blank_run = fence is None and not stripped
    if current:
        parts.append("".join(current))
    return parts
