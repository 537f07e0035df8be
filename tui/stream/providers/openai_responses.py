"""OpenAI Responses API (`POST {base_url}/responses`): typed SSE events (`event: response.*`).

Wire rules (streams/README.md):
- text is the `output_text` deltas of message items; a refusal delta goes to METADATA `refusal`;
- thinking is the reasoning `summary_text` deltas, else `reasoning_text` deltas (parts of a summary
  are separated by a blank line);
- a tool call is a `function_call` item; its id is the item's `call_id`;
- usage and stop reason come from the terminal response event: `response.completed` (its status),
  `response.incomplete` (`incomplete_details.reason`); both are terminators;
- `error` events (nested `{"error": {...}}`: its `type`; flat: its `code`) and `response.failed`
  (`response.error.code`) are errors.
"""

from __future__ import annotations

import json
from typing import Any

from tui.stream.errors import ProviderAPIError
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.messages import ChatRequest, wire_messages
from tui.stream.providers.frames import end_event, error_event, loads_object, tool_schema
from tui.stream.providers.openai_chat import OpenAIHTTPProvider
from tui.stream.snapshot import parse_arguments
from tui.stream.sse import SSEEvent

_DELTA = StreamEventType.DELTA
_THINKING = StreamEventType.THINKING
_METADATA = StreamEventType.METADATA


class ResponsesParser:
    def __init__(self, label: str = "OpenAI") -> None:
        self.label = label
        self.done = False
        self.terminated = False
        self._calls: dict[Any, int] = {}  # item id and output_index -> call ordinal
        self._call_parts: list[list[str]] = []
        self._finished: set[int] = set()
        self._thinking_seen = False
        self._summary_seen = False

    def feed(self, frame: SSEEvent) -> list[StreamEvent]:
        kind = frame.event
        if kind == "message":  # servers that omit `event:` still name the type in the JSON
            kind = loads_object(frame.data).get("type", "")
        handler = _HANDLERS.get(kind)
        if handler is None:
            return []
        return handler(self, loads_object(frame.data))

    def finish(self) -> list[StreamEvent]:
        return [end_event(self.terminated)]

    # -- handlers ------------------------------------------------------------------------------
    def _text(self, data: dict[str, Any]) -> list[StreamEvent]:
        delta = data.get("delta")
        return [StreamEvent(_DELTA, delta)] if delta and type(delta) is str else []

    def _refusal(self, data: dict[str, Any]) -> list[StreamEvent]:
        delta = data.get("delta")
        return [StreamEvent(_METADATA, metadata={"refusal": delta})] if delta and type(delta) is str else []

    def _summary_part(self, data: dict[str, Any]) -> list[StreamEvent]:
        if self._thinking_seen:
            return [StreamEvent(_THINKING, "\n\n")]
        return []

    def _summary(self, data: dict[str, Any]) -> list[StreamEvent]:
        self._summary_seen = True
        return self._thinking(data.get("delta"))

    def _reasoning_text(self, data: dict[str, Any]) -> list[StreamEvent]:
        if self._summary_seen:
            return []  # a summary is what a person reads; raw reasoning is the fallback
        return self._thinking(data.get("delta"))

    def _thinking(self, delta: str | None) -> list[StreamEvent]:
        if not delta or type(delta) is not str:
            return []
        self._thinking_seen = True
        return [StreamEvent(_THINKING, delta)]

    def _created(self, data: dict[str, Any]) -> list[StreamEvent]:
        response = data.get("response") or {}
        meta = {key: response[key] for key in ("id", "model") if response.get(key)}
        return [StreamEvent(_METADATA, metadata=meta)] if meta else []

    def _item_added(self, data: dict[str, Any]) -> list[StreamEvent]:
        item = data.get("item") or {}
        if item.get("type") != "function_call":
            return []
        ordinal = len(self._call_parts)
        self._call_parts.append([])
        self._calls[item.get("id")] = self._calls[("output", data.get("output_index"))] = ordinal
        out = [
            StreamEvent(
                StreamEventType.TOOL_CALL_START,
                index=ordinal,
                metadata={"id": item.get("call_id") or item.get("id") or "", "name": item.get("name", "")},
            )
        ]
        if item.get("arguments") and isinstance(item["arguments"], str):
            out += self._arguments(ordinal, item["arguments"])
        return out

    def _ordinal(self, data: dict[str, Any]) -> int | None:
        ordinal = self._calls.get(data.get("item_id"))
        return ordinal if ordinal is not None else self._calls.get(("output", data.get("output_index")))

    def _arguments_delta(self, data: dict[str, Any]) -> list[StreamEvent]:
        ordinal = self._ordinal(data)
        if ordinal is None or not data.get("delta") or type(data["delta"]) is not str:
            return []
        return self._arguments(ordinal, data["delta"])

    def _arguments(self, ordinal: int, text: str) -> list[StreamEvent]:
        self._call_parts[ordinal].append(text)
        return [StreamEvent(StreamEventType.TOOL_CALL_DELTA, text, index=ordinal)]

    def _item_done(self, data: dict[str, Any]) -> list[StreamEvent]:
        item = data.get("item") or {}
        if item.get("type") != "function_call":
            return []
        out: list[StreamEvent] = []
        ordinal = self._ordinal({"item_id": item.get("id"), "output_index": data.get("output_index")})
        if ordinal is None:
            out = self._item_added(data)
            ordinal = len(self._call_parts) - 1
        if ordinal in self._finished:
            return out
        self._finished.add(ordinal)
        raw = item.get("arguments")
        if not isinstance(raw, str):
            raw = "".join(self._call_parts[ordinal])
        out.append(
            StreamEvent(
                StreamEventType.TOOL_CALL,
                index=ordinal,
                metadata={
                    "id": item.get("call_id") or item.get("id") or "",
                    "name": item.get("name", ""),
                    "arguments": parse_arguments(raw),
                    "arguments_raw": raw,
                },
            )
        )
        return out

    def _terminal(self, data: dict[str, Any]) -> list[StreamEvent]:
        response = data.get("response") or {}
        status = response.get("status")
        if status == "incomplete":
            status = (response.get("incomplete_details") or {}).get("reason") or status
        out = []
        meta: dict[str, Any] = {}
        if status:
            meta["stop_reason"] = status
        usage = response.get("usage")
        if usage:
            meta["usage"] = {
                "input_tokens": usage.get("input_tokens") or 0,
                "output_tokens": usage.get("output_tokens") or 0,
            }
        if meta:
            out.append(StreamEvent(_METADATA, metadata=meta))
        self.done = self.terminated = True
        return out

    def _failed(self, data: dict[str, Any]) -> list[StreamEvent]:
        out = self._terminal(data)
        self.terminated = False
        error = (data.get("response") or {}).get("error") or {}
        return out + [self._error_event(error.get("code"), error.get("message") or "the response failed")]

    def _error(self, data: dict[str, Any]) -> list[StreamEvent]:
        nested = data.get("error")
        if isinstance(nested, dict):
            kind, message = nested.get("type") or nested.get("code"), nested.get("message")
        else:
            kind, message = data.get("code"), data.get("message")
        self.done = True
        return [self._error_event(kind, message or json.dumps(data))]

    def _error_event(self, kind: Any, message: str) -> StreamEvent:
        self.done = True
        kind = str(kind) if kind is not None else None
        exc = ProviderAPIError(
            f"{self.label} reported an error{f' ({kind})' if kind else ''}: {message}", error_type=kind
        )
        event = error_event(exc, kind)
        event.content = message
        return event


_HANDLERS = {
    "response.output_text.delta": ResponsesParser._text,
    "response.refusal.delta": ResponsesParser._refusal,
    "response.reasoning_summary_part.added": ResponsesParser._summary_part,
    "response.reasoning_summary_text.delta": ResponsesParser._summary,
    "response.reasoning_text.delta": ResponsesParser._reasoning_text,
    "response.created": ResponsesParser._created,
    "response.output_item.added": ResponsesParser._item_added,
    "response.function_call_arguments.delta": ResponsesParser._arguments_delta,
    "response.output_item.done": ResponsesParser._item_done,
    "response.completed": ResponsesParser._terminal,
    "response.incomplete": ResponsesParser._terminal,
    "response.failed": ResponsesParser._failed,
    "error": ResponsesParser._error,
}


def responses_input(request: ChatRequest) -> list[dict[str, Any]]:
    """The history as Responses `input` items: messages, function calls and their outputs."""
    items: list[dict[str, Any]] = []
    for message in wire_messages(request, prefill=False):
        if message.role == "tool":
            items.append(
                {"type": "function_call_output", "call_id": message.tool_call_id or "", "output": message.content}
            )
            continue
        if message.content or not message.tool_calls:
            role = "developer" if message.role == "system" else message.role
            if message.images:
                parts: list[dict[str, Any]] = [{"type": "input_text", "text": message.text_with_context}]
                parts += [{"type": "input_image", "image_url": image.data_url} for image in message.images]
                items.append({"role": role, "content": parts})
            else:
                items.append({"role": role, "content": message.text_with_context})
        for call in message.tool_calls:
            items.append(
                {
                    "type": "function_call",
                    "call_id": call.id,
                    "name": call.name,
                    "arguments": json.dumps(call.arguments),
                }
            )
    return items


class OpenAIResponsesProvider(OpenAIHTTPProvider):
    name = "openai-responses"

    def endpoint(self) -> str:
        return f"{self.base_url}/responses"

    def build_body(self, request: ChatRequest, model: str) -> dict[str, Any]:
        body: dict[str, Any] = {"model": model, "input": responses_input(request), "stream": True}
        if request.system:
            body["instructions"] = request.system
        if request.max_tokens is not None:
            body["max_output_tokens"] = request.max_tokens
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "name": spec.name,
                    "description": spec.description,
                    "parameters": tool_schema(spec),
                }
                for spec in request.tools
            ]
        return body

    def new_parser(self, model: str) -> ResponsesParser:
        return ResponsesParser(self.label)
