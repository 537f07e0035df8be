"""Flag values that cannot be used are usage errors (exit 2) naming the flag and the value, before anything starts."""

from __future__ import annotations

import pytest

from tui.cli import main


def usage_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.out == ""
    return captured.err.strip().splitlines()[-1]


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "soon"])
def test_read_timeout_must_be_a_positive_number(capsys, value):
    line = usage_error(capsys, ["-p", "x", "--provider", "scripted", "--no-history", "--read-timeout", value])
    assert "--read-timeout" in line and value in line


@pytest.mark.parametrize("value", ["-5", "0", "²", "1.5"])
def test_max_tokens_must_be_a_whole_number_above_zero(capsys, value):
    line = usage_error(capsys, ["-p", "x", "--provider", "scripted", "--no-history", "--max-tokens", value])
    assert "--max-tokens" in line and value in line


@pytest.mark.parametrize("url", ["http://127.0.0.1:181910/v1", "localhost:8080", "http:///v1", "ftp://host/v1"])
def test_a_bad_base_url_is_a_usage_error_naming_it(capsys, url):
    line = usage_error(capsys, ["-p", "x", "--provider", "openai", "--no-history", "--base-url", url])
    assert "--base-url" in line and url in line


def test_a_bad_base_url_from_the_config_file_is_a_usage_error_too(capsys, tmp_path):
    config = tmp_path / "rill.toml"
    config.write_text('provider = "openai"\nbase_url = "http://127.0.0.1:181910/v1"\n')
    line = usage_error(capsys, ["-p", "x", "--no-history", "--config", str(config)])
    assert "http://127.0.0.1:181910/v1" in line and "port" in line


@pytest.mark.parametrize("value", ["99999999999999999999999", "²", "-3", "0", "1e3", "abc"])
def test_cid_must_be_a_conversation_id(capsys, value):
    line = usage_error(capsys, ["-p", "x", "--provider", "scripted", "--cid", value])
    assert "--cid" in line and "not a conversation id" in line


@pytest.mark.parametrize("command", ["show", "export"])
@pytest.mark.parametrize("value", ["99999999999999999999999", "²", "٣"])
def test_show_and_export_ids_are_checked(capsys, tmp_path, command, value):
    line = usage_error(capsys, [command, value, "--db", str(tmp_path / "h.db")])
    assert "not a conversation id" in line


@pytest.mark.parametrize("value", ["-5", "0", "many"])
def test_history_limit_must_be_positive(capsys, tmp_path, value):
    line = usage_error(capsys, ["history", "--limit", value, "--db", str(tmp_path / "h.db")])
    assert "--limit" in line and repr(value) in line
