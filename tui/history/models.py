"""The plain values the store hands out: rows of the history file, detached from any connection."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from tui.stream.attachments import Attachment
from tui.stream.hosted import Citation, ServerToolCall
from tui.stream.messages import ToolCall

STATUSES = ("streaming", "complete", "cancelled", "interrupted", "failed")
PART_KINDS = ("text", "thinking", "tool_call", "tool_result")


@dataclass
class Conversation:
    id: int
    title: str | None
    provider: str | None
    model: str | None
    system: str | None
    created: str
    updated: str
    archived: bool
    current_leaf_id: int | None


@dataclass
class ConversationSummary:
    id: int
    title: str | None
    provider: str | None
    model: str | None
    updated: str
    message_count: int


@dataclass
class SearchHit:
    conversation_id: int
    message_id: int | None  # None: the conversation's title matched
    title: str | None
    snippet: str  # the matching text with matches wrapped in [ and ] (plain text, not markup)
    rank: float  # lower is better (bm25)


@dataclass
class Part:
    id: int
    message_id: int
    position: int
    kind: str
    content: str
    tool_name: str | None = None
    tool_call_id: str | None = None
    arguments: str | None = None  # JSON text of a tool call's arguments
    is_error: bool = False
    revision_count: int = 0

    @property
    def arguments_dict(self) -> dict[str, Any]:
        if not self.arguments:
            return {}
        try:
            value = json.loads(self.arguments)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {"value": value}


@dataclass
class StoredMessage:
    id: int
    conversation_id: int
    parent_id: int | None
    role: str
    status: str
    provider: str | None
    model: str | None
    created: str
    parts: list[Part] = field(default_factory=list)
    stats: dict[str, Any] | None = None
    error: str | None = None
    server_tools: list[ServerToolCall] = field(default_factory=list)  # the provider's own tool calls
    citations: list[Citation] = field(default_factory=list)  # each numbered by its source
    attachments: list[Attachment] = field(default_factory=list)  # files sent with a user message

    @property
    def text(self) -> str:
        return "".join(p.content for p in self.parts if p.kind == "text")

    @property
    def thinking(self) -> str:
        return "".join(p.content for p in self.parts if p.kind == "thinking")

    @property
    def text_parts(self) -> list[Part]:
        return [p for p in self.parts if p.kind == "text"]

    @property
    def tool_calls(self) -> list[ToolCall]:
        return [
            ToolCall(
                id=p.tool_call_id or "",
                name=p.tool_name or "",
                arguments=p.arguments_dict,
                arguments_raw=p.arguments or "",
            )
            for p in self.parts
            if p.kind == "tool_call"
        ]

    @property
    def tool_results(self) -> list[Part]:
        return [p for p in self.parts if p.kind == "tool_result"]


class PartRow(NamedTuple):
    """One part as the `parts` table holds it (without its id and position)."""

    kind: str
    content: str
    tool_name: str | None = None
    tool_call_id: str | None = None
    arguments: str | None = None  # JSON text of a tool call's arguments
    is_error: int = 0


class ServerToolRow(NamedTuple):
    """One provider-run tool call as the `server_tools` table holds it (without id, message, position)."""

    call_id: str | None
    name: str
    status: str
    query: str | None
    result_count: int | None
    results: str | None  # JSON list
    error: str | None
    duration_ms: float | None

    @classmethod
    def of(cls, call: ServerToolCall) -> ServerToolRow:
        results = json.dumps(call.results, ensure_ascii=False) if call.results else None
        return cls(call.id or None, call.name, call.status, call.query or None, call.result_count, results,
                   call.error, call.duration_ms)  # fmt: skip

    def to_call(self) -> ServerToolCall:
        try:
            results = json.loads(self.results) if self.results else []
        except ValueError:
            results = []
        return ServerToolCall(
            id=self.call_id or "",
            name=self.name,
            status=self.status,
            query=self.query or "",
            results=[r for r in results if isinstance(r, dict)] if isinstance(results, list) else [],
            result_count=self.result_count,
            error=self.error,
            duration_ms=self.duration_ms,
        )


class CitationRow(NamedTuple):
    """One citation as the `citations` table holds it (without id, message, position)."""

    number: int
    type: str
    url: str | None
    title: str | None
    file_id: str | None
    filename: str | None
    cited_text: str | None
    start_index: int | None
    end_index: int | None

    @classmethod
    def of(cls, citation: Citation) -> CitationRow:
        return cls(citation.number, citation.type, citation.url, citation.title, citation.file_id,
                   citation.filename, citation.cited_text, citation.start_index, citation.end_index)  # fmt: skip

    def to_citation(self) -> Citation:
        return Citation(
            type=self.type or "",
            url=self.url,
            title=self.title,
            file_id=self.file_id,
            filename=self.filename,
            cited_text=self.cited_text,
            start_index=self.start_index,
            end_index=self.end_index,
            number=self.number,
        )


@dataclass(frozen=True)
class AnswerState:
    """An assistant answer as it should be in the file now: what `HistoryStore.save_answer` writes.

    `parent_id=None` places a new answer after the conversation's current leaf (`ROOT`: a new root).
    `status` is "streaming" until the final save; `stats` (StreamStats.as_dict() keys) and `error`
    (the message of a failed answer) come with the final save.
    """

    conversation_id: int
    parts: tuple[PartRow, ...]
    parent_id: Any = None
    status: str = "streaming"
    provider: str | None = None
    model: str | None = None
    stats: Mapping[str, Any] | None = None
    error: str | None = None
    server_tools: tuple[ServerToolRow, ...] = ()
    citations: tuple[CitationRow, ...] = ()

    @property
    def final(self) -> bool:
        return self.status != "streaming"


@dataclass(frozen=True)
class SavedAnswer:
    """What the file holds of an answer after a save: pass it to the next save, which then
    rewrites only the parts that changed."""

    message_id: int
    parts: tuple[PartRow, ...] = ()
    part_ids: tuple[int, ...] = ()
    server_tools: tuple[ServerToolRow, ...] = ()
    citations: tuple[CitationRow, ...] = ()
