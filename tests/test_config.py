"""Settings: the config file, RILL_* variables and flags go through one typed model; one provider factory."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import main
from tui.config import FILE_KEYS, ConfigError, Settings, ToolSettings, check_setting, load_settings, make_provider
from tui.stream.errors import ConfigurationError

README = Path(__file__).resolve().parents[1] / "README.md"


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> str:
    path = config_file(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    assert str(path) in message
    return message


def test_the_readme_example_config_loads_with_every_documented_key(tmp_path):
    example = re.search(r"## Config(.*?)```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert example, "the README's Config section has a TOML example"
    section = example.group(1)
    assert all(f"`{key}`" in section or f"`[{key}]`" in section for key in FILE_KEYS), "the README names every setting"
    root = tmp_path / "notes"
    root.mkdir()
    text = example.group(2).replace('"~/notes"', f'"{root}"')
    settings = load_settings(config_file(tmp_path, text), environ={})
    assert settings.provider == "openai" and settings.model == "gpt-4o-mini"
    assert settings.keys == {"pause_resume": "f10", "sessions": "ctrl+r,f12"}
    from tui.app.app import build_bindings

    assert build_bindings(settings.keys).problems == []  # the example's keys collide with nothing
    assert settings.tools == ToolSettings(time=True, calculator=True, read_file=True, read_file_root=str(root))


@pytest.mark.parametrize("line", ['time = "false"', 'read_file = "no"', "calculator = 1"])
def test_a_tool_switch_that_is_not_a_boolean_is_an_error_not_on(tmp_path, line):
    message = load_error(tmp_path, f'model = "m"\n\n[tools]\n{line}\n')
    key = line.split(" =")[0]
    assert f"line 4: [tools] {key} must be true or false (without quotes)" in message


def test_read_file_root_must_be_a_string(tmp_path):
    message = load_error(tmp_path, "[tools]\nread_file = true\nread_file_root = 5\n")
    assert "line 3: [tools] read_file_root must be a string (in quotes), not 5" in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("read_timeout = 0", "read_timeout must be greater than 0, not 0"),
        ("read_timeout = -1.5", "read_timeout must be greater than 0, not -1.5"),
        ("read_timeout = nan", "read_timeout must be a finite number, not nan"),
        ("connect_timeout = inf", "connect_timeout must be a finite number, not inf"),
        ('read_timeout = "30"', 'read_timeout must be a number, not the string "30"'),
        ("max_retries = 1000000000", "max_retries must be at most 20, not 1000000000"),
        ("max_retries = -1", "max_retries must be at least 0, not -1"),
        ("max_retries = 2.5", "max_retries must be a whole number, not 2.5"),
        ("max_tokens = -5", "max_tokens must be at least 1, not -5"),
        ("model = 4", "model must be a string (in quotes), not 4"),
        ('provider = "opneai"', "provider: unknown provider 'opneai'"),
        ("keys = 3", "keys must be a table"),
    ],
)
def test_wrong_types_and_out_of_range_values_name_file_line_and_key(tmp_path, line, expected):
    message = load_error(tmp_path, f"# rill\n{line}\n")
    assert f"line 2: {expected}" in message


def test_unknown_keys_are_errors_with_a_suggestion(tmp_path):
    message = load_error(tmp_path, 'provider = "scripted"\nmodle = "x"\n')
    assert "line 2: unknown setting 'modle'; did you mean 'model'?" in message
    message = load_error(tmp_path, "[tools]\ntime = true\ncalculater = true\n")
    assert "line 3: unknown setting in [tools] 'calculater'; did you mean 'calculator'?" in message
    message = load_error(tmp_path, 'config_path = "/elsewhere"\n')
    assert "line 1: unknown setting 'config_path'" in message


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    message = load_error(tmp_path, 'read_timeout = 0\nmax_retries = "3"\n[keys]\nnew_chat = 5\n')
    assert "line 1: read_timeout" in message and "line 2: max_retries" in message
    assert "line 4: [keys] new_chat must be a string" in message


def test_environment_variables_are_parsed_and_checked_the_same_way():
    settings = load_settings(
        environ={
            "RILL_READ_TIMEOUT": "30",
            "RILL_MAX_RETRIES": "5",
            "RILL_MAX_TOKENS": "100",
            "RILL_PROVIDER": "scripted",
            "RILL_MODEL": "m",
        }
    )
    assert (settings.read_timeout, settings.max_retries, settings.max_tokens) == (30.0, 5, 100)
    assert (settings.provider, settings.model) == ("scripted", "m")
    for variable, value, expected in [
        ("RILL_READ_TIMEOUT", "0", "greater than 0, not 0"),
        ("RILL_READ_TIMEOUT", "nan", "a finite number, not nan"),
        ("RILL_MAX_RETRIES", "1000000000", "at most 20, not 1000000000"),
        ("RILL_MAX_TOKENS", "lots", "a whole number, not lots"),
    ]:
        with pytest.raises(ConfigError) as caught:
            load_settings(environ={variable: value})
        assert str(caught.value) == f"environment variable {variable} must be {expected}"
    with pytest.raises(ConfigError, match="RILL_PROVIDER: unknown provider 'nope'"):
        load_settings(environ={"RILL_PROVIDER": "nope"})


def test_the_environment_overrides_the_file(tmp_path):
    path = config_file(tmp_path, 'model = "from-file"\nread_timeout = 5\n')
    settings = load_settings(path, environ={"RILL_MODEL": "from-env"})
    assert (settings.model, settings.read_timeout, settings.config_path) == ("from-env", 5.0, path)


def test_check_setting_is_the_one_rule_for_flags_and_assignments():
    assert check_setting("read_timeout", 2) == 2.0
    assert check_setting("read_timeout", "2.5", from_text=True) == 2.5
    for value in (-1.0, 0.0, float("nan"), float("inf")):
        with pytest.raises(ConfigError, match=r"^--read-timeout must be"):
            check_setting("read_timeout", value, name="--read-timeout")
    with pytest.raises(ConfigError, match=r"^--max-tokens must be at least 1, not -5$"):
        check_setting("max_tokens", -5, name="--max-tokens")
    settings = Settings()
    with pytest.raises(ConfigError, match="read_timeout must be greater than 0"):
        settings.read_timeout = 0
    with pytest.raises(ConfigError, match=r"\[tools\] time must be true or false"):
        settings.tools.time = "false"  # type: ignore[assignment]
    assert settings.read_timeout == 60.0 and settings.tools.time is False


def test_a_bad_config_is_exit_status_2_with_one_line_per_problem_and_no_traceback(tmp_path, capsys):
    path = config_file(tmp_path, '[tools]\ntime = "false"\n')
    assert main(["--config", str(path), "-p", "hi", "--provider", "scripted"]) == 2
    err = capsys.readouterr().err
    assert err == f'rill: {path}, line 2: [tools] time must be true or false (without quotes), not the string "false"\n'


def test_a_bad_flag_value_is_exit_status_2(tmp_path, capsys):
    assert main(["-p", "hi", "--provider", "scripted", "--read-timeout", "0", "--no-history"]) == 2
    err = capsys.readouterr().err
    assert "must be greater than 0" in err and "Traceback" not in err


def test_secrets_stay_out_of_repr_and_public_dict():
    settings = Settings(api_key="sk-secret-123")
    assert "sk-secret-123" not in repr(settings) and "sk-secret-123" not in str(settings.public_dict())


# -- the provider factory ------------------------------------------------------------------------
def test_the_factory_builds_the_configured_provider():
    provider = make_provider(Settings(provider="scripted", model="demo"))
    assert provider.describe() == "scripted/demo"


def test_the_provider_is_chosen_by_the_key_variables_the_providers_declare(monkeypatch):
    assert Settings().resolve_provider({"ANTHROPIC_API_KEY": "k"}) == "anthropic"
    assert Settings().resolve_provider({"OPENAI_API_KEY": "k"}) == "openai"
    assert Settings().resolve_provider({}) == "local"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    provider = make_provider(Settings(read_timeout=7, max_retries=0))
    assert provider.name == "openai" and provider.api_key == "sk-env"
    assert (provider.read_timeout, provider.max_retries) == (7.0, 0)


@pytest.mark.parametrize(
    ("settings", "overrides", "expected"),
    [
        (Settings().model_copy(update={"provider": "nope"}), {}, "unknown provider 'nope'"),
        (Settings(provider="openai"), {}, "needs an API key: set OPENAI_API_KEY"),
        (Settings(provider="anthropic"), {}, "needs an API key: set ANTHROPIC_API_KEY"),
        (Settings(provider="openai", base_url="ftp://x"), {}, "must start with http"),
        (Settings(provider="scripted"), {"rate": "fast"}, "cannot set up the scripted provider"),
        (Settings(provider="local", model_path="/no/such/model.gguf"), {}, "model file not found"),
    ],
)
def test_every_failure_of_the_factory_is_one_error_type(settings, overrides, expected):
    with pytest.raises(ConfigurationError) as caught:
        make_provider(settings, **overrides)
    assert expected in caught.value.message


def test_the_factory_says_so_when_llama_cpp_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # what an install without the [local] extra sees
    with pytest.raises(ConfigurationError, match="^the local model needs .*, which is not installed; .*pip install"):
        make_provider(Settings())


def test_print_mode_without_llama_cpp_exits_2_at_once_saying_how_to_get_it():
    # a subprocess with a timeout: it must stop before streaming anything, not hang or fail mid-answer
    code = (
        "import sys; sys.modules['llama_cpp'] = None; from tui.cli import main; "
        "raise SystemExit(main(['-p', 'hi', '--no-history']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 2
    assert done.stderr.startswith("rill: the local model needs ") and "pip install" in done.stderr
    assert "OPENAI_API_KEY" in done.stderr and "Traceback" not in done.stderr
