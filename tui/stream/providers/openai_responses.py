"""OpenAI Responses API (`POST {base_url}/responses`): typed SSE events (`event: response.*`).

Wire rules (streams/README.md):
- text is the `output_text` deltas of message items; a refusal delta goes to METADATA `refusal`;
- thinking is the reasoning `summary_text` deltas, else `reasoning_text` deltas (parts of a summary
  are separated by a blank line);
- a tool call is a `function_call` item; its id is the item's `call_id`;
- usage and stop reason come from the terminal response event: `response.completed` (its status),
  `response.incomplete` (`incomplete_details.reason`); both are terminators;
- `error` events (nested `{"error": {...}}`: its `type`; flat: its `code`) and `response.failed`
  (`response.error.code`) are errors;
- hosted tools (`web_search_call`, `file_search_call`, `code_interpreter_call` items) are
  HOSTED_TOOL_START at `output_item.added`, HOSTED_TOOL_PROGRESS at `response.<tool>_call.in_progress`
  / `.searching` / `.interpreting` (and code deltas), HOSTED_TOOL_DONE at `.completed` / `.failed` and
  again, with the query and results, at the item's `output_item.done` (its `status`: completed,
  failed, incomplete); `response.output_text.annotation.added` with a `url_citation`,
  `file_citation` or `container_file_citation` is a CITATION (an item that carried annotations but
  sent no such event gives them at its `output_item.done`).
"""

from __future__ import annotations

import json
from typing import Any

from tui.stream.errors import ProviderAPIError
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.hosted import DONE, FAILED, INCOMPLETE, HostedToolSetting
from tui.stream.messages import ChatRequest, wire_messages
from tui.stream.providers.frames import end_event, error_event, loads_object, tool_schema
from tui.stream.providers.openai_chat import OpenAIHTTPProvider
from tui.stream.snapshot import parse_arguments
from tui.stream.sse import SSEEvent

_DELTA = StreamEventType.DELTA
_THINKING = StreamEventType.THINKING
_METADATA = StreamEventType.METADATA
_HOSTED_ITEMS = {
    "web_search_call": "web_search",
    "file_search_call": "file_search",
    "code_interpreter_call": "code_interpreter",
}
_ITEM_STATUS = {"completed": DONE, "failed": FAILED, "incomplete": INCOMPLETE}
_CITATIONS = ("url_citation", "file_citation", "container_file_citation")


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
        self._hosted: dict[str, int] = {}  # hosted tool item id -> ordinal
        self._annotated: set[str] = set()  # message items whose annotations came as events

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
        if item.get("type") in _HOSTED_ITEMS:
            return self._hosted_start(item)
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
        if item.get("type") in _HOSTED_ITEMS:
            return self._hosted_done(item)
        if item.get("type") == "message":
            return self._item_annotations(item)
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

    # -- hosted tools and citations --------------------------------------------------------------
    def _hosted_start(self, item: dict[str, Any]) -> list[StreamEvent]:
        item_id = str(item.get("id") or "")
        out: list[StreamEvent] = []
        if item_id not in self._hosted:
            self._hosted[item_id] = len(self._hosted)
            meta = {"id": item_id, "name": _HOSTED_ITEMS[item["type"]], **_hosted_details(item)}
            out.append(StreamEvent(StreamEventType.HOSTED_TOOL_START, index=self._hosted[item_id], metadata=meta))
        return out

    def _hosted_event(self, data: dict[str, Any], kind: StreamEventType, **meta: Any) -> list[StreamEvent]:
        """A `response.<tool>_call.<phase>` event: progress (or the end) of the item it names."""
        item_id = str(data.get("item_id") or "")
        tool = str(data.get("type") or "").removeprefix("response.").split(".")[0]
        tool = tool.removesuffix("_code").removesuffix("_call")  # code_interpreter_call_code.delta
        out = self._hosted_start({"id": item_id, "type": f"{tool}_call"}) if f"{tool}_call" in _HOSTED_ITEMS else []
        if item_id not in self._hosted:
            return out
        return [*out, StreamEvent(kind, index=self._hosted[item_id], metadata={"id": item_id, **meta})]

    def _hosted_phase(self, data: dict[str, Any]) -> list[StreamEvent]:
        phase = str(data.get("type") or "").rsplit(".", 1)[-1]
        return self._hosted_event(data, StreamEventType.HOSTED_TOOL_PROGRESS, phase=phase)

    def _hosted_code(self, data: dict[str, Any]) -> list[StreamEvent]:
        delta = data.get("delta")
        if not delta or type(delta) is not str:
            return []
        out = self._hosted_event(data, StreamEventType.HOSTED_TOOL_PROGRESS, phase="interpreting")
        if out:
            out[-1].content = delta
        return out

    def _hosted_completed(self, data: dict[str, Any]) -> list[StreamEvent]:
        return self._hosted_event(data, StreamEventType.HOSTED_TOOL_DONE, status=DONE)

    def _hosted_failed(self, data: dict[str, Any]) -> list[StreamEvent]:
        return self._hosted_event(data, StreamEventType.HOSTED_TOOL_DONE, status=FAILED)

    def _hosted_done(self, item: dict[str, Any]) -> list[StreamEvent]:
        out = self._hosted_start(item)
        item_id = str(item.get("id") or "")
        status = _ITEM_STATUS.get(str(item.get("status")), DONE)
        meta = {"id": item_id, "name": _HOSTED_ITEMS[item["type"]], "status": status, **_hosted_details(item)}
        error = item.get("error")
        if status == FAILED and error:
            meta["error"] = (error.get("message") or error.get("code")) if isinstance(error, dict) else str(error)
        return [*out, StreamEvent(StreamEventType.HOSTED_TOOL_DONE, index=self._hosted[item_id], metadata=meta)]

    def _annotation(self, data: dict[str, Any]) -> list[StreamEvent]:
        self._annotated.add(str(data.get("item_id") or ""))
        return _citation_events([data.get("annotation")])

    def _item_annotations(self, item: dict[str, Any]) -> list[StreamEvent]:
        if str(item.get("id") or "") in self._annotated:
            return []
        annotations = [
            annotation
            for part in item.get("content") or []
            if isinstance(part, dict)
            for annotation in part.get("annotations") or []
        ]
        return _citation_events(annotations)

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
    "response.output_text.annotation.added": ResponsesParser._annotation,
    "response.web_search_call.in_progress": ResponsesParser._hosted_phase,
    "response.web_search_call.searching": ResponsesParser._hosted_phase,
    "response.web_search_call.completed": ResponsesParser._hosted_completed,
    "response.web_search_call.failed": ResponsesParser._hosted_failed,
    "response.file_search_call.in_progress": ResponsesParser._hosted_phase,
    "response.file_search_call.searching": ResponsesParser._hosted_phase,
    "response.file_search_call.completed": ResponsesParser._hosted_completed,
    "response.file_search_call.failed": ResponsesParser._hosted_failed,
    "response.code_interpreter_call.in_progress": ResponsesParser._hosted_phase,
    "response.code_interpreter_call.interpreting": ResponsesParser._hosted_phase,
    "response.code_interpreter_call_code.delta": ResponsesParser._hosted_code,
    "response.code_interpreter_call.completed": ResponsesParser._hosted_completed,
    "response.code_interpreter_call.failed": ResponsesParser._hosted_failed,
    "response.completed": ResponsesParser._terminal,
    "response.incomplete": ResponsesParser._terminal,
    "response.failed": ResponsesParser._failed,
    "error": ResponsesParser._error,
}


def _hosted_details(item: dict[str, Any]) -> dict[str, Any]:
    """What a hosted tool item says about its call: the query and the results, as far as present."""
    meta: dict[str, Any] = {}
    kind = item.get("type")
    if kind == "web_search_call":
        action = item.get("action")
        if isinstance(action, dict):
            meta["input"] = action
            queries = action.get("queries")
            query = action.get("query") or action.get("url") or action.get("pattern")
            if not query and isinstance(queries, list):
                query = "; ".join(str(q) for q in queries)
            if query:
                meta["query"] = str(query)
            sources = action.get("sources")
            if isinstance(sources, list):
                meta["results"] = [{"url": s.get("url")} for s in sources if isinstance(s, dict)]
                meta["result_count"] = len(meta["results"])
    elif kind == "file_search_call":
        queries = item.get("queries")
        if isinstance(queries, list) and queries:
            meta["query"] = "; ".join(str(q) for q in queries)
        results = item.get("results")
        if isinstance(results, list):
            keep = ("filename", "file_id", "score")
            meta["results"] = [
                {k: r.get(k) for k in keep if r.get(k) is not None} for r in results if isinstance(r, dict)
            ]
            meta["result_count"] = len(meta["results"])
    elif kind == "code_interpreter_call":
        if isinstance(item.get("code"), str) and item["code"]:
            meta["query"] = item["code"]
        outputs = item.get("outputs")
        if isinstance(outputs, list):
            meta["results"] = [
                {k: o.get(k) for k in ("type", "logs", "url") if o.get(k) is not None}
                for o in outputs
                if isinstance(o, dict)
            ]
            meta["result_count"] = len(meta["results"])
    return meta


def _citation_events(annotations: list[Any]) -> list[StreamEvent]:
    out = []
    for annotation in annotations:
        if isinstance(annotation, dict) and annotation.get("type") in _CITATIONS:
            out.append(StreamEvent(StreamEventType.CITATION, metadata=dict(annotation)))
    return out


_INCLUDE = {  # ask for what the pane shows: the sources searched, the files found, the code's output
    "web_search": "web_search_call.action.sources",
    "file_search": "file_search_call.results",
    "code_interpreter": "code_interpreter_call.outputs",
}


def _hosted_tool(tool: HostedToolSetting) -> dict[str, Any]:
    if tool.name == "file_search":
        return {"type": "file_search", "vector_store_ids": list(tool.args)}
    if tool.name == "code_interpreter":
        return {"type": "code_interpreter", "container": {"type": "auto"}}
    return {"type": tool.name}


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
    hosted_tool_names = {"web_search": "", "file_search": "vector_store_ids", "code_interpreter": ""}

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
        if self.hosted_tools:
            body.setdefault("tools", []).extend(_hosted_tool(tool) for tool in self.hosted_tools)
            body["include"] = [_INCLUDE[tool.name] for tool in self.hosted_tools]
        return body

    def new_parser(self, model: str) -> ResponsesParser:
        return ResponsesParser(self.label)
