"""A conversation as Markdown (to read or share) or JSON (to keep or process; every branch included)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from typing import Any

from tui.history.models import Conversation, Part, StoredMessage
from tui.stream.attachments import Attachment, context_block, human_size
from tui.stream.attachments import fence as _fence
from tui.stream.hosted import ServerToolCall, references

FORMAT = "rill.conversation/1"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.strip().splitlines())


def _heading(message: StoredMessage) -> str:
    name = {"user": "User", "assistant": "Assistant", "system": "System", "tool": "Tool"}.get(
        message.role, message.role.title()
    )
    extra = [message.model] if message.role == "assistant" and message.model else []
    return f"## {name}" + (f" ({', '.join(extra)})" if extra else "")


def _part_markdown(part: Part) -> str:
    if part.kind == "thinking":
        return f"> **Thinking**\n>\n{_quote(part.content)}"
    if part.kind == "tool_call":
        arguments = json.dumps(part.arguments_dict, indent=2, ensure_ascii=False)
        return f"**Tool call** `{part.tool_name}`\n\n{_fence(arguments, 'json')}"
    if part.kind == "tool_result":
        label = "Tool error" if part.is_error else "Tool result"
        return f"**{label}** `{part.tool_name or ''}`\n\n{_fence(part.content)}"
    return part.content.strip("\n")


def _server_tool_markdown(call: ServerToolCall) -> str:
    line = f"**Hosted tool** `{call.name}` · {call.summary()}"
    if call.query:
        line += f"\n\n{_fence(call.query)}" if "\n" in call.query else f": {_inline(call.query)}"
    return line


def _inline(text: str) -> str:
    """Text as one line of inline code that survives backticks in it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _sources_markdown(message: StoredMessage) -> str:
    lines = ["**Sources**", ""]
    for citation in references(message.citations):
        where = citation.url or citation.filename or citation.file_id or ""
        title = (citation.title or citation.filename or where).replace("]", "\\]")
        lines.append(f"{citation.number}. [{title}]({where})" if citation.url else f"{citation.number}. {title}")
    return "\n".join(lines)


def _attachment_markdown(attachment: Attachment) -> str:
    """A text file as the model got it (name and fenced content); an image named, sized and hashed."""
    if attachment.is_image:
        return (
            f"**Attached image** `{attachment.name}` ({attachment.media_type}, {human_size(attachment.size)}, "
            f"sha256 `{attachment.sha256[:16]}`)"
        )
    return f"**Attached** {context_block(attachment)}"


def to_markdown(source: tuple[Conversation, list[StoredMessage]]) -> str:
    conversation, thread = source
    lines = [f"# {conversation.title or 'Untitled'}", ""]
    about = [f"conversation {conversation.id}", f"created {conversation.created[:19].replace('T', ' ')}"]
    if conversation.provider or conversation.model:
        about.insert(1, "/".join(x for x in (conversation.provider, conversation.model) if x))
    lines += [f"_{' · '.join(about)}_", ""]
    if conversation.system:
        lines += ["**System prompt**", "", _quote(conversation.system), ""]
    for message in thread:
        lines += [_heading(message), ""]
        blocks: list[str] = []
        text: list[str] = []
        for part in message.parts:
            if part.kind == "text":
                text.append(part.content)
                continue
            if text:
                blocks.append("".join(text).strip("\n"))
                text = []
            blocks.append(_part_markdown(part))
        if text:
            blocks.append("".join(text).strip("\n"))
        blocks[:0] = [_server_tool_markdown(call) for call in message.server_tools]  # they ran before the text
        if message.citations:
            blocks.append(_sources_markdown(message))
        blocks += [_attachment_markdown(a) for a in message.attachments]
        lines += [block for block in blocks if block for block in (block, "")]
        if message.status != "complete":
            note = f"_(answer {message.status}"
            lines += [note + (f": {message.error})_" if message.error else ")_"), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _message_json(message: StoredMessage) -> dict[str, Any]:
    skip = ("parts", "attachments", "server_tools", "citations")  # given below in their own form
    data = {key: value for key, value in asdict(message).items() if key not in skip}
    data["text"] = message.text
    data["thinking"] = message.thinking
    data["parts"] = [
        {
            "kind": p.kind,
            "content": p.content,
            "tool_name": p.tool_name,
            "tool_call_id": p.tool_call_id,
            "arguments": p.arguments_dict if p.kind == "tool_call" else None,
            "is_error": p.is_error,
            "revisions": p.revision_count,
        }
        for p in message.parts
    ]
    data["server_tools"] = [call.to_dict() for call in message.server_tools]
    data["citations"] = [citation.to_dict() for citation in message.citations]
    data["attachments"] = [  # whole, so the export can be sent again: text as text, images as base64
        {
            "name": a.name,
            "media_type": a.media_type,
            "size": a.size,
            "sha256": a.sha256,
            "text": None if a.is_image else a.text,
            "base64": a.base64 if a.is_image else None,
        }
        for a in message.attachments
    ]
    return data


def to_json(
    source: tuple[Conversation, list[StoredMessage]], every_message: list[StoredMessage] | None = None
) -> dict[str, Any]:
    conversation, thread = source
    messages = every_message if every_message is not None else thread
    return {
        "format": FORMAT,
        "conversation": asdict(conversation),
        "thread": [m.id for m in thread],  # the current branch, root to leaf
        "messages": [_message_json(m) for m in messages],  # every branch (parent_id links them)
    }
