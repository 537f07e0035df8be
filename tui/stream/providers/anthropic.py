"""Anthropic Messages (`POST {base_url}/v1/messages`): typed SSE events with content blocks.

Wire rules (streams/README.md):
- text is the `text` blocks in block order; thinking is the `thinking` blocks joined with no separator
  (signatures and `redacted_thinking` are not text);
- a `tool_use` block is a tool call; its input arrives as `input_json_delta.partial_json` pieces and
  is complete at its `content_block_stop` (a block cut off by `max_tokens` keeps the longest prefix
  that parses, which the accumulator does);
- usage starts from `message_start.message.usage` and is updated by `message_delta.usage`, and is
  kept even if the stream then errors; stop reason is `message_delta.delta.stop_reason`;
- `event: error` is an error (`error.type`); `message_stop` is the terminator; `ping` and unknown
  events are ignored;
- a `server_tool_use` block is a tool the API runs itself (web search): HOSTED_TOOL_START at its
  start, HOSTED_TOOL_PROGRESS as its input (the query) streams and at its stop ("searching"); the
  `web_search_tool_result` block (any `*_tool_result` block) that names it by `tool_use_id` is its
  HOSTED_TOOL_DONE: a list of results, or `{"type": "web_search_tool_result_error", "error_code"}`
  (status failed); `citations_delta` on a text block (and `citations` given whole in a text block's
  start) are CITATION events.
"""

from __future__ import annotations

import json
from typing import Any

from tui.stream.errors import ProviderAPIError
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.hosted import DONE, FAILED
from tui.stream.messages import ChatRequest, Message, wire_messages
from tui.stream.providers.base import ModelInfo
from tui.stream.providers.frames import end_event, error_event, loads_object, tool_schema
from tui.stream.providers.http import HTTPProvider, models_by_id
from tui.stream.snapshot import parse_arguments
from tui.stream.sse import SSEEvent

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096  # the Messages API requires max_tokens
MODELS_PAGE = 100  # models per page of GET /v1/models

_DELTA = StreamEventType.DELTA
_THINKING = StreamEventType.THINKING
_METADATA = StreamEventType.METADATA


class MessagesParser:
    def __init__(self, label: str = "Anthropic") -> None:
        self.label = label
        self.done = False
        self.terminated = False
        self._blocks: dict[int, str] = {}  # block index -> block type
        self._tools: dict[int, list[Any]] = {}  # block index -> [ordinal, id, name, parts, start input]
        self._usage: dict[str, int] | None = None
        self._servers: dict[int, list[Any]] = {}  # block index -> [ordinal, id, name, parts]
        self._server_ids: dict[str, int] = {}  # server tool use id -> ordinal

    def feed(self, frame: SSEEvent) -> list[StreamEvent]:
        kind = frame.event
        if kind == "content_block_delta":  # the hot path: one per token
            data = loads_object(frame.data)
            delta = data.get("delta") or {}
            dtype = delta.get("type")
            index = data.get("index", 0)
            if dtype == "text_delta":
                text = delta.get("text")
                return [StreamEvent(_DELTA, text, index)] if text and type(text) is str else []
            if dtype == "thinking_delta":
                text = delta.get("thinking")
                return [StreamEvent(_THINKING, text, index)] if text and type(text) is str else []
            if dtype == "input_json_delta":
                if index in self._servers:
                    return self._server_input(index, delta.get("partial_json"))
                return self._input_delta(index, delta.get("partial_json"))
            if dtype == "citations_delta":
                return _citations([delta.get("citation")])
            return []  # signature_delta, ...
        if kind == "message":  # no `event:` line: the JSON names its type
            kind = loads_object(frame.data).get("type", "")
        handler = _HANDLERS.get(kind)
        if handler is None:
            return []  # ping and unknown events
        return handler(self, loads_object(frame.data))

    def finish(self) -> list[StreamEvent]:
        return [end_event(self.terminated)]

    # -- handlers ------------------------------------------------------------------------------
    def _message_start(self, data: dict[str, Any]) -> list[StreamEvent]:
        message = data.get("message") or {}
        meta: dict[str, Any] = {key: message[key] for key in ("id", "model") if message.get(key)}
        usage = message.get("usage")
        if usage:
            self._usage = {
                "input_tokens": usage.get("input_tokens") or 0,
                "output_tokens": usage.get("output_tokens") or 0,
            }
            meta["usage"] = dict(self._usage)
        return [StreamEvent(_METADATA, metadata=meta)] if meta else []

    def _block_start(self, data: dict[str, Any]) -> list[StreamEvent]:
        index = data.get("index", 0)
        block = data.get("content_block") or {}
        btype = block.get("type", "")
        self._blocks[index] = btype
        if btype == "text":
            out = _citations(block.get("citations") or [])
            if block.get("text") and isinstance(block["text"], str):
                out.append(StreamEvent(_DELTA, block["text"], index))
            return out
        if btype == "server_tool_use":
            return self._server_start(index, block)
        if btype.endswith("_tool_result") and btype != "tool_result":
            return self._server_result(block)
        if btype == "thinking" and block.get("thinking") and isinstance(block["thinking"], str):
            return [StreamEvent(_THINKING, block["thinking"], index)]
        if btype == "tool_use":
            ordinal = len(self._tools)
            self._tools[index] = [ordinal, block.get("id", ""), block.get("name", ""), [], block.get("input")]
            return [
                StreamEvent(
                    StreamEventType.TOOL_CALL_START,
                    index=ordinal,
                    metadata={"id": block.get("id", ""), "name": block.get("name", "")},
                )
            ]
        return []

    def _input_delta(self, index: int, text: str | None) -> list[StreamEvent]:
        tool = self._tools.get(index)
        if tool is None or not text or type(text) is not str:
            return []
        tool[3].append(text)
        return [StreamEvent(StreamEventType.TOOL_CALL_DELTA, text, index=tool[0])]

    def _server_start(self, index: int, block: dict[str, Any]) -> list[StreamEvent]:
        call_id = str(block.get("id") or "")
        ordinal = self._server_ids.setdefault(call_id, len(self._server_ids))
        self._servers[index] = [ordinal, call_id, str(block.get("name") or ""), []]
        meta: dict[str, Any] = {"id": call_id, "name": block.get("name") or ""}
        start_input = block.get("input")
        if isinstance(start_input, dict) and start_input:
            meta.update(_server_input_meta(start_input))
        return [StreamEvent(StreamEventType.HOSTED_TOOL_START, index=ordinal, metadata=meta)]

    def _server_input(self, index: int, text: str | None) -> list[StreamEvent]:
        server = self._servers[index]
        if not text or type(text) is not str:
            return []
        server[3].append(text)
        meta = {"id": server[1], "phase": "input", **_server_input_meta(parse_arguments("".join(server[3])))}
        return [StreamEvent(StreamEventType.HOSTED_TOOL_PROGRESS, index=server[0], metadata=meta)]

    def _server_result(self, block: dict[str, Any]) -> list[StreamEvent]:
        call_id = str(block.get("tool_use_id") or "")
        ordinal = self._server_ids.setdefault(call_id, len(self._server_ids))
        content = block.get("content")
        meta: dict[str, Any] = {"id": call_id, "status": DONE}
        if isinstance(content, dict) and str(content.get("type", "")).endswith("_error"):
            meta["status"] = FAILED
            meta["error"] = str(content.get("error_code") or content.get("type"))
        elif isinstance(content, list):
            keep = ("title", "url", "page_age")
            meta["results"] = [{k: r.get(k) for k in keep if r.get(k)} for r in content if isinstance(r, dict)]
            meta["result_count"] = len(meta["results"])
        return [StreamEvent(StreamEventType.HOSTED_TOOL_DONE, index=ordinal, metadata=meta)]

    def _block_stop(self, data: dict[str, Any]) -> list[StreamEvent]:
        server = self._servers.get(data.get("index", 0))
        if server is not None:  # the query is complete: the API runs the search now
            meta = {"id": server[1], "phase": "searching", **_server_input_meta(parse_arguments("".join(server[3])))}
            return [StreamEvent(StreamEventType.HOSTED_TOOL_PROGRESS, index=server[0], metadata=meta)]
        tool = self._tools.get(data.get("index", 0))
        if tool is None:
            return []
        ordinal, call_id, name, parts, start_input = tool
        raw = "".join(parts)
        if not raw and isinstance(start_input, dict) and start_input:
            raw = json.dumps(start_input)  # a block whose input came whole in content_block_start
        return [
            StreamEvent(
                StreamEventType.TOOL_CALL,
                index=ordinal,
                metadata={"id": call_id, "name": name, "arguments": parse_arguments(raw), "arguments_raw": raw},
            )
        ]

    def _message_delta(self, data: dict[str, Any]) -> list[StreamEvent]:
        meta: dict[str, Any] = {}
        stop = (data.get("delta") or {}).get("stop_reason")
        if stop:
            meta["stop_reason"] = stop
        usage = data.get("usage")
        if usage:
            merged = dict(self._usage or {"input_tokens": 0, "output_tokens": 0})
            for ours, theirs in (("input_tokens", "input_tokens"), ("output_tokens", "output_tokens")):
                if usage.get(theirs) is not None:
                    merged[ours] = usage[theirs]
            self._usage = merged
            meta["usage"] = dict(merged)
        return [StreamEvent(_METADATA, metadata=meta)] if meta else []

    def _message_stop(self, data: dict[str, Any]) -> list[StreamEvent]:
        self.done = self.terminated = True
        return []

    def _error(self, data: dict[str, Any]) -> list[StreamEvent]:
        inner = data.get("error")
        error: dict[str, Any] = inner if isinstance(inner, dict) else data
        kind = error.get("type")
        message = error.get("message") or json.dumps(data)
        exc = ProviderAPIError(
            f"{self.label} reported an error{f' ({kind})' if kind else ''}: {message}", error_type=kind
        )
        event = error_event(exc, kind)
        event.content = message
        self.done = True
        return [event]


_HANDLERS = {
    "message_start": MessagesParser._message_start,
    "content_block_start": MessagesParser._block_start,
    "content_block_stop": MessagesParser._block_stop,
    "message_delta": MessagesParser._message_delta,
    "message_stop": MessagesParser._message_stop,
    "error": MessagesParser._error,
}


def _server_input_meta(value: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {"input": value}
    query = value.get("query") or value.get("url") or value.get("code") or value.get("command")
    if isinstance(query, str) and query:
        meta["query"] = query
    return meta


_CITATION_KEYS = {"document_title": "title", "source": "url"}  # document and search-result citations


def _citations(citations: list[Any]) -> list[StreamEvent]:
    out = []
    for citation in citations:
        if isinstance(citation, dict) and citation.get("type"):
            meta = dict(citation)
            for theirs, ours in _CITATION_KEYS.items():
                if meta.get(theirs) and not meta.get(ours):
                    meta[ours] = meta[theirs]
            out.append(StreamEvent(StreamEventType.CITATION, metadata=meta))
    return out


def anthropic_messages(request: ChatRequest) -> list[dict[str, Any]]:
    """The history as Messages API turns: tool calls are `tool_use` blocks of the assistant turn,
    results are `tool_result` blocks of the next user turn (consecutive turns of one role share a
    turn: results, or prompts left next to each other when a cancelled answer was dropped). A
    continuation's partial answer is the last assistant turn: Anthropic continues it (prefill)."""
    turns: list[dict[str, Any]] = []
    for message in wire_messages(request, prefill=True):
        if message.role == "system":
            continue  # the system prompt travels in the top-level `system` field
        role, blocks = _blocks(message)
        # consecutive results share one turn; so do two prompts in a row (an answer between them that
        # said nothing, e.g. cut off mid-search, is not sent), since turns must alternate
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    return turns


def _blocks(message: Message) -> tuple[str, list[dict[str, Any]]]:
    if message.role == "tool":
        block: dict[str, Any] = {
            "type": "tool_result",
            "tool_use_id": message.tool_call_id or "",
            "content": message.content,
        }
        if message.is_error:
            block["is_error"] = True
        return "user", [block]
    blocks: list[dict[str, Any]] = [
        {"type": "image", "source": {"type": "base64", "media_type": image.media_type, "data": image.base64}}
        for image in message.images  # images before the text, as Anthropic recommends
    ]
    text = message.text_with_context
    if text:
        blocks.append({"type": "text", "text": text})
    for call in message.tool_calls:
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments})
    if not blocks:
        blocks.append({"type": "text", "text": text})
    return message.role, blocks


class AnthropicProvider(HTTPProvider):
    name = "anthropic"
    default_model = "claude-sonnet-4-5"
    label = "Anthropic"
    default_base_url = "https://api.anthropic.com"
    base_url_env = "ANTHROPIC_BASE_URL"
    key_env = "ANTHROPIC_API_KEY"
    hosted_tool_names = {"web_search": ""}

    def endpoint(self) -> str:
        return f"{self.base_url}/v1/messages"

    def request_headers(self) -> dict[str, str]:
        headers = {"anthropic-version": API_VERSION}
        if self.api_key:
            headers["x-api-key"] = self.api_key
        return headers

    def models_request(self, cursor: str | None) -> tuple[str, dict[str, str]]:
        """GET /v1/models, paginated: `limit` per page, `after_id` = the previous page's `last_id`."""
        params = {"limit": str(MODELS_PAGE)}
        if cursor:
            params["after_id"] = cursor
        return f"{self.base_url}/v1/models", params

    def parse_models(self, data: Any) -> tuple[list[ModelInfo], str | None]:
        models = models_by_id(data, "data", "display_name")
        last = data.get("last_id")
        more = data.get("has_more") is True and isinstance(last, str) and bool(last) and bool(models)
        return models, last if more else None

    def build_body(self, request: ChatRequest, model: str) -> dict[str, Any]:
        system = request.system or "\n\n".join(m.content for m in request.messages if m.role == "system") or None
        body: dict[str, Any] = {
            "model": model,
            "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
            "messages": anthropic_messages(request),
            "stream": True,
        }
        if system:
            body["system"] = system
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.tools:
            body["tools"] = [
                {"name": spec.name, "description": spec.description, "input_schema": tool_schema(spec)}
                for spec in request.tools
            ]
        if self.hosted_tools:  # only web_search today (hosted_tool_names)
            body.setdefault("tools", []).extend(
                {"type": "web_search_20250305", "name": tool.name} for tool in self.hosted_tools
            )
        return body

    def new_parser(self, model: str) -> MessagesParser:
        return MessagesParser(self.label)
