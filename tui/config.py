"""Settings: defaults, then the TOML config file, then environment variables, then flags.

A bad config file is reported with its path, line and problem (`ConfigError`), never a traceback.
API keys are read from the environment or the file, and are kept out of `Settings.public_dict()` so
nothing that saves or prints settings can leak them.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "rill"

KEY_ENV = {
    "openai": "OPENAI_API_KEY",
    "openai-responses": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
}
BASE_URL_ENV = {
    "openai": "OPENAI_BASE_URL",
    "openai-responses": "OPENAI_BASE_URL",
    "anthropic": "ANTHROPIC_BASE_URL",
    "ollama": "OLLAMA_HOST",
}


class ConfigError(Exception):
    """A config file or value that cannot be used; the message names the file and line."""


@dataclass
class ToolSettings:
    time: bool = False
    calculator: bool = False
    read_file: bool = False
    read_file_root: str | None = None  # the directory the read_file tool may read under


@dataclass
class Settings:
    provider: str | None = None  # None: chosen by `resolve_provider`
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    model_path: str | None = None  # local provider: a GGUF file other than the packaged one
    system: str | None = None
    max_tokens: int | None = None
    db: str | None = None
    theme: str | None = None
    read_timeout: float = 60.0
    connect_timeout: float = 10.0
    max_retries: int = 3
    keys: dict[str, str] = field(default_factory=dict)  # action name -> key(s), e.g. pause = "ctrl+p"
    tools: ToolSettings = field(default_factory=ToolSettings)
    config_path: Path | None = None

    def public_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "api_key"}
        data["tools"] = vars(self.tools).copy()
        data["config_path"] = str(self.config_path) if self.config_path else None
        return data

    @property
    def db_path(self) -> Path:
        if self.db:
            return Path(self.db).expanduser()
        return Path(platformdirs.user_data_dir(APP_NAME)) / "rill.db"

    def resolve_provider(self, environ: dict[str, str] | None = None) -> str:
        """The configured provider, else one whose API key is set, else the embedded local model."""
        if self.provider:
            return self.provider
        env = os.environ if environ is None else environ
        if env.get("ANTHROPIC_API_KEY"):
            return "anthropic"
        if env.get("OPENAI_API_KEY"):
            return "openai"
        return "local"

    def provider_options(self, environ: dict[str, str] | None = None) -> dict[str, Any]:
        """Keyword arguments for `get_provider` (None values are left to the provider)."""
        env = os.environ if environ is None else environ
        name = self.resolve_provider(env)
        options: dict[str, Any] = {"model": self.model}
        if name in KEY_ENV or name == "ollama":
            options["base_url"] = self.base_url or env.get(BASE_URL_ENV[name]) or None
            options["read_timeout"] = self.read_timeout
            options["connect_timeout"] = self.connect_timeout
            options["max_retries"] = self.max_retries
        if name in KEY_ENV:
            options["api_key"] = self.api_key or env.get(KEY_ENV[name]) or None
        if name == "local":
            options["model_path"] = self.model_path
        return options


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


_SIMPLE = {f.name: f.type for f in fields(Settings) if f.name not in ("keys", "tools", "config_path")}


def load_settings(path: str | Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    explicit = path or env.get("RILL_CONFIG")
    config_path = Path(explicit).expanduser() if explicit else default_config_path()
    settings = Settings(config_path=config_path)
    if config_path.exists():
        _apply_file(settings, config_path)
    elif explicit:
        raise ConfigError(f"{config_path}: config file not found")
    for key, env_name in (("provider", "RILL_PROVIDER"), ("model", "RILL_MODEL"), ("db", "RILL_DB"),
                          ("base_url", "RILL_BASE_URL"), ("theme", "RILL_THEME")):
        if env.get(env_name):
            setattr(settings, key, env[env_name])
    return settings


def _apply_file(settings: Settings, path: Path) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc} — fix the TOML syntax there") from None
    for key, value in data.items():
        where = f"{path}, line {_line_of(text, key)}"
        if key == "keys":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"{where}: [keys] must map action names to key strings")
            settings.keys.update(value)
        elif key == "tools":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: [tools] must be a table")
            for tool_key, tool_value in value.items():
                if not hasattr(settings.tools, tool_key):
                    raise ConfigError(f"{path}, line {_line_of(text, tool_key)}: unknown tool setting {tool_key!r}")
                setattr(settings.tools, tool_key, tool_value)
        elif key in _SIMPLE:
            setattr(settings, key, _coerce(key, value, where))
        else:
            known = ", ".join(sorted([*_SIMPLE, "keys", "tools"]))
            raise ConfigError(f"{where}: unknown setting {key!r} (known: {known})")


def _coerce(key: str, value: Any, where: str) -> Any:
    kind = _SIMPLE[key]
    if "float" in str(kind):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: {key} must be a number, not {value!r}")
        return float(value)
    if "int" in str(kind):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: {key} must be a whole number, not {value!r}")
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string, not {value!r}")
    return value


def _line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith(key) and stripped[len(key):].lstrip().startswith(("=", "]")):
            return number
        if stripped in (f"[{key}]",):
            return number
    return 1
