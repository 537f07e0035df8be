"""`[presets.NAME]` in the config: validated with file/line messages, applied over the settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import ConfigError, load_settings

PRESETS = """\
model = "base-model"

[tools]
time = true

[presets.coder]
system = "You write Python."
provider = "scripted"
model = "scripted-mini"
temperature = 0.2
max_tokens = 512
tools = ["calculator"]

[presets."plain talk"]
system = "Answer in one sentence."
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_a_preset_replaces_what_it_names(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, PRESETS))
    coder = settings.with_preset("coder")
    assert (coder.provider, coder.model, coder.system) == ("scripted", "scripted-mini", "You write Python.")
    assert (coder.temperature, coder.max_tokens) == (0.2, 512)
    assert (coder.tools.time, coder.tools.calculator) == (False, True)  # tools = [...] is the whole list
    plain = settings.with_preset("plain talk")
    assert (plain.model, plain.system, plain.tools.time) == ("base-model", "Answer in one sentence.", True)
    assert settings.system is None and settings.tools.time  # the settings themselves are unchanged


def test_unknown_preset_names_the_known_ones(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, PRESETS))
    with pytest.raises(ConfigError, match=r"unknown preset 'cod'; known presets: coder, plain talk"):
        settings.with_preset("cod")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("temprature = 0.5", "unknown setting in [presets.bad] 'temprature'; did you mean 'temperature'?"),
        ("temperature = 3", "[presets.bad] temperature must be at most 2, not 3"),
        ('tools = ["calc"]', "unknown tool 'calc'; choose from: time, calculator, read_file"),
        ('tools = "time"', '[presets.bad] tools must be a list of names, e.g. ["time", "calculator"]'),
        ('provider = "openia"', "unknown provider 'openia'"),
        ("max_tokens = 0", "[presets.bad] max_tokens must be at least 1, not 0"),
    ],
)
def test_a_bad_preset_is_named_with_its_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = _write(tmp_path, PRESETS + f"\n[presets.bad]\nsystem = 'x'\n{line}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    text = str(caught.value)
    line_number = PRESETS.count("\n") + 4
    assert text.startswith(f"{path}, line {line_number}: "), text
    assert message in text


def test_a_preset_that_is_not_a_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"line 2: \[presets\] quick must be a table"):
        load_settings(_write(tmp_path, '[presets]\nquick = "fast"\n'))


def test_temperature_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RILL_TEMPERATURE", "0.7")
    assert load_settings(_write(tmp_path, "")).temperature == 0.7
    monkeypatch.setenv("RILL_TEMPERATURE", "9")
    with pytest.raises(ConfigError, match="RILL_TEMPERATURE must be at most 2"):
        load_settings(_write(tmp_path, ""))
