"""What is sent to a model: plain values, independent of any wire format or UI."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
    # the last message is the assistant's partial answer (cancelled, cut off): carry on from its end
    continue_answer: bool = False


# What a model without prefill is told when it is asked to carry on with its own partial answer.
CONTINUE_INSTRUCTION = (
    "Your previous answer was cut off. Continue it from exactly where it stopped: do not repeat "
    "anything you already wrote and do not comment on the interruption; start with the next word."
)


def sendable(messages: list[Message]) -> list[Message]:
    """The messages as every API accepts them, whatever a cancel left behind.

    An answer cancelled while a tool's arguments streamed, or while the tool ran, has calls with no
    result; one cancelled while it thought has no text at all. APIs reject both (every later request
    would then fail), so: an assistant turn keeps only the calls answered by the tool results that
    follow it, results that answer no kept call go, and a turn left with no text and no calls goes.
    """
    out: list[Message] = []
    position = 0
    while position < len(messages):
        message = messages[position]
        position += 1
        if message.role == "tool":
            continue  # a result with no assistant turn of calls before it
        if message.role != "assistant":
            out.append(message)
            continue
        results: list[Message] = []
        while position < len(messages) and messages[position].role == "tool":
            results.append(messages[position])
            position += 1
        waiting = list(results)
        calls: list[ToolCall] = []
        answers: list[Message] = []
        for call in message.tool_calls:
            result = next((r for r in waiting if (r.tool_call_id or "") == call.id), None)
            if result is not None:
                waiting.remove(result)
                calls.append(call)
                answers.append(result)
        if not message.content.strip() and not calls:
            continue
        if len(calls) != len(message.tool_calls):
            message = replace(message, tool_calls=calls)
        out.append(message)
        out.extend(answers)
    return out


def wire_messages(request: ChatRequest, *, prefill: bool) -> list[Message]:
    """What a provider sends: `sendable` messages; for a continuation (`request.continue_answer`)
    the partial answer stays the last assistant turn, then either the provider continues it as it
    is (`prefill`: Anthropic, the local model; trailing white space is cut, Anthropic refuses it) or
    a short user turn asks the model to carry on (`CONTINUE_INSTRUCTION`)."""
    messages = sendable(request.messages)
    if not request.continue_answer or not messages or messages[-1].role != "assistant":
        return messages
    if prefill:
        messages[-1] = replace(messages[-1], content=messages[-1].content.rstrip())
        return messages
    return [*messages, Message("user", CONTINUE_INSTRUCTION)]
