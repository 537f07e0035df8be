"""Splitting an answer into parts at top-level Markdown block boundaries (pure: no SQL, no I/O).

A part is the unit the user selects, rewrites and undoes: a paragraph, a heading, a whole list, a
fenced code block (blank lines inside included), a table, a block quote. The blank lines after a
block stay with it, so `"".join(split_blocks(text)) == text` always holds and a rewritten part can
be put back without disturbing its neighbours.

The splitter is a left-to-right state machine over lines that never looks ahead: a block boundary,
once decided on a complete line, never moves as more text arrives. That is what lets `BlockSplitter`
re-split only the last two blocks of a streaming answer instead of the whole text on every save.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
_THEMATIC = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_BULLET = re.compile(r"^ {0,3}[-+*](?:[ \t]|$)")
_ORDERED = re.compile(r"^ {0,3}(\d{1,9})[.)](?:[ \t]|$)")
_QUOTE = re.compile(r"^ {0,3}>")
_TABLE = re.compile(r"^ {0,3}\|")


def _is_list_item(line: str) -> bool:
    return bool(_BULLET.match(line) or _ORDERED.match(line)) and not _THEMATIC.match(line)


def _interrupts_paragraph(line: str) -> bool:
    """A list item interrupts a paragraph only when it has content (and, ordered, starts at 1)."""
    if _THEMATIC.match(line):
        return False
    if _BULLET.match(line):
        return bool(line.strip()[1:].strip())
    match = _ORDERED.match(line)
    return bool(match and match.group(1) == "1" and line.strip()[len(match.group(1)) + 1 :].strip())


def _kind_of(line: str) -> str:
    if _FENCE.match(line) and not _fence_info_invalid(line):
        return "fence"
    if _HEADING.match(line):
        return "heading"
    if _THEMATIC.match(line):
        return "break"
    if _is_list_item(line):
        return "list"
    if _QUOTE.match(line):
        return "quote"
    if _TABLE.match(line):
        return "table"
    if line.startswith(("    ", "\t")):
        return "code"
    return "para"


def _fence_info_invalid(line: str) -> bool:
    """A backtick fence's info string may not contain backticks (```` ```x``` ```` is inline code)."""
    match = _FENCE.match(line)
    return bool(match and match.group(1)[0] == "`" and "`" in match.group(2))


class _State:
    __slots__ = ("kind", "blank", "fence", "lines")

    def __init__(self) -> None:
        self.kind: str | None = None  # None: only blank lines so far
        self.blank = False  # blank lines follow the block's last content line
        self.fence = ""  # the opening fence of an open fenced block
        self.lines: list[str] = []


def _continues(state: _State, line: str) -> bool:
    """Does the non-blank `line` belong to the current block?"""
    kind = state.kind
    if kind is None:
        return True
    if state.blank:
        if kind == "list":
            return _is_list_item(line) or line.startswith(("  ", "\t"))
        if kind == "code":
            return line.startswith(("    ", "\t"))
        return False
    if kind in ("heading", "break", "fence_closed"):
        return False
    if (_FENCE.match(line) and not _fence_info_invalid(line)) or _HEADING.match(line):
        return kind == "code" and line.startswith(("    ", "\t"))
    if kind == "para":
        if _SETEXT.match(line):
            return True
        return not (_THEMATIC.match(line) or _interrupts_paragraph(line) or _QUOTE.match(line))
    if kind == "code":
        return line.startswith(("    ", "\t"))
    if _THEMATIC.match(line):
        return False
    if kind == "list":
        return not _QUOTE.match(line)
    if kind == "quote":
        return not _is_list_item(line)
    if kind == "table":
        return not (_is_list_item(line) or _QUOTE.match(line))
    return True


def _open_fence(state: _State, line: str) -> None:
    match = _FENCE.match(line)
    state.fence = match.group(1) if match else ""


def _closes_fence(fence: str, line: str) -> bool:
    stripped = line.strip()
    return len(line) - len(line.lstrip(" ")) <= 3 and stripped.startswith(fence) and set(stripped) == {fence[0]}


def split_blocks(markdown: str) -> list[str]:
    """The text's top-level blocks, each with its trailing blank lines; joined they give `markdown`."""
    if not markdown:
        return []
    blocks: list[str] = []
    state = _State()
    for line in markdown.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        if state.kind == "fence":
            state.lines.append(line)
            if _closes_fence(state.fence, bare):
                state.kind = "fence_closed"
            continue
        if not bare.strip():
            state.lines.append(line)
            if state.kind is not None:
                state.blank = True
            continue
        if state.kind is not None and not _continues(state, bare):
            blocks.append("".join(state.lines))
            state = _State()
        if state.kind is None:
            state.kind = _kind_of(bare)
            if state.kind == "fence":
                _open_fence(state, bare)
        elif state.kind == "para" and _SETEXT.match(bare):
            state.kind = "heading"
        state.blank = False
        state.lines.append(line)
    if state.lines:
        blocks.append("".join(state.lines))
    return blocks


def code_of(block: str) -> str | None:
    """The code in a code-block part: a fenced block without its fences and info string (its lines
    outdented by the fence's own indent), an indented block without its indentation; None for a block
    of any other kind. An unclosed fence (a cut-off answer) gives the code that arrived."""
    lines = block.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return None
    kind = _kind_of(lines[0])
    if kind == "code":
        return "\n".join(line[1:] if line.startswith("\t") else line[4:] for line in lines)
    if kind != "fence":
        return None
    fence = lines[0].lstrip(" ")
    indent = len(lines[0]) - len(fence)
    fence = fence[: len(fence) - len(fence.lstrip(fence[0]))]
    body = lines[1:]
    if body and _closes_fence(fence, body[-1]):
        body.pop()
    return "\n".join(line[min(indent, len(line) - len(line.lstrip(" "))) :] for line in body)


class BlockSplitter:
    """`split_blocks` for a text that only grows (a streaming answer), in amortised linear time.

    Blocks before the last two are final (their boundaries were decided on complete lines and the
    splitter never looks ahead), so they are kept and only the tail is split again on each call.
    """

    __slots__ = ("_frozen", "_offset")

    def __init__(self) -> None:
        self._frozen: list[str] = []
        self._offset = 0

    def split(self, text: str) -> list[str]:
        blocks = split_blocks(text[self._offset :])
        if len(blocks) > 2:
            stable = blocks[:-2]
            self._frozen.extend(stable)
            self._offset += sum(len(block) for block in stable)
            blocks = blocks[-2:]
        return self._frozen + blocks
