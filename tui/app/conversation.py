"""What the chat screen needs to know about the conversation on show, free of any widget.

`context` is the thread as request messages (what the next prompt is sent with); `cid` is its id in
history (None until the first prompt is saved, or always None when there is no history). `load`
turns a stored thread into plain `Turn` values that the screen renders: one per user prompt or
assistant answer, with the answer's thinking and tool activity, so a reopened conversation shows
exactly what was there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui.app.tool_rows import hosted_row, pretty_json
from tui.app.updates import ToolRow
from tui.stream import Attachment, Message
from tui.stream.hosted import INCOMPLETE, RUNNING, Citation, references

STATUS_NOTES = {
    "cancelled": "cancelled: partial answer kept (ctrl+l continues)",
    "interrupted": "interrupted: the connection broke; partial answer kept (ctrl+l continues, ctrl+g regenerates)",
    "failed": "failed",
    "streaming": "unfinished: the app stopped while this answer streamed",
}


@dataclass
class Turn:
    role: str  # "user" or "assistant"
    text: str
    message_id: int | None = None
    parent_id: int | None = None
    thinking: str = ""
    status: str = "complete"
    tool_rows: list[ToolRow] = field(default_factory=list)
    branch: tuple[int, int] | None = None  # (position, count) among siblings (answers, or edited prompts)
    answered_by: str = ""  # "provider/model" of an answer, as history recorded it
    references: list[Citation] = field(default_factory=list)  # the sources it cites, one per number
    attachments: list[Attachment] = field(default_factory=list)  # a prompt's files (its chip)
    stop_reason: str | None = None


# stop reasons that mean "cut off at the token limit" (OpenAI/Ollama/local, Anthropic, Responses)
LENGTH_STOPS = frozenset({"length", "max_tokens", "max_output_tokens"})
CONTINUABLE = frozenset({"cancelled", "interrupted", "failed"})


def can_continue(state: str, stop_reason: str | None) -> bool:
    """An answer that stopped before its end: cancelled, interrupted, failed mid-way, or cut at the limit."""
    return state in CONTINUABLE or (state == "complete" and stop_reason in LENGTH_STOPS)


def branch_label(branch: tuple[int, int]) -> str:
    """The indicator at a message that has siblings: `< 2/3 >`."""
    return f"< {branch[0]}/{branch[1]} >"


def status_note(
    status: str, error: str | None = None, branch: tuple[int, int] | None = None, stop_reason: str | None = None
) -> str:
    note = STATUS_NOTES.get(status, "")
    if status == "failed" and error:
        note = f"failed: {error}"
    if status == "complete" and stop_reason in LENGTH_STOPS:
        note = "cut off at the token limit (ctrl+l continues)"
    if branch is not None and branch[1] > 1:
        label = f"{branch_label(branch)} branch (ctrl+left/right)"
        note = f"{label} · {note}" if note else label
    return note


def load_thread(store: Any, cid: int) -> tuple[list[Turn], list[Message]]:
    """The stored thread as turns to show plus the request context to continue it."""
    turns: list[Turn] = []
    pending_rows: list[ToolRow] = []
    for message in store.thread(cid):
        role = message.role
        if role == "user":
            branch = branch_position(store, message.id)
            files = message.attachments
            turns.append(Turn("user", message.text, message.id, message.parent_id, branch=branch, attachments=files))
            continue
        if role not in ("assistant", "tool"):
            continue
        rows = _tool_rows(message) + _hosted_rows(message)
        hosted = bool(getattr(message, "server_tools", None) or getattr(message, "citations", None))
        if role == "tool" or (not message.text and not message.thinking and not hosted):
            pending_rows = _merge_rows(pending_rows, rows)
            if turns and turns[-1].role == "assistant" and role == "tool":
                turns[-1].tool_rows = _merge_rows(turns[-1].tool_rows, rows)
            continue
        branch = branch_position(store, message.id)
        turns.append(
            Turn(
                "assistant",
                joined(message, "text"),
                message.id,
                message.parent_id,
                thinking=joined(message, "thinking"),
                status=message.status or "complete",
                tool_rows=_merge_rows(pending_rows, rows),
                branch=branch,
                stop_reason=(message.stats or {}).get("stop_reason"),
                answered_by=answered_by(message.provider, message.model),
                references=references(list(getattr(message, "citations", None) or [])),
            )
        )
        pending_rows = []
    if pending_rows and turns and turns[-1].role == "assistant":
        turns[-1].tool_rows = _merge_rows(turns[-1].tool_rows, pending_rows)
    return turns, list(store.to_chat_messages(cid))


def answered_by(provider: str | None, model: str | None) -> str:
    """How an answer names who wrote it: "provider/model" (either may be missing)."""
    return "/".join(part for part in (provider, model) if part)


def joined(message: Any, kind: str) -> str:
    """The message's parts of one kind, with a blank line where other parts (a tool round) came between.

    History keeps each round's text as it arrived; on screen "Let me check." and the next round's
    answer must not run together, just as they did not while streaming.
    """
    parts = getattr(message, "parts", None)
    if not parts:
        return message.text if kind == "text" else (message.thinking or "")
    out: list[str] = []
    previous = None
    for part in sorted(parts, key=lambda p: p.position):
        if part.kind == kind and part.content:
            if out and previous != kind and not out[-1].endswith("\n\n"):
                out.append("\n\n")
            out.append(part.content)
        previous = part.kind
    return "".join(out)


def branch_position(store: Any, message_id: int | None) -> tuple[int, int] | None:
    """(position, count) of a stored message among its siblings; None without history or on a read error."""
    if store is None or not message_id:
        return None
    try:
        ids = store.sibling_ids(message_id)
    except Exception:
        return None
    return (ids.index(message_id) + 1, len(ids)) if message_id in ids else None


def _tool_rows(message: Any) -> list[ToolRow]:
    rows: dict[str, ToolRow] = {}
    for part in getattr(message, "parts", []) or []:
        kind = part.kind
        if kind not in ("tool_call", "tool_result"):
            continue
        key = part.tool_call_id or f"{message.id}-{part.position}"
        row = rows.setdefault(key, ToolRow(key=key, name=part.tool_name or "", status="done"))
        row.name = part.tool_name or row.name
        if kind == "tool_call":
            row.arguments = _pretty(part.arguments or part.content)
        else:
            row.result = part.content
            if getattr(message, "is_error", False) or (getattr(part, "is_error", False)):
                row.status = "failed"
    return list(rows.values())


def _hosted_rows(message: Any) -> list[ToolRow]:
    """The provider-run calls of a stored answer; one still "running" in a finished answer was cut off."""
    rows = []
    for number, call in enumerate(getattr(message, "server_tools", None) or []):
        if call.status == RUNNING and message.status != "streaming":
            call.status = INCOMPLETE
        rows.append(hosted_row(f"{message.id}-hosted-{number}", call))
    return rows


def _merge_rows(first: list[ToolRow], second: list[ToolRow]) -> list[ToolRow]:
    merged = {row.key: row for row in first}
    for row in second:
        if row.key in merged:
            old = merged[row.key]
            old.result = row.result if row.result is not None else old.result
            old.arguments = old.arguments or row.arguments
            old.name = old.name or row.name
            if row.status == "failed":
                old.status = "failed"
        else:
            merged[row.key] = row
    return list(merged.values())


def _pretty(raw: str | None) -> str:
    if not raw:
        return "{}"
    return pretty_json(raw) or raw
