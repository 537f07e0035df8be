"""OpenAI Chat Completions (`POST {base_url}/chat/completions`), and so every OpenAI-compatible server.

The wire rules (streams/README.md) that this module implements:
- text is `choices[0].delta.content`; thinking is `delta.reasoning_content`, else `delta.reasoning`;
  a `delta.refusal` is not text: it goes to METADATA `refusal`;
- a tool call's identity is its `index` *value* (the first may be 1); Mistral sends no index, so each
  entry is then a new call; ids, names and `type` are sent again by some servers and are kept once;
  only argument text is concatenated;
- usage is the last non-null `usage` (a later `"usage": null` does not erase it);
- a data event whose JSON has a top-level `error` is an error; `data: [DONE]` is the terminator.
"""

from __future__ import annotations

import json
from typing import Any

from tui.stream.errors import ProviderAPIError
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.messages import ChatRequest, Message, wire_messages
from tui.stream.providers.base import ModelInfo
from tui.stream.providers.frames import end_event, error_event, loads_object, tool_schema
from tui.stream.providers.http import HTTPProvider, models_by_id
from tui.stream.snapshot import parse_arguments
from tui.stream.sse import SSEEvent

DEFAULT_BASE_URL = "https://api.openai.com/v1"

_DELTA = StreamEventType.DELTA
_THINKING = StreamEventType.THINKING
_METADATA = StreamEventType.METADATA


class _Call:
    __slots__ = ("id", "name", "parts", "finished")

    def __init__(self) -> None:
        self.id = ""
        self.name = ""
        self.parts: list[str] = []
        self.finished = False


class ChatCompletionsParser:
    """Folds chat.completion.chunk frames into events, one answer at a time."""

    def __init__(self, label: str = "OpenAI") -> None:
        self.label = label
        self.done = False
        self.terminated = False  # `[DONE]` was dispatched
        self._calls: list[_Call] = []
        self._by_index: dict[Any, int] = {}
        self._announced = False

    def feed(self, frame: SSEEvent) -> list[StreamEvent]:
        event = frame.event
        if event != "message" and event != "error":
            return []  # unknown event types are ignored
        data = frame.data
        if data[:1] != b"{" and data.strip() == b"[DONE]":
            self.done = self.terminated = True
            return self._finish_calls()
        chunk = loads_object(data)
        out: list[StreamEvent] = []
        if not self._announced:
            self._announce(chunk, out)
        error = chunk.get("error")
        if error is not None or event == "error":
            return self._error(error if error is not None else chunk, out)
        choices = chunk.get("choices")
        if choices:
            for choice in choices:
                if choice.get("index", 0) != 0:
                    continue  # n > 1 is not supported: the answer is choice 0
                delta = choice.get("delta")
                if delta:
                    content = delta.get("content")
                    if content:
                        if type(content) is str:
                            out.append(StreamEvent(_DELTA, content))
                        else:
                            _content_parts(content, out)
                        if len(delta) > 1:  # the hot path is a delta with content only
                            self._delta_extras(delta, out)
                    else:
                        self._delta_extras(delta, out)
                finish = choice.get("finish_reason")
                if finish:
                    out.append(StreamEvent(_METADATA, metadata={"stop_reason": finish}))
                    out.extend(self._finish_calls())
        usage = chunk.get("usage")
        if usage:
            out.append(
                StreamEvent(
                    _METADATA,
                    metadata={
                        "usage": {
                            "input_tokens": usage.get("prompt_tokens") or 0,
                            "output_tokens": usage.get("completion_tokens") or 0,
                        }
                    },
                )
            )
        return out

    def _delta_extras(self, delta: dict[str, Any], out: list[StreamEvent]) -> None:
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        if reasoning and isinstance(reasoning, str):
            out.append(StreamEvent(_THINKING, reasoning))
        refusal = delta.get("refusal")
        if refusal and isinstance(refusal, str):
            out.append(StreamEvent(_METADATA, metadata={"refusal": refusal}))
        calls = delta.get("tool_calls")
        if calls:
            self._tool_calls(calls, out)

    def finish(self) -> list[StreamEvent]:
        return [end_event(self.terminated)]

    # -- pieces ----------------------------------------------------------------------------------
    def _announce(self, chunk: dict[str, Any], out: list[StreamEvent]) -> None:
        if chunk.get("id"):  # Azure's first chunk has id "" and model ""
            self._announced = True
            meta = {"id": chunk["id"]}
            if chunk.get("model"):
                meta["model"] = chunk["model"]
            out.append(StreamEvent(_METADATA, metadata=meta))

    def _error(self, error: Any, out: list[StreamEvent]) -> list[StreamEvent]:
        if isinstance(error, dict):
            kind = error.get("type") or error.get("code")
            message = error.get("message") or json.dumps(error)
        else:
            kind, message = None, str(error)
        kind = str(kind) if kind is not None else None
        exc = ProviderAPIError(
            f"{self.label} reported an error{f' ({kind})' if kind else ''}: {message}", error_type=kind
        )
        event = error_event(exc, kind)
        event.content = message  # the provider's own words, exactly (the --json `error.message`)
        out.append(event)
        self.done = True
        return out

    def _tool_calls(self, entries: list[dict[str, Any]], out: list[StreamEvent]) -> None:
        for entry in entries:
            function = entry.get("function") or {}
            index = entry.get("index")
            if index is None:
                if self._calls and not entry.get("id") and not function.get("name"):
                    ordinal = len(self._calls) - 1  # a bare argument fragment continues the last call
                else:
                    ordinal = self._new_call()  # Mistral: no index, every entry is a call of its own
            else:
                known = self._by_index.get(index)
                if known is None:
                    known = self._by_index[index] = self._new_call()
                ordinal = known
            call = self._calls[ordinal]
            call_id, name = entry.get("id"), function.get("name")
            if (call_id and not call.id) or (name and not call.name):
                call.id = call.id or call_id or ""
                call.name = call.name or name or ""
                out.append(
                    StreamEvent(
                        StreamEventType.TOOL_CALL_START, index=ordinal, metadata={"id": call.id, "name": call.name}
                    )
                )
            arguments = function.get("arguments")
            if arguments:
                if not isinstance(arguments, str):
                    arguments = json.dumps(arguments)
                call.parts.append(arguments)
                out.append(StreamEvent(StreamEventType.TOOL_CALL_DELTA, arguments, index=ordinal))

    def _new_call(self) -> int:
        self._calls.append(_Call())
        return len(self._calls) - 1

    def _finish_calls(self) -> list[StreamEvent]:
        out = []
        for ordinal, call in enumerate(self._calls):
            if call.finished:
                continue
            call.finished = True
            raw = "".join(call.parts)
            out.append(
                StreamEvent(
                    StreamEventType.TOOL_CALL,
                    index=ordinal,
                    metadata={
                        "id": call.id or f"call_{ordinal}",
                        "name": call.name,
                        "arguments": parse_arguments(raw),
                        "arguments_raw": raw,
                    },
                )
            )
        return out


def _content_parts(content: Any, out: list[StreamEvent]) -> None:
    """Content sent as a list of typed parts (Mistral's reasoning models): text parts are text,
    `thinking` parts are thinking; anything else is not shown."""
    if not isinstance(content, list):
        return
    for part in content:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "text" and isinstance(part.get("text"), str) and part["text"]:
            out.append(StreamEvent(_DELTA, part["text"]))
        elif kind == "thinking":
            inner = part.get("thinking")
            texts = (
                [inner]
                if isinstance(inner, str)
                else [p.get("text") for p in inner or () if isinstance(p, dict) and isinstance(p.get("text"), str)]
            )
            for text in texts:
                if text:
                    out.append(StreamEvent(_THINKING, text))


def chat_messages(request: ChatRequest) -> list[dict[str, Any]]:
    """The request's history in Chat Completions form (system first, tool calls and results inline)."""
    messages: list[dict[str, Any]] = []
    if request.system:
        messages.append({"role": "system", "content": request.system})
    for message in wire_messages(request, prefill=False):
        messages.append(_chat_message(message))
    return messages


def _chat_message(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id or "", "content": message.content}
    if message.role == "assistant" and message.tool_calls:
        return {
            "role": "assistant",
            "content": message.content or None,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
                }
                for call in message.tool_calls
            ],
        }
    if message.images:  # a vision request: the text and each image as content parts
        parts: list[dict[str, Any]] = [{"type": "text", "text": message.text_with_context}]
        parts += [{"type": "image_url", "image_url": {"url": image.data_url}} for image in message.images]
        return {"role": message.role, "content": parts}
    return {"role": message.role, "content": message.text_with_context}


class OpenAIHTTPProvider(HTTPProvider):
    """What both OpenAI APIs share: base URL, key and bearer auth; they differ in endpoint and body."""

    default_model = "gpt-4o-mini"
    label = "OpenAI"
    compatible_label = "the OpenAI-compatible server"
    default_base_url = DEFAULT_BASE_URL
    base_url_env = "OPENAI_BASE_URL"
    key_env = "OPENAI_API_KEY"

    def request_headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def models_request(self, cursor: str | None) -> tuple[str, dict[str, str]]:
        return f"{self.base_url}/models", {}  # GET /v1/models: one page, on OpenAI and compatible servers

    def parse_models(self, data: Any) -> tuple[list[ModelInfo], str | None]:
        return models_by_id(data, "data", "owned_by"), None


class OpenAIChatProvider(OpenAIHTTPProvider):
    name = "openai"

    def endpoint(self) -> str:
        return f"{self.base_url}/chat/completions"

    def build_body(self, request: ChatRequest, model: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": model,
            "messages": chat_messages(request),
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if request.max_tokens is not None:
            # api.openai.com wants the newer name (reasoning models reject max_tokens); compatible
            # servers (llama.cpp, vLLM, Ollama /v1, ...) know max_tokens
            key = "max_completion_tokens" if self.uses_default_base_url else "max_tokens"
            body[key] = request.max_tokens
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {"name": spec.name, "description": spec.description, "parameters": tool_schema(spec)},
                }
                for spec in request.tools
            ]
        return body

    def new_parser(self, model: str) -> ChatCompletionsParser:
        return ChatCompletionsParser(self.label)
