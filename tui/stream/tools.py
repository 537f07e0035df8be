"""Tools a model may call, made from plain Python functions.

The JSON schema a provider sends comes from the function itself (signature, type hints, defaults,
docstring summary and per-argument descriptions) through pydantic, so a tool is written once, as
ordinary typed code. Arguments from the model are validated against the same model before the call,
so a wrong argument goes back to the model as a clear error it can correct.

Running a tool never blocks the event loop: a sync function runs in a worker thread, an async one is
awaited. An ordinary exception becomes an error result for the model (the conversation goes on);
`ToolExecutionAbortError` is the one way for a tool to end the whole stream, and it propagates.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import time
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pydantic

from tui.stream.errors import ConfigurationError, ToolExecutionAbortError
from tui.stream.messages import ToolSpec

TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what the OpenAI and Anthropic APIs accept
_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Params|Returns?|Raises|Yields|Examples?|Notes?)\s*:?\s*$")
_GOOGLE_ARG = re.compile(r"^\s*\*{0,2}(\w+)\s*(?:\(([^)]*)\))?\s*:\s*(.*)$")
_SPHINX_ARG = re.compile(r"^\s*:param\s+(?:[^:]*\s)?(\w+)\s*:\s*(.*)$")


@dataclass
class ToolResult:
    content: str
    is_error: bool = False
    duration_ms: float = 0.0


class Tool:
    """A callable the model may ask for: `name`, `description`, `parameters` (JSON schema)."""

    def __init__(
        self,
        function: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        requires_confirmation: bool | None = None,
    ) -> None:
        if not callable(function):
            raise TypeError(f"a tool must be callable, not {type(function).__name__}")
        self.function = function
        self.name: str = name or str(getattr(function, "__name__", type(function).__name__))
        if not TOOL_NAME.match(self.name):
            raise ConfigurationError(f"tool name {self.name!r} is not allowed: use 1-64 letters, digits, _ or -")
        summary, arg_docs = parse_docstring(inspect.getdoc(function) or "")
        self.description = description if description is not None else summary
        self.requires_confirmation = bool(
            getattr(function, "requires_confirmation", False)
            if requires_confirmation is None
            else requires_confirmation
        )
        self._model, self._positional = _arguments_model(self.name, function, arg_docs)
        self.parameters = clean_schema(self._model.model_json_schema())
        self.is_async = _is_async(function)

    @classmethod
    def from_function(cls, function: Callable[..., Any], **kwargs: Any) -> Tool:
        return cls(function, **kwargs)

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(name=self.name, description=self.description, parameters=self.parameters)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Tool({self.name!r})"

    async def run(self, arguments: dict[str, Any] | None) -> ToolResult:
        """Validate the model's arguments and call the function, off the event loop."""
        started = time.perf_counter()

        def done(content: str, is_error: bool = False) -> ToolResult:
            return ToolResult(content, is_error, (time.perf_counter() - started) * 1000)

        try:
            validated = self._model.model_validate(arguments or {})
        except pydantic.ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors())
            return done(f"invalid arguments for {self.name}: {problems}", True)
        values = {key: getattr(validated, key) for key in type(validated).model_fields}
        args = [values.pop(key) for key in self._positional]
        try:
            if self.is_async:
                value = await self.function(*args, **values)
            else:
                value = await asyncio.to_thread(self.function, *args, **values)
                if inspect.isawaitable(value):
                    value = await value
        except ToolExecutionAbortError:
            raise
        except Exception as exc:  # goes back to the model, which may try again or explain
            return done(f"{type(exc).__name__}: {exc}", True)
        return done(result_text(value))


def tool(
    function: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    requires_confirmation: bool = False,
) -> Any:
    """Decorator: `@tool` or `@tool(requires_confirmation=True)` makes a `Tool` of a function."""

    def wrap(fn: Callable[..., Any]) -> Tool:
        return Tool(fn, name=name, description=description, requires_confirmation=requires_confirmation)

    return wrap(function) if function is not None else wrap


def as_tool(item: Tool | Callable[..., Any]) -> Tool:
    return item if isinstance(item, Tool) else Tool(item)


def result_text(value: Any) -> str:
    """What the model is sent for a tool's return value."""
    if isinstance(value, str):
        return value
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump_json()
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """(the text before any section, {argument: description}) for Google- and Sphinx-style docstrings."""
    summary: list[str] = []
    args: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    base_indent: int | None = None  # indent of the argument lines in a Google "Args:" section
    for line in doc.splitlines():
        sphinx = _SPHINX_ARG.match(line)
        if sphinx:
            section, current = "sphinx", sphinx.group(1)
            args[current] = sphinx.group(2).strip()
            continue
        heading = _SECTION.match(line)
        if heading:
            section, current, base_indent = heading.group(1).lower(), None, None
            continue
        if section is None:
            if line.strip().startswith(":"):  # :returns: and friends end the summary
                section = "sphinx"
                continue
            summary.append(line)
            continue
        if section not in ("args", "arguments", "parameters", "params", "sphinx") or not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        google = _GOOGLE_ARG.match(line) if section != "sphinx" else None
        if google and (base_indent is None or indent <= base_indent):
            base_indent = indent
            current = google.group(1)
            args[current] = google.group(3).strip()
        elif current is not None:
            args[current] = f"{args[current]} {line.strip()}".strip()
    return "\n".join(summary).strip(), args


def _is_async(function: Callable[..., Any]) -> bool:
    call = getattr(function, "__call__", None)  # noqa: B004 - an object whose __call__ is async
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(call)


def _arguments_model(
    name: str, function: Callable[..., Any], docs: dict[str, str]
) -> tuple[type[pydantic.BaseModel], list[str]]:
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception:  # unresolvable forward references: fall back to what is written
        hints = {}
    fields: dict[str, Any] = {}
    positional: list[str] = []
    for param in inspect.signature(function).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.name.startswith("_"):
            raise ConfigurationError(
                f"tool {name}: argument {param.name!r} starts with '_', which a model "
                "cannot be asked to fill; rename it"
            )
        annotation = hints.get(param.name, param.annotation)
        if annotation is inspect.Parameter.empty or isinstance(annotation, str):
            annotation = Any
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[param.name] = (annotation, pydantic.Field(default, description=docs.get(param.name) or None))
        if param.kind is param.POSITIONAL_ONLY:
            positional.append(param.name)
    try:
        model = pydantic.create_model(f"{name}_arguments", **fields)
    except Exception as exc:
        raise ConfigurationError(f"tool {name}: cannot build a schema from its signature: {exc}") from exc
    return model, positional


def clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop pydantic's generated titles; keep everything a model needs."""

    def clean(node: Any, in_properties: bool = False) -> Any:
        if isinstance(node, dict):
            return {
                k: clean(v, k in ("properties", "$defs") and not in_properties)
                for k, v in node.items()
                if in_properties or not (k == "title" and isinstance(v, str))
            }
        if isinstance(node, list):
            return [clean(v) for v in node]
        return node

    schema = clean(schema)
    schema.setdefault("properties", {})
    schema["type"] = "object"
    return schema
