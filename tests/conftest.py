"""Shared test setup: keep every test away from the user's real config, data and API keys."""

import os

import pytest

_KEYS = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
    "OLLAMA_HOST",
    "RILL_PROVIDER",
    "RILL_MODEL",
    "RILL_DB",
    "RILL_CONFIG",
    "RILL_BASE_URL",
    "RILL_THEME",
)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    for key in (*_KEYS, *(name for name in os.environ if name.startswith("RILL_"))):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    yield
