"""Files sent with a prompt: reading and checking them, and the text a model sees for them.

A text file (UTF-8, no NUL bytes) becomes a context block in the prompt: its name and its content in
a fence longer than any backtick run inside. An image (PNG, JPEG, GIF, WebP, recognised by its magic
bytes, whatever its name says) travels in the wire format's own image field (each provider's
`build_body`). Anything else is refused before sending, with a message that says why:

- a missing path, a directory, a file that cannot be read;
- a binary file that is not one of those images;
- a text file over `MAX_TEXT_BYTES` (256 KiB), an image over `MAX_IMAGE_BYTES` (5 MiB: the smallest
  of the hosted APIs' limits), or more than `MAX_TOTAL_BYTES` (10 MiB) or `MAX_FILES` (20) in one prompt.

`load_attachment` raises `AttachmentError` (a `ConfigurationError`) with that message.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tui.stream.errors import ConfigurationError

MAX_TEXT_BYTES = 256 * 1024
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 10 * 1024 * 1024
MAX_FILES = 20

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


class AttachmentError(ConfigurationError):
    """A file that cannot be sent with the prompt (the message names it and says why)."""

    type = "attachment"


@dataclass(frozen=True)
class Attachment:
    """One file sent with a user message. `data` is the file's bytes (text files: UTF-8)."""

    name: str  # as the person named it (a path relative to where rill runs, or the file's name)
    media_type: str  # "text/plain", "text/markdown", "image/png", ...
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")

    @property
    def text(self) -> str:
        return "" if self.is_image else self.data.decode("utf-8", errors="replace")

    @property
    def base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")

    @property
    def data_url(self) -> str:
        return f"data:{self.media_type};base64,{self.base64}"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def describe(self) -> str:
        """`name (type, size)`: what a chip or a notice says about it."""
        kind = self.media_type if self.is_image else "text"
        return f"{self.name} ({kind}, {human_size(self.size)})"


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def image_type(head: bytes) -> str | None:
    """The image media type the magic bytes say, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _text_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name)
    return guessed if guessed and guessed.startswith("text/") else "text/plain"


def expand(path: str, cwd: str | os.PathLike[str] | None = None) -> Path:
    """`~` expanded; a relative path taken from `cwd` (default: the working directory)."""
    found = Path(os.path.expanduser(path))
    if not found.is_absolute() and cwd is not None:
        found = Path(cwd) / found
    return found


def load_attachment(path: str, cwd: str | os.PathLike[str] | None = None) -> Attachment:
    """Read and check one file; `AttachmentError` says why it cannot be sent."""
    target = expand(path, cwd)
    if not target.exists():
        raise AttachmentError(f"cannot attach {path}: no such file")
    if target.is_dir():
        raise AttachmentError(f"cannot attach {path}: it is a directory (attach the files in it one by one)")
    try:
        size = target.stat().st_size
        limit = max(MAX_TEXT_BYTES, MAX_IMAGE_BYTES)
        with target.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise AttachmentError(f"cannot attach {path}: {exc.strerror or exc}") from None
    size = max(size, len(data))
    kind = image_type(data[:16])
    if kind is not None:
        if size > MAX_IMAGE_BYTES:
            raise AttachmentError(
                f"cannot attach {path}: the image is {human_size(size)}, over the {human_size(MAX_IMAGE_BYTES)} limit"
            )
        return Attachment(path, kind, data)
    if b"\x00" in data:
        raise AttachmentError(f"cannot attach {path}: it is a binary file, not text or a PNG, JPEG, GIF or WebP image")
    if size > MAX_TEXT_BYTES:
        raise AttachmentError(
            f"cannot attach {path}: the text file is {human_size(size)}, over the "
            f"{human_size(MAX_TEXT_BYTES)} limit (attach the part you need)"
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise AttachmentError(
            f"cannot attach {path}: it is neither UTF-8 text nor a PNG, JPEG, GIF or WebP image"
        ) from None
    return Attachment(path, _text_type(target.name), data)


def load_attachments(paths: Iterable[str], cwd: str | os.PathLike[str] | None = None) -> list[Attachment]:
    """Every file read and checked, then the prompt's totals (the first refusal is raised)."""
    loaded = [load_attachment(path, cwd) for path in paths]
    check_totals(loaded)
    return loaded


def check_totals(attachments: Sequence[Attachment]) -> None:
    if len(attachments) > MAX_FILES:
        raise AttachmentError(f"too many attachments: {len(attachments)} (at most {MAX_FILES} in one prompt)")
    total = sum(a.size for a in attachments)
    if total > MAX_TOTAL_BYTES:
        raise AttachmentError(
            f"the attachments add up to {human_size(total)}, over the {human_size(MAX_TOTAL_BYTES)} a prompt may carry"
        )


def fence(content: str, info: str = "") -> str:
    """A fenced block that survives backticks in `content` (the fence is longer than any run inside)."""
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{content.rstrip()}\n{ticks}"


def context_block(attachment: Attachment) -> str:
    """A text file as the model sees it: its name, then its content fenced."""
    return f"File: {attachment.name}\n{fence(attachment.text)}"


def with_context(content: str, attachments: Sequence[Attachment]) -> str:
    """The prompt as sent: the text files' context blocks first, then what the person wrote."""
    blocks = [context_block(a) for a in attachments if not a.is_image]
    return "\n\n".join([*blocks, content]) if blocks else content


def refuse_images(provider_label: str, attachments: Iterable[Attachment]) -> None:
    """For providers that cannot send images: `AttachmentError` naming them."""
    images = [a.name for a in attachments if a.is_image]
    if images:
        raise AttachmentError(
            f"{provider_label} cannot read images ({', '.join(images)}): remove them or switch to a provider "
            f"with a vision model (openai, openai-responses, anthropic, ollama)"
        )
