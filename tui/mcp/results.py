"""What the model (and the person, in the tool pane and in history) gets for an MCP tool's result.

An MCP result is a list of content blocks plus optional structured content. The model is sent text:
text blocks as they are, an image or audio block as a placeholder naming its type and size (the bytes
are not text and would cost a fortune in tokens), a resource link as its name, URI and type, an
embedded text resource with its text, and the structured content as JSON when no text block already
says the same. Results are clipped at `MAX_RESULT_CHARS` so one tool cannot flood the context.
"""

from __future__ import annotations

import json
from typing import Any

from mcp_types import (
    AudioContent,
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    ImageContent,
    ResourceLink,
    TextContent,
    TextResourceContents,
)

MAX_RESULT_CHARS = 100_000


def human_size(size: int) -> str:
    """1234 -> "1.2 KB"; below 1 KB in bytes."""
    if size < 1000:
        return f"{size} bytes"
    value = size / 1000
    for unit in ("KB", "MB"):
        if value < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def base64_size(data: str) -> int:
    """How many bytes a base64 text decodes to (without decoding it)."""
    data = data.strip()
    return max(0, len(data.rstrip("=")) * 3 // 4)


def result_text(result: CallToolResult) -> str:
    pieces = [_block_text(block) for block in result.content]
    structured = result.structured_content
    if structured is not None and not _said(structured, result.content):
        pieces.append("structured content: " + json.dumps(structured, indent=2, ensure_ascii=False, default=str))
    text = "\n".join(piece for piece in pieces if piece) or "(the tool returned nothing)"
    if len(text) > MAX_RESULT_CHARS:
        cut = len(text) - MAX_RESULT_CHARS
        text = f"{text[:MAX_RESULT_CHARS]}\n[… {cut} more characters not shown]"
    return text


def _block_text(block: Any) -> str:
    if isinstance(block, TextContent):
        return block.text
    if isinstance(block, (ImageContent, AudioContent)):
        kind = "image" if isinstance(block, ImageContent) else "audio"
        return f"[{kind}: {block.mime_type}, {human_size(base64_size(block.data))}]"
    if isinstance(block, ResourceLink):
        details = ", ".join(
            part for part in (block.mime_type, human_size(block.size) if block.size is not None else None) if part
        )
        line = f"[resource link: {block.title or block.name} <{block.uri}>{f' ({details})' if details else ''}]"
        return f"{line} {block.description}" if block.description else line
    if isinstance(block, EmbeddedResource):
        resource = block.resource
        if isinstance(resource, TextResourceContents):
            return f"[resource {resource.uri}]\n{resource.text}"
        if isinstance(resource, BlobResourceContents):
            kind = resource.mime_type or "binary"
            return f"[resource {resource.uri}: {kind}, {human_size(base64_size(resource.blob))}]"
    kind = getattr(block, "type", type(block).__name__)
    return f"[{kind} content]"


def _said(structured: Any, blocks: list[Any]) -> bool:
    """Whether the text blocks already carry the structured content: as its JSON, or (a one-field
    object, how SDKs wrap a plain return value) as that field's value."""
    texts = [block.text for block in blocks if isinstance(block, TextContent)]
    for text in texts:
        try:
            if json.loads(text) == structured:
                return True
        except ValueError:
            pass
    if isinstance(structured, dict) and len(structured) == 1:
        (value,) = structured.values()
        return "\n".join(texts) == (value if isinstance(value, str) else json.dumps(value))
    return False
