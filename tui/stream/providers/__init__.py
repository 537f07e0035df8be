"""Provider registry: a name on the command line or in the config maps to one module.

Modules are imported lazily so that `rill -p` with one provider never imports the others (the local
model's llama.cpp binding in particular).
"""

from __future__ import annotations

import importlib
from typing import Any

from tui.stream.errors import ConfigurationError
from tui.stream.providers.base import ModelInfo, Provider

PROVIDERS: dict[str, str] = {
    "openai": "tui.stream.providers.openai_chat:OpenAIChatProvider",
    "openai-responses": "tui.stream.providers.openai_responses:OpenAIResponsesProvider",
    "anthropic": "tui.stream.providers.anthropic:AnthropicProvider",
    "ollama": "tui.stream.providers.ollama:OllamaProvider",
    "local": "tui.stream.providers.local:LocalProvider",
    "scripted": "tui.stream.providers.scripted:ScriptedProvider",
}


def provider_class(name: str) -> type[Provider]:
    try:
        target = PROVIDERS[name]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise ConfigurationError(f"unknown provider {name!r}; choose one of: {known}") from None
    module_name, _, attr = target.partition(":")
    cls: type[Provider] = getattr(importlib.import_module(module_name), attr)
    return cls


def get_provider(name: str, **options: Any) -> Provider:
    """Build a provider; options that are None are left to the provider's defaults."""
    return provider_class(name)(**{k: v for k, v in options.items() if v is not None})


__all__ = ["PROVIDERS", "ModelInfo", "Provider", "get_provider", "provider_class"]
