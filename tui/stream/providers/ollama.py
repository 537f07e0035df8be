"""Ollama's native chat API (`POST {host}/api/chat`): one JSON object per `\\n`-terminated line.

Wire rules (streams/README.md): text is `message.content`, thinking `message.thinking`; tool calls
arrive whole in `message.tool_calls` (arguments already an object); the `done: true` line is the
terminator and carries `done_reason` and the token counts (`prompt_eval_count`, `eval_count`); an
`{"error": "..."}` line is an error (with no type).
"""

from __future__ import annotations

import json
from typing import Any

from tui.stream.errors import ProviderAPIError
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.messages import ChatRequest, Message, wire_messages
from tui.stream.providers.base import ModelInfo, human_size
from tui.stream.providers.frames import end_event, error_event, loads_object, tool_schema
from tui.stream.providers.http import HTTPProvider, model_entries
from tui.stream.snapshot import parse_arguments

DEFAULT_HOST = "http://127.0.0.1:11434"
DEFAULT_PORT = 11434

_DELTA = StreamEventType.DELTA
_THINKING = StreamEventType.THINKING
_METADATA = StreamEventType.METADATA


class OllamaChatParser:
    def __init__(self, label: str = "Ollama") -> None:
        self.label = label
        self.done = False
        self.terminated = False
        self._announced = False
        self._calls = 0

    def feed(self, line: bytes) -> list[StreamEvent]:
        data = loads_object(line)
        out: list[StreamEvent] = []
        if not self._announced and data.get("model"):
            self._announced = True
            out.append(StreamEvent(_METADATA, metadata={"model": data["model"]}))
        error = data.get("error")
        if error is not None:
            message = error if isinstance(error, str) else json.dumps(error)
            exc = ProviderAPIError(f"{self.label} reported an error: {message}")
            event = error_event(exc, None)
            event.content = message
            out.append(event)
            self.done = True
            return out
        said = data.get("message")
        if said:
            thinking = said.get("thinking")
            if thinking and type(thinking) is str:
                out.append(StreamEvent(_THINKING, thinking))
            content = said.get("content")
            if content and type(content) is str:
                out.append(StreamEvent(_DELTA, content))
            for call in said.get("tool_calls") or ():
                self._tool_call(call, out)
        if data.get("done"):
            meta: dict[str, Any] = {}
            if data.get("done_reason"):
                meta["stop_reason"] = data["done_reason"]
            if "prompt_eval_count" in data or "eval_count" in data:
                meta["usage"] = {
                    "input_tokens": data.get("prompt_eval_count") or 0,
                    "output_tokens": data.get("eval_count") or 0,
                }
            if meta:
                out.append(StreamEvent(_METADATA, metadata=meta))
            self.done = self.terminated = True
        return out

    def _tool_call(self, call: dict[str, Any], out: list[StreamEvent]) -> None:
        function = call.get("function") or {}
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            raw, parsed = arguments, parse_arguments(arguments)
        else:
            parsed = arguments if isinstance(arguments, dict) else {}
            raw = json.dumps(parsed)
        ordinal = self._calls
        self._calls += 1
        call_id = call.get("id") or f"call_{ordinal}"
        name = function.get("name", "")
        out.append(StreamEvent(StreamEventType.TOOL_CALL_START, index=ordinal, metadata={"id": call_id, "name": name}))
        out.append(StreamEvent(StreamEventType.TOOL_CALL_DELTA, raw, index=ordinal))
        out.append(
            StreamEvent(
                StreamEventType.TOOL_CALL,
                index=ordinal,
                metadata={"id": call_id, "name": name, "arguments": parsed, "arguments_raw": raw},
            )
        )

    def finish(self) -> list[StreamEvent]:
        return [end_event(self.terminated)]


def ollama_messages(request: ChatRequest) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    if request.system:
        messages.append({"role": "system", "content": request.system})
    for message in wire_messages(request, prefill=False):
        messages.append(_ollama_message(message))
    return messages


def _ollama_message(message: Message) -> dict[str, Any]:
    out: dict[str, Any]
    if message.role == "tool":
        out = {"role": "tool", "content": message.content}
        if message.name:
            out["tool_name"] = message.name
        return out
    out = {"role": message.role, "content": message.text_with_context}
    if message.images:
        out["images"] = [image.base64 for image in message.images]
    if message.tool_calls:
        out["tool_calls"] = [
            {"function": {"name": call.name, "arguments": call.arguments}} for call in message.tool_calls
        ]
    return out


class OllamaProvider(HTTPProvider):
    name = "ollama"
    default_model = "llama3.2"
    label = "Ollama"
    default_base_url = DEFAULT_HOST
    base_url_env = "OLLAMA_HOST"
    framing = "ndjson"

    def normalize_base_url(self, url: str) -> str:
        """`OLLAMA_HOST` is often just `host` or `host:port`: add the scheme and default port."""
        url = url.strip().rstrip("/")
        if "://" not in url:
            url = f"http://{url}"
            scheme, _, rest = url.partition("://")
            host = rest.split("/", 1)[0]
            if ":" not in host.rsplit("]", 1)[-1]:
                url = f"{scheme}://{host}:{DEFAULT_PORT}" + rest[len(host) :]
        return url

    def endpoint(self) -> str:
        return f"{self.base_url}/api/chat"

    def models_request(self, cursor: str | None) -> tuple[str, dict[str, str]]:
        return f"{self.base_url}/api/tags", {}  # the models pulled on this Ollama server

    def parse_models(self, data: Any) -> tuple[list[ModelInfo], str | None]:
        models = []
        for entry in model_entries(data, "models"):
            ident = entry.get("name") or entry["model"]
            if not isinstance(ident, str):
                raise TypeError("a model name is not a string")
            details = entry.get("details")
            if not isinstance(details, dict):
                details = {}
            facts = [details.get("parameter_size"), details.get("quantization_level"), human_size(entry.get("size"))]
            models.append(ModelInfo(ident, " · ".join(f for f in facts if isinstance(f, str) and f)))
        return models, None

    def build_body(self, request: ChatRequest, model: str) -> dict[str, Any]:
        body: dict[str, Any] = {"model": model, "messages": ollama_messages(request), "stream": True}
        options: dict[str, Any] = {}
        if request.max_tokens is not None:
            options["num_predict"] = request.max_tokens
        if request.temperature is not None:
            options["temperature"] = request.temperature
        if options:
            body["options"] = options
        if request.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {"name": spec.name, "description": spec.description, "parameters": tool_schema(spec)},
                }
                for spec in request.tools
            ]
        return body

    def new_parser(self, model: str) -> OllamaChatParser:
        return OllamaChatParser(self.label)
