"""A short conversation title from its first prompt, without asking a model (free, instant, offline)."""

from __future__ import annotations

import re

from tui.stream.sanitize import sanitize

_FENCED = re.compile(r"^ {0,3}(```|~~~).*?(^ {0,3}\1[^\n]*$|\Z)", re.S | re.M)
_INLINE = re.compile(r"[`*_#>]+|\[([^\]]*)\]\([^)]*\)")
_SPACE = re.compile(r"\s+")
_POLITE = re.compile(r"^(please|hi|hello|hey)[,!.\s]+", re.I)

MAX_LENGTH = 60


def make_title(prompt: str, max_length: int = MAX_LENGTH) -> str:
    """The first sentence-ish of the prompt, Markdown and control characters removed, cut at a word.

    Code blocks are dropped (a pasted traceback makes a poor title) unless they are all there is.
    """
    text = _FENCED.sub(" ", prompt or "")
    if not text.strip():
        text = prompt or ""
    text = sanitize(text)
    text = _INLINE.sub(lambda m: m.group(1) or " ", text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    text = _SPACE.sub(" ", lines[0] if lines else "").strip()
    rest = _POLITE.sub("", text).strip()
    if len(rest.split()) >= 3:  # "Hi, how do I sort a list?" -> "How do I sort a list?"; "Hello there" stays
        text = rest
    if not text:
        return "Untitled"
    sentence = re.split(r"(?<=[.?!])\s", text, maxsplit=1)[0]
    if len(sentence) >= 12:
        text = sentence
    if len(text) <= max_length:
        return text[:1].upper() + text[1:]
    cut = text[: max_length - 1]
    if " " in cut[max_length // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut[:1].upper() + cut[1:].rstrip(" ,;:-") + "…"
