"""What each provider sends: system, max_tokens, tools, and a tool round in each API's own format."""

from __future__ import annotations

import json

import pytest

from tests.stream.corpus import load_cases, replay_transport
from tui.stream import ChatRequest, Message, StreamRun, ToolCall, ToolSpec, get_provider

CASES = {case.name: case for case in load_cases()}
WEATHER = ToolSpec(
    "get_weather",
    "Weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
CLOCK = ToolSpec("now", "The time", {})

REQUEST = ChatRequest(
    messages=[
        Message("user", "Weather in Paris and the time?"),
        Message(
            "assistant",
            "Let me check.",
            tool_calls=[
                ToolCall("call_1", "get_weather", {"city": "Paris"}, '{"city": "Paris"}'),
                ToolCall("call_2", "now", {}, ""),
            ],
        ),
        Message("tool", "18°C, sunny", tool_call_id="call_1", name="get_weather"),
        Message("tool", "clock broken", tool_call_id="call_2", name="now", is_error=True),
    ],
    system="Be brief.",
    max_tokens=100,
    temperature=0.2,
    tools=[WEATHER, CLOCK],
)


async def sent(provider_name: str, body_case: str, **options):
    case = CASES[body_case]
    seen = []
    provider = get_provider(
        provider_name, transport=replay_transport([case.body], content_type=case.content_type, seen=seen), **options
    )
    run = StreamRun.from_provider(provider, REQUEST)
    await run.run()
    await provider.aclose()
    (request,) = seen
    return request, json.loads(request.content)


async def test_openai_chat_body():
    request, body = await sent("openai", "oai_chat_text_include_usage", api_key="sk-1")
    assert str(request.url) == "https://api.openai.com/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-1"
    assert request.headers["accept"] == "text/event-stream"
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["max_completion_tokens"] == 100 and body["temperature"] == 0.2
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris and the time?"},
        {
            "role": "assistant",
            "content": "Let me check.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                },
                {"id": "call_2", "type": "function", "function": {"name": "now", "arguments": "{}"}},
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18°C, sunny"},
        {"role": "tool", "tool_call_id": "call_2", "content": "clock broken"},
    ]
    assert body["tools"] == [
        {
            "type": "function",
            "function": {"name": "get_weather", "description": "Weather for a city", "parameters": WEATHER.parameters},
        },
        {
            "type": "function",
            "function": {"name": "now", "description": "The time", "parameters": {"type": "object", "properties": {}}},
        },
    ]


async def test_openai_compatible_server_gets_max_tokens_and_no_key():
    request, body = await sent("openai", "oai_chat_text_include_usage", base_url="http://127.0.0.1:8080/v1")
    assert str(request.url) == "http://127.0.0.1:8080/v1/chat/completions"
    assert "authorization" not in request.headers
    assert body["max_tokens"] == 100 and "max_completion_tokens" not in body


async def test_openai_responses_body():
    request, body = await sent("openai-responses", "oai_resp_text", api_key="sk-1")
    assert str(request.url) == "https://api.openai.com/v1/responses"
    assert body["instructions"] == "Be brief." and body["max_output_tokens"] == 100 and body["stream"] is True
    assert body["input"] == [
        {"role": "user", "content": "Weather in Paris and the time?"},
        {"role": "assistant", "content": "Let me check."},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        {"type": "function_call", "call_id": "call_2", "name": "now", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "18°C, sunny"},
        {"type": "function_call_output", "call_id": "call_2", "output": "clock broken"},
    ]
    assert body["tools"][0] == {
        "type": "function",
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": WEATHER.parameters,
    }


async def test_anthropic_body():
    request, body = await sent("anthropic", "anth_basic_text", api_key="sk-ant")
    assert str(request.url) == "https://api.anthropic.com/v1/messages"
    assert request.headers["x-api-key"] == "sk-ant" and request.headers["anthropic-version"] == "2023-06-01"
    assert body["system"] == "Be brief." and body["max_tokens"] == 100 and body["stream"] is True
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Weather in Paris and the time?"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me check."},
                {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Paris"}},
                {"type": "tool_use", "id": "call_2", "name": "now", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "call_1", "content": "18°C, sunny"},
                {"type": "tool_result", "tool_use_id": "call_2", "content": "clock broken", "is_error": True},
            ],
        },
    ]
    assert body["tools"][0] == {
        "name": "get_weather",
        "description": "Weather for a city",
        "input_schema": WEATHER.parameters,
    }


async def test_anthropic_needs_max_tokens_even_when_not_given():
    case = CASES["anth_basic_text"]
    seen = []
    provider = get_provider("anthropic", api_key="k", transport=replay_transport([case.body], seen=seen))
    await StreamRun.from_provider(provider, ChatRequest(messages=[Message("user", "hi")])).run()
    assert json.loads(seen[0].content)["max_tokens"] == 4096
    assert "system" not in json.loads(seen[0].content)


async def test_ollama_body():
    request, body = await sent("ollama", "ollama_chat_text", model="qwen3:8b")
    assert str(request.url) == "http://127.0.0.1:11434/api/chat"
    assert body["model"] == "qwen3:8b" and body["stream"] is True
    assert body["options"] == {"num_predict": 100, "temperature": 0.2}
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris and the time?"},
        {
            "role": "assistant",
            "content": "Let me check.",
            "tool_calls": [
                {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}},
                {"function": {"name": "now", "arguments": {}}},
            ],
        },
        {"role": "tool", "content": "18°C, sunny", "tool_name": "get_weather"},
        {"role": "tool", "content": "clock broken", "tool_name": "now"},
    ]
    assert body["tools"][0]["function"]["name"] == "get_weather"


@pytest.mark.parametrize(
    ("name", "case"),
    [
        ("openai", "oai_chat_text_include_usage"),
        ("anthropic", "anth_basic_text"),
        ("openai-responses", "oai_resp_text"),
        ("ollama", "ollama_chat_text"),
    ],
)
async def test_start_names_provider_and_model(name, case):
    c = CASES[case]
    provider = get_provider(name, api_key="k", model="my-model", transport=replay_transport([c.body]))
    events = [e async for e in provider.stream(ChatRequest(messages=[Message("user", "hi")]))]
    assert events[0].type.value == "start"
    assert events[0].metadata == {"provider": name, "model": "my-model"}
