"""Settings: defaults, then the TOML config file, then environment variables, then flags.

One typed model (`Settings`, pydantic) says what every setting is and which values are valid; every
source goes through it:

- the config file is validated strictly (`read_file = "no"` is a string, not false), and every wrong
  type, out-of-range value or unknown key is a `ConfigError` naming the file, the line, the key and
  what was expected;
- `RILL_<SETTING>` environment variables (`RILL_MODEL`, `RILL_READ_TIMEOUT`, ...) are text, parsed to
  the setting's type and checked the same way (`check_setting(..., from_text=True)`);
- command-line flags use `check_setting(key, value, name="--flag")`, and assigning an attribute of a
  `Settings` is validated too, so there is one definition of, say, a valid `read_timeout`.

Provider knowledge (which variable holds a key or a base URL, which settings a provider takes) stays
with the providers: `resolve_provider` and `provider_options` ask the registry, and `make_provider`
is the one factory that turns settings into a provider.

API keys are kept out of `Settings.public_dict()` and `repr()` so nothing that saves or prints
settings can leak them.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

import platformdirs
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from tui.stream.errors import ConfigurationError
from tui.stream.providers import PROVIDERS, Provider, get_provider, provider_class
from tui.stream.secrets import register_secret

APP_NAME = "rill"
ENV_PREFIX = "RILL_"
# Providers picked without being named, in this order, when their API key variable is set.
AUTO_PROVIDERS = ("anthropic", "openai")

MAX_SECONDS = 3600.0
MAX_RETRIES = 20
MAX_TOKENS = 1_000_000
MAX_TEMPERATURE = 2.0


class ConfigError(Exception):
    """A config file or value that cannot be used; the message names the file, line and key."""


def _known_provider(name: str) -> str:
    if name not in PROVIDERS:
        raise ValueError(f"unknown provider {name!r}; choose one of: {', '.join(sorted(PROVIDERS))}")
    return name


ProviderName = Annotated[str, AfterValidator(_known_provider)]
Seconds = Annotated[float, Field(gt=0, le=MAX_SECONDS, allow_inf_nan=False)]
Temperature = Annotated[float, Field(ge=0, le=MAX_TEMPERATURE, allow_inf_nan=False)]
MaxTokens = Annotated[int, Field(ge=1, le=MAX_TOKENS)]


class _Model(BaseModel):
    # strict: a TOML string is never a bool or a number; text from the environment or flags is parsed
    # explicitly (`check_setting(..., from_text=True)`)
    model_config = ConfigDict(strict=True, extra="forbid", validate_assignment=True)

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            raise ConfigError(_explain(exc, prefix=_section_of(self))) from None


class ToolSettings(_Model):
    time: bool = False
    calculator: bool = False
    read_file: bool = False
    read_file_root: str | None = None  # the directory the read_file tool may read under


TOOL_NAMES = tuple(name for name, field in ToolSettings.model_fields.items() if field.annotation is bool)


def _known_tool(name: str) -> str:
    if name not in TOOL_NAMES:
        raise ValueError(f"unknown tool {name!r}; choose from: {', '.join(TOOL_NAMES)}")
    return name


class Preset(_Model):
    """`[presets.NAME]`: what a new chat (or `rill -p --preset NAME`) starts with instead of the defaults.

    Unset fields keep the settings' own; `tools` lists the built-in tools switched on (the others off).
    """

    system: str | None = None
    provider: ProviderName | None = None
    model: str | None = None
    temperature: Temperature | None = None
    max_tokens: MaxTokens | None = None
    tools: list[Annotated[str, AfterValidator(_known_tool)]] | None = None

    def summary(self) -> str:
        """One line for a picker: provider/model, temperature, tools, the start of the system prompt."""
        facts = ["/".join(p for p in (self.provider, self.model) if p)]
        if self.temperature is not None:
            facts.append(f"temperature {self.temperature:g}")
        if self.tools is not None:
            facts.append("tools: " + (", ".join(self.tools) or "none"))
        if self.system:
            first = " ".join(self.system.split())
            facts.append(f"system: {first[:40]}{'…' if len(first) > 40 else ''}")
        return " · ".join(f for f in facts if f)


class Settings(_Model):
    provider: ProviderName | None = None  # None: chosen by `resolve_provider`
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = Field(default=None, repr=False)
    model_path: str | None = None  # local provider: a GGUF file other than the packaged one
    models_dir: str | None = None  # local provider: a directory of GGUF files the model picker offers
    system: str | None = None
    max_tokens: MaxTokens | None = None
    temperature: Temperature | None = None
    db: str | None = None
    theme: str | None = None
    read_timeout: Seconds = 60.0
    connect_timeout: Seconds = 10.0
    max_retries: Annotated[int, Field(ge=0, le=MAX_RETRIES)] = 3
    keys: dict[str, str] = Field(default_factory=dict)  # action name -> key(s), e.g. pause = "ctrl+p"
    tools: ToolSettings = Field(default_factory=ToolSettings)
    presets: dict[str, Preset] = Field(default_factory=dict)  # [presets.NAME] tables
    # tools the provider runs itself: ["web_search"] for whichever provider is used, or a table per
    # provider ({"anthropic" = ["web_search"]}); the provider checks the names (tui/stream/hosted.py)
    hosted_tools: list[str] | dict[ProviderName, list[str]] = Field(default_factory=list)
    config_path: Path | None = None  # where the settings were read from (not a setting of the file)

    def public_dict(self) -> dict[str, Any]:
        data = self.model_dump(exclude={"api_key"})
        data["config_path"] = str(self.config_path) if self.config_path else None
        return data

    @property
    def db_path(self) -> Path:
        if self.db:
            return Path(self.db).expanduser()
        return Path(platformdirs.user_data_dir(APP_NAME)) / "rill.db"

    def resolve_provider(self, environ: Mapping[str, str] | None = None) -> str:
        """The configured provider, else one whose API key is set, else the embedded local model."""
        if self.provider:
            return self.provider
        env = os.environ if environ is None else environ
        for name in AUTO_PROVIDERS:
            key_env = provider_class(name).key_env
            if key_env and env.get(key_env):
                return name
        return "local"

    def provider_options(self, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Keyword arguments for `get_provider`: the settings the provider says it takes (None values
        are left to the provider, which reads its own key and base-URL variables)."""
        name = self.resolve_provider(environ)
        cls = provider_class(name)
        options = {option: getattr(self, option) for option in cls.settings_options}
        hosted = self.hosted_tools.get(name, []) if isinstance(self.hosted_tools, dict) else self.hosted_tools
        if hosted:  # every provider takes them, and says so when it cannot run them
            options["hosted_tools"] = list(hosted)
        return options

    def with_provider(self, name: str | None = None, model: str | None = None, **changes: Any) -> Settings:
        """A copy for another provider and/or model. A different provider drops the base URL, key, model
        and model file of the old one (one provider's are not another's); `changes` are other settings."""
        update: dict[str, Any] = dict(changes)
        if name is not None and name != self.resolve_provider():
            update.update(provider=name, base_url=None, api_key=None, model=None, model_path=None)
        elif name is not None:
            update["provider"] = name
        if model is not None:
            update["model"] = model
        return self.model_copy(update=update, deep=True)

    def with_preset(self, name: str) -> Settings:
        """These settings with `[presets.NAME]` applied; `ConfigError` naming the known presets if unknown."""
        preset = self.presets.get(name)
        if preset is None:
            known = ", ".join(sorted(self.presets)) or f"none (add a [presets.NAME] table to {self.config_path})"
            raise ConfigError(f"unknown preset {name!r}; known presets: {known}")
        changes: dict[str, Any] = {
            key: getattr(preset, key)
            for key in ("system", "temperature", "max_tokens")
            if getattr(preset, key) is not None
        }
        if preset.tools is not None:
            changes["tools"] = self.tools.model_copy(update={tool: tool in preset.tools for tool in TOOL_NAMES})
        return self.with_provider(preset.provider, preset.model, **changes)


FILE_KEYS = tuple(name for name in Settings.model_fields if name != "config_path")
# every plain setting can come from RILL_<NAME>; keys come from the providers' own variables
ENV_KEYS = tuple(name for name in FILE_KEYS if name not in ("keys", "tools", "api_key", "presets", "hosted_tools"))


def env_variable(key: str) -> str:
    return ENV_PREFIX + key.upper()


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


# -- loading ------------------------------------------------------------------------------------------
def load_settings(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    explicit = path or env.get("RILL_CONFIG")
    config_path = Path(explicit).expanduser() if explicit else default_config_path()
    if config_path.exists():
        settings = _read_file(config_path)
    elif explicit:
        raise ConfigError(f"{config_path}: config file not found")
    else:
        settings = Settings(config_path=config_path)
    problems: list[str] = []
    for key in ENV_KEYS:
        text = env.get(env_variable(key))
        if not text:
            continue
        try:
            setattr(settings, key, check_setting(key, text, name=env_variable(key), from_text=True))
        except ConfigError as exc:
            problems.append(f"environment variable {exc}")
    if problems:
        raise ConfigError("\n".join(problems))
    register_secret(settings.api_key)  # the file's key is a secret like the environment's: never stored or printed
    return settings


def _read_file(path: Path) -> Settings:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc} — fix the TOML syntax there") from None
    if "config_path" in data:  # a field of the model, but not something the file may set
        raise ConfigError(
            f"{path}, line {_line_of(text, ('config_path',))}: " + _unknown("config_path", FILE_KEYS, "setting")
        )
    try:
        return Settings.model_validate({**data, "config_path": path})
    except ValidationError as exc:
        raise ConfigError(_explain(exc, where=lambda loc: f"{path}, line {_line_of(text, loc)}")) from None


def check_setting(key: str, value: Any, *, name: str | None = None, from_text: bool = False) -> Any:
    """Validate one setting's value and return it converted to the setting's type.

    The one definition of a valid value, for every source: `name` is how the message names the
    source (a flag `--read-timeout`, a variable `RILL_READ_TIMEOUT`; default the key), `from_text`
    parses text ("30", "nan") the way a flag or an environment variable gives it. Raises
    `ConfigError`, e.g. "--read-timeout must be greater than 0, not -1.0".
    """
    if key not in ENV_KEYS:
        raise ConfigError(_unknown(key, ENV_KEYS, "setting"))
    probe = Settings.model_construct()  # validated like an assignment to the model, with its rules
    try:
        Settings.__pydantic_validator__.validate_assignment(probe, key, value, strict=not from_text)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, name=name or key, raw=from_text)) from None
    return getattr(probe, key)


# -- messages --------------------------------------------------------------------------------------
_EXPECTED = {
    "bool_type": "true or false (without quotes)",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "string_type": "a string (in quotes)",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "path_type": "a path",
    "list_type": 'a list of names in quotes, e.g. ["web_search"]',
    "hosted_tools_type": 'a list of names in quotes (["web_search"]) or a table of provider = [names]',
}
_BOUNDS = {
    "greater_than": ("gt", "greater than"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "less than"),
    "less_than_equal": ("le", "at most"),
}


def _section_of(model: BaseModel) -> tuple[str, ...]:
    if isinstance(model, Preset):
        return ("presets", "NAME")
    return ("tools",) if isinstance(model, ToolSettings) else ()


def _explain(
    exc: ValidationError,
    *,
    where: Callable[[tuple[str, ...]], str] | None = None,
    name: str | None = None,
    prefix: tuple[str, ...] = (),
    raw: bool = False,
) -> str:
    """One line per problem: "<where>: <key> must be <expected>, not <value>"."""
    lines = []
    for error in _one_branch(exc.errors()):
        loc = prefix + tuple(str(part) for part in error["loc"])
        label = name or _label(loc)
        line = _problem(error, loc, label, raw)
        lines.append(f"{where(loc)}: {line}" if where else line)
    return "\n".join(lines)


def _one_branch(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """`hosted_tools` is a list or a table: report the errors of the form the user wrote (the one with
    errors inside it), or one error saying both forms when the value is neither."""
    branches: dict[str, list[ErrorDetails]] = {}
    rest = []
    for error in errors:
        loc = error["loc"]
        if loc[:1] == ("hosted_tools",) and len(loc) > 1 and str(loc[1]).startswith(("list[", "dict[")):
            branches.setdefault(str(loc[1])[:4], []).append(error)
        else:
            rest.append(error)
    if not branches:
        return errors
    inside = [errs for errs in branches.values() if any(len(e["loc"]) > 2 for e in errs)]
    if inside:
        return rest + inside[0]
    first = next(iter(branches.values()))[0]
    either = 'a list of names in quotes (["web_search"]) or a table of provider = [names]'
    return [*rest, {**first, "loc": ("hosted_tools",), "type": "hosted_tools_type", "msg": either}]


def _label(loc: tuple[str, ...]) -> str:
    if not loc:
        return "the config"
    if loc[0] == "presets" and len(loc) > 2:
        return f"[presets.{loc[1]}] {'.'.join(loc[2:])}"
    if loc[0] == "hosted_tools":  # a union's errors name the branch ("list[str]"): say where instead
        where = [part for part in loc[1:] if not part.startswith(("list[", "dict[")) and part != "[key]"]
        return "hosted_tools" + "".join(f"[{part}]" if part.isdigit() else f".{part}" for part in where)
    return f"[{loc[0]}] {'.'.join(loc[1:])}" if len(loc) > 1 else loc[0]


def _problem(error: ErrorDetails, loc: tuple[str, ...], label: str, raw: bool = False) -> str:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    shown = str(value) if raw else _shown(value)
    if kind == "extra_forbidden":
        if len(loc) > 2 and loc[0] == "presets":
            return _unknown(loc[2], tuple(Preset.model_fields), f"setting in [presets.{loc[1]}]")
        if len(loc) > 1 and loc[0] == "tools":
            return _unknown(loc[-1], tuple(ToolSettings.model_fields), "setting in [tools]")
        return _unknown(loc[-1], FILE_KEYS, "setting")
    if kind in _BOUNDS:
        bound, words = _BOUNDS[kind]
        limit = ctx.get(bound)
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"{label} must be {words} {limit}, not {shown}"
    if kind == "value_error":
        return f"{label}: {ctx.get('error')}"
    expected = _EXPECTED.get(kind) or error["msg"].removeprefix("Input should be ")
    if kind.endswith("_type") and loc[:1] == ("keys",) and len(loc) == 1:
        expected = 'a table of action = "key" lines'
    if kind.endswith("_type") and loc[:1] == ("presets",) and len(loc) <= 2:
        expected = "a table ([presets.NAME] with system, provider, model, temperature, max_tokens, tools)"
    if kind == "list_type":
        expected = 'a list of names, e.g. ["time", "calculator"]'
    return f"{label} must be {expected}, not {shown}"


def _shown(value: Any) -> str:
    """A value as the user wrote it: TOML-ish (true, "text", 5)."""
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, str):
        return f"the string {json.dumps(value, ensure_ascii=False)}"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _unknown(key: str, known: tuple[str, ...], what: str) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown {what} {key!r}{hint} (known: {', '.join(known)})"


def _line_of(text: str, loc: tuple[str, ...]) -> int:
    """The line of `loc` (a key, or a [table] and a key in it) in the TOML text; 1 if not found."""
    lines = text.splitlines()
    start, end, header = 0, len(lines), None
    key = loc[0] if loc else ""
    for depth in range(len(loc) - 1, 0, -1):  # the deepest [table] that exists: [presets.NAME], then [presets]
        name = r"\s*\.\s*".join(rf"[\"']?{re.escape(part)}[\"']?" for part in loc[:depth])
        found = next((n for n, line in enumerate(lines) if re.match(rf"\s*\[\s*{name}\s*\]", line)), None)
        if found is not None:
            header, start, key = found, found + 1, loc[depth]
            break
    for number in range(start, end):
        line = lines[number]
        if header is not None and number > header and re.match(r"\s*\[", line):
            break  # the next table
        if header is None and re.match(r"\s*\[", line):
            break  # top-level keys come before the first table
        if re.match(rf"\s*[\"']?{re.escape(key)}[\"']?\s*[=.]", line):
            return number + 1
    return header + 1 if header is not None else 1


# -- the provider factory ---------------------------------------------------------------------------
def make_provider(settings: Settings, *, check_ready: bool = True, **overrides: Any) -> Provider:
    """Build the provider the settings name: the one factory the app, print mode and the command
    palette use.

    `overrides` are extra provider options (e.g. the scripted demo's tool calls). `check_ready=False`
    leaves out the provider's own readiness check (the local model's package and file), for a caller
    that says why itself: the full-screen app opens and explains, print mode stops at once. Every failure is a
    `ConfigurationError` with a one-line message saying what to do: an unknown provider, a missing
    API key, a bad option, a provider whose optional package (llama-cpp-python) or model file is
    missing.
    """
    name = settings.resolve_provider()
    try:
        options = {**settings.provider_options(), **overrides}
        provider = get_provider(name, **options)
        if check_ready:
            provider.check_ready()
    except ConfigurationError:
        raise
    except ImportError as exc:
        raise ConfigurationError(
            f"the {name} provider is not available ({exc}); install its extra or choose another --provider"
        ) from None
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"cannot set up the {name} provider: {exc}") from None
    return provider
