"""Tool: schemas from Python functions, validation, sync tools off the loop, errors back to the model."""

import asyncio
import threading
from typing import Literal

import pytest

from tui.builtin_tools import calculator
from tui.stream import ConfigurationError, Tool, ToolExecutionAbortError, tool


def get_weather(city: str, unit: Literal["C", "F"] = "C", days: int = 1, hourly: bool = False) -> dict:
    """Get the weather forecast for a city.

    Uses a made-up service.

    Args:
        city: The city's name,
            for example Paris.
        unit: Temperature unit.
        days: How many days ahead.

    Returns:
        The forecast.
    """
    return {"city": city, "unit": unit, "days": days, "thread": threading.get_ident()}


async def slow_echo(text: str) -> str:
    """Echo the text back.

    :param text: what to echo
    """
    await asyncio.sleep(0)
    return text


def test_schema_from_signature_hints_defaults_and_docstring():
    weather = Tool(get_weather)
    assert weather.name == "get_weather"
    assert weather.description == "Get the weather forecast for a city.\n\nUses a made-up service."
    assert weather.parameters == {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "The city's name, for example Paris."},
            "unit": {"enum": ["C", "F"], "type": "string", "default": "C", "description": "Temperature unit."},
            "days": {"type": "integer", "default": 1, "description": "How many days ahead."},
            "hourly": {"type": "boolean", "default": False},
        },
        "required": ["city"],
    }
    spec = weather.spec
    assert (spec.name, spec.parameters) == ("get_weather", weather.parameters)
    assert Tool(slow_echo).parameters["properties"]["text"]["description"] == "what to echo"
    assert Tool(lambda: 1, name="no_args").parameters == {"type": "object", "properties": {}}


async def test_sync_tools_run_in_a_worker_thread_and_arguments_are_validated():
    result = await Tool(get_weather).run({"city": "Paris", "days": "3"})
    assert not result.is_error and result.duration_ms >= 0
    assert '"days": 3' in result.content and '"city": "Paris"' in result.content
    assert f'"thread": {threading.get_ident()}' not in result.content  # not on the event loop's thread

    bad = await Tool(get_weather).run({"unit": "K"})
    assert bad.is_error
    assert bad.content.startswith("invalid arguments for get_weather:")
    assert "city: Field required" in bad.content and "unit:" in bad.content


async def test_async_tools_are_awaited_and_exceptions_become_error_results():
    assert (await Tool(slow_echo).run({"text": "hi"})).content == "hi"

    def broken(x: int) -> int:
        """Always fails."""
        raise KeyError("missing thing")

    result = await Tool(broken).run({"x": 1})
    assert result.is_error and result.content == "KeyError: 'missing thing'"


async def test_abort_error_propagates():
    def stop() -> str:
        """Ends everything."""
        raise ToolExecutionAbortError("the user pulled the plug")

    with pytest.raises(ToolExecutionAbortError, match="pulled the plug"):
        await Tool(stop).run({})


def test_confirmation_flag_from_decorator_or_function_attribute():
    @tool(requires_confirmation=True)
    def delete_file(path: str) -> str:
        """Delete a file."""
        return path

    assert isinstance(delete_file, Tool) and delete_file.requires_confirmation
    assert delete_file("x") == "x"  # still callable as the function

    def flagged(path: str) -> str:
        """Read a file."""
        return path

    flagged.requires_confirmation = True
    assert Tool(flagged).requires_confirmation
    assert not Tool(calculator).requires_confirmation
    assert Tool(calculator).parameters["required"] == ["expression"]


async def test_results_are_text_for_the_model():
    def returns_list() -> list:
        """A list."""
        return [1, "é", None]

    def returns_none() -> None:
        """Nothing."""

    assert (await Tool(returns_list).run({})).content == '[1, "é", null]'
    assert (await Tool(returns_none).run(None)).content == "null"


def test_bad_tools_are_refused_with_clear_messages():
    with pytest.raises(ConfigurationError, match="not allowed"):
        Tool(get_weather, name="get weather!")
    with pytest.raises(TypeError, match="callable"):
        Tool("nope")  # type: ignore[arg-type]

    def private(_secret: str) -> str:
        """Hidden."""
        return _secret

    with pytest.raises(ConfigurationError, match="_secret"):
        Tool(private)
