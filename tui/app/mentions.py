"""`@path` in a prompt: finding the files it names, and completing a path as it is typed.

A mention starts with `@` at the start of the prompt or after whitespace (so `me@example.com` is not
one) and runs to the next whitespace; a path with spaces is quoted: `@"my notes.txt"` or
`@'my notes.txt'`. Paths are relative to the directory rill runs in; `~` is the home directory.

A mention that names no file is left as text when it does not look like a path (`@alice`: no `/`,
`.` or `~` in it); one that looks like a path and is missing is refused like any file that cannot be
sent (the prompt stays in the box). Nothing here is Textual: the prompt widget and the chat screen
use it, and tests call it directly.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.stream.attachments import Attachment, expand, load_attachments

_MENTION = re.compile(r"""(?:^|(?<=\s))@(?:"([^"]*)"|'([^']*)'|(\S+))""")
MAX_SUGGESTIONS = 50


@dataclass(frozen=True)
class Mention:
    path: str
    start: int  # offset of the `@` in the prompt
    end: int
    quoted: bool = False


def mentions(text: str) -> list[Mention]:
    """Every `@path` in the prompt, in order."""
    found = []
    for match in _MENTION.finditer(text):
        path = next(group for group in match.groups() if group is not None)
        if path:
            found.append(Mention(path, match.start(), match.end(), quoted=match.group(3) is None))
    return found


def looks_like_path(path: str) -> bool:
    return "/" in path or "." in path or path.startswith("~")


def attachment_paths(text: str, cwd: str | os.PathLike[str] | None = None) -> list[str]:
    """The paths to attach, each once: every quoted mention; an unquoted one that names something
    (also without the punctuation that ends a sentence: `@notes.txt.`) or looks like a path (then
    loading it says why it cannot be sent)."""
    paths: list[str] = []
    for mention in mentions(text):
        path = mention.path
        if not mention.quoted and not expand(path, cwd).exists():
            trimmed = path.rstrip(".,;:!?)")
            if trimmed and trimmed != path and expand(trimmed, cwd).exists():
                path = trimmed
            elif not looks_like_path(trimmed):
                continue  # @alice: a name, not a file
        if path not in paths:
            paths.append(path)
    return paths


def quote(path: str) -> str:
    """A path as a mention: quoted when it has whitespace."""
    if not any(ch.isspace() for ch in path):
        return f"@{path}"
    return f"@'{path}'" if '"' in path else f'@"{path}"'


@dataclass(frozen=True)
class Typing:
    """The mention the cursor is in: `@` at `start`, what is typed so far up to the cursor."""

    start: int
    typed: str
    quote: str  # "" or the opening quote


def typing_at(line: str, column: int) -> Typing | None:
    """The mention being typed where the cursor is (`line` is the cursor's line)."""
    before = line[:column]
    at = before.rfind("@")
    while at >= 0:
        if at == 0 or before[at - 1].isspace():
            typed = before[at + 1 :]
            opening = typed[:1] if typed[:1] in ("'", '"') else ""
            body = typed[1:] if opening else typed
            if opening and opening in body:
                return None  # the quoted path is closed: the cursor is past it
            if not opening and any(ch.isspace() for ch in body):
                return None
            return Typing(at, body, opening)
        at = before.rfind("@", 0, at)
    return None


def complete(typed: str, cwd: str | os.PathLike[str] | None = None) -> list[str]:
    """Paths that complete `typed` (directories end with `/`), sorted; hidden entries only when the
    typed name starts with a dot. At most MAX_SUGGESTIONS."""
    head, _, name = typed.rpartition("/")
    folder_text = head + "/" if typed.count("/") else ""
    if typed.startswith("/") and not head:
        folder_text = "/"
    folder = expand(folder_text or ".", cwd)
    hidden = name.startswith(".")
    try:
        with os.scandir(folder) as scan:
            entries = [e for e in scan if e.name.startswith(name) and (hidden or not e.name.startswith("."))]
    except OSError:
        return []
    entries.sort(key=lambda e: e.name.lower())
    out = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        out.append(folder_text + entry.name + ("/" if is_dir else ""))
        if len(out) >= MAX_SUGGESTIONS:
            break
    return out


def common_prefix(options: list[str]) -> str:
    return os.path.commonprefix(options) if options else ""


def relative_to(path: str | os.PathLike[str], cwd: str | os.PathLike[str]) -> str:
    """A picked file as a mention path: relative to `cwd` when it is under it, else `~/...` or absolute."""
    target, base = Path(path).resolve(), Path(cwd).resolve()
    if target.is_relative_to(base):
        return str(target.relative_to(base))
    home = Path.home()
    if target.is_relative_to(home):
        return "~/" + str(target.relative_to(home))
    return str(target)


def files_for(text: str, provider: Any, cwd: str | os.PathLike[str] | None = None) -> list[Attachment]:
    """The files the prompt's mentions name, read and checked, and checked against the provider (the
    local model reads no images): `AttachmentError` says why one cannot be sent."""
    attachments = load_attachments(attachment_paths(text, cwd), cwd)
    check = getattr(provider, "check_attachments", None)
    if attachments and check is not None:
        check(attachments)
    return attachments
