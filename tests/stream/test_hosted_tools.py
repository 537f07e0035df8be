"""`hosted_tools`: each API's own request format, and a clear message for what cannot work."""

from __future__ import annotations

import json

import pytest

from tests.stream.corpus import load_cases, replay_transport
from tests.stream.test_request_bodies import REQUEST
from tui.config import ConfigError, Settings, load_settings, make_provider
from tui.stream import StreamRun, get_provider
from tui.stream.errors import ConfigurationError

CASES = {case.name: case for case in load_cases()}


async def body_sent(provider_name: str, body_case: str, **options) -> dict:
    case = CASES[body_case]
    seen = []
    provider = get_provider(
        provider_name,
        api_key="k",
        transport=replay_transport([case.body], content_type=case.content_type, seen=seen),
        **options,
    )
    await StreamRun.from_provider(provider, REQUEST).run()
    await provider.aclose()
    return json.loads(seen[0].content)


async def test_responses_body_has_the_hosted_tools_after_the_functions():
    body = await body_sent(
        "openai-responses",
        "oai_resp_text",
        hosted_tools=["web_search", "file_search:vs_abc, vs_def", "code_interpreter"],
    )
    assert [tool["type"] for tool in body["tools"]] == [
        "function",
        "function",
        "web_search",
        "file_search",
        "code_interpreter",
    ]
    assert body["tools"][3]["vector_store_ids"] == ["vs_abc", "vs_def"]
    assert body["tools"][4]["container"] == {"type": "auto"}
    # the sources searched, the files found and the code's output come back only when asked for
    assert body["include"] == [
        "web_search_call.action.sources",
        "file_search_call.results",
        "code_interpreter_call.outputs",
    ]


async def test_anthropic_body_has_the_web_search_tool():
    body = await body_sent("anthropic", "anth_basic_text", hosted_tools=["web_search"])
    assert body["tools"][-1] == {"type": "web_search_20250305", "name": "web_search"}
    assert [tool.get("name") for tool in body["tools"]] == ["get_weather", "now", "web_search"]


async def test_without_hosted_tools_the_body_is_unchanged():
    body = await body_sent("openai-responses", "oai_resp_text")
    assert "include" not in body and all(tool["type"] == "function" for tool in body["tools"])


@pytest.mark.parametrize(
    ("provider", "entry", "says"),
    [
        ("openai", "web_search", "the openai provider cannot run hosted tools"),
        ("ollama", "web_search", "the ollama provider cannot run hosted tools"),
        ("anthropic", "code_interpreter", "unknown hosted tool 'code_interpreter' for the anthropic provider"),
        ("openai-responses", "web_serch", "did you mean 'web_search'?"),
        ("openai-responses", "file_search", 'file_search needs vector_store_ids: write "file_search:VECTOR_STORE_IDS"'),
        ("openai-responses", "web_search:x", "web_search takes no arguments"),
    ],
)
def test_what_cannot_work_is_refused_with_a_message(provider: str, entry: str, says: str):
    with pytest.raises(ConfigurationError) as caught:
        get_provider(provider, api_key="k", hosted_tools=[entry])
    assert says in str(caught.value)


def test_the_config_takes_a_list_or_a_table_per_provider(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('provider = "anthropic"\napi_key = "k"\n\n[hosted_tools]\nanthropic = ["web_search"]\n')
    settings = load_settings(path, environ={})
    assert [tool.name for tool in make_provider(settings).hosted_tools] == ["web_search"]
    settings.provider = "ollama"  # switching provider: the table has nothing for it, so nothing is sent
    assert make_provider(settings).hosted_tools == []
    listed = Settings(provider="openai-responses", api_key="k", hosted_tools=["web_search"])
    assert [tool.name for tool in make_provider(listed).hosted_tools] == ["web_search"]
    listed.provider = "openai"
    with pytest.raises(ConfigurationError, match="the openai provider cannot run hosted tools"):
        make_provider(listed)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('hosted_tools = "web_search"', 'hosted_tools must be a list of names in quotes (["web_search"]) or a table'),
        ('hosted_tools = ["web_search", 3]', "hosted_tools[1] must be a string (in quotes), not 3"),
        ('hosted_tools = {anthropc = ["web_search"]}', "hosted_tools.anthropc: unknown provider 'anthropc'"),
    ],
)
def test_a_bad_hosted_tools_line_is_named(tmp_path, line: str, says: str):
    path = tmp_path / "config.toml"
    path.write_text(line + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    assert message.startswith(f"{path}, line 1: ") and says in message and len(message.splitlines()) == 1
