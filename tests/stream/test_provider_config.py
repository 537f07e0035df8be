"""Provider set-up: API keys, base URLs from flags and the environment, and the error-message helpers."""

from __future__ import annotations

import json

import httpx
import pytest

from tui.stream import get_provider
from tui.stream.errors import ConfigurationError
from tui.stream.providers.http_errors import parse_retry_after, provider_message

OPENAI_401 = json.dumps(
    {
        "error": {
            "message": "Incorrect API key provided: sk-abc***xyz.",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    }
).encode()


@pytest.mark.parametrize("name", ["openai", "openai-responses", "anthropic"])
def test_missing_api_key_is_a_configuration_error_naming_the_variable(name):
    with pytest.raises(ConfigurationError) as caught:
        get_provider(name)
    assert ("ANTHROPIC_API_KEY" if name == "anthropic" else "OPENAI_API_KEY") in caught.value.message


def test_keys_and_base_urls_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://proxy.local:8080/")
    monkeypatch.setenv("OLLAMA_HOST", "gpu-box")
    assert get_provider("openai").api_key == "sk-env"
    assert get_provider("openai").endpoint() == "https://api.openai.com/v1/chat/completions"
    assert get_provider("anthropic").endpoint() == "http://proxy.local:8080/v1/messages"
    assert get_provider("ollama").endpoint() == "http://gpu-box:11434/api/chat"
    assert get_provider("ollama", base_url="127.0.0.1:9999").endpoint() == "http://127.0.0.1:9999/api/chat"


def test_a_key_with_a_trailing_newline_is_trimmed_and_a_broken_key_is_refused_without_echoing_it():
    assert get_provider("openai", api_key="sk-abc\n").api_key == "sk-abc"
    for bad in ("sk-se\ncret", "sk-sécret"):
        with pytest.raises(ConfigurationError) as caught:
            get_provider("openai", api_key=bad)
        assert "OPENAI_API_KEY" in caught.value.message and "cret" not in caught.value.message


def test_a_compatible_server_needs_no_key():
    provider = get_provider("openai", base_url="http://127.0.0.1:8080/v1")
    assert provider.api_key is None and provider.request_headers() == {}


def test_base_url_must_be_http():
    with pytest.raises(ConfigurationError, match="must start with http"):
        get_provider("openai", base_url="ftp://example.com")


def test_retry_after_forms():
    assert parse_retry_after(httpx.Headers({"retry-after": "2.5"})) == 2.5
    assert parse_retry_after(httpx.Headers({"retry-after-ms": "1500"})) == 1.5
    assert parse_retry_after(httpx.Headers({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}), now=1445412475.0) == 5.0
    assert parse_retry_after(httpx.Headers({"retry-after": "soon"})) is None
    assert parse_retry_after(httpx.Headers({})) is None


def test_provider_message_forms():
    assert provider_message(OPENAI_401).startswith("Incorrect API key provided")
    assert provider_message(b'{"error": "model not found"}') == "model not found"
    assert provider_message(b"upstream\nconnect error") == "upstream connect error"
    assert provider_message(b"<html><h1>502 Bad Gateway</h1></html>") == ""
