"""What is sent to a model: plain values, independent of any wire format or UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from tui.stream.attachments import Attachment, with_context

Role = Literal["system", "user", "assistant", "tool"]


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    arguments_raw: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "arguments": self.arguments}


@dataclass
class Message:
    role: Role
    content: str = ""
    thinking: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None  # role "tool": which call this answers
    name: str | None = None  # role "tool": the tool's name
    is_error: bool = False  # role "tool": the result is an error message
    attachments: list[Attachment] = field(default_factory=list)  # role "user": files sent with it

    @property
    def text_with_context(self) -> str:
        """The content with the attached text files' context blocks before it (tui/stream/attachments.py)."""
        return with_context(self.content, self.attachments) if self.attachments else self.content

    @property
    def images(self) -> list[Attachment]:
        return [a for a in self.attachments if a.is_image]


@dataclass
class ToolSpec:
    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})


@dataclass
class ChatRequest:
    messages: list[Message]
    model: str | None = None  # None: the provider's default
    system: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    tools: list[ToolSpec] = field(default_factory=list)
