"""`[mcp.servers.NAME]` in the config: what loads, and a clear file/line message for every mistake."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tui.config import ConfigError, load_settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mcp.md"


def load(tmp_path: Path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ={})


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    message = str(caught.value)
    prefix = f"{tmp_path / 'config.toml'}, "
    assert message.startswith(prefix), message
    return message.removeprefix(prefix)


def test_the_documented_example_loads(tmp_path):
    example = re.search(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert example
    mcp = load(tmp_path, example.group(1)).mcp
    time, search = mcp.servers["time"], mcp.servers["search"]
    assert (time.command, time.args, time.policy, time.tools) == (
        "mcp-server-time",
        ["--local-timezone", "UTC"],
        "allow",
        {"convert_time": "ask"},
    )
    assert (time.timeout, time.startup_timeout, time.env, time.cwd) == (30, 20, {"TZ": "UTC"}, "~/work")
    assert (search.url, search.enabled, search.policy) == ("https://mcp.example.com/mcp", False, "ask")
    assert mcp.log_path == Path("~/logs/rill").expanduser()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'model = "m"\n\n[mcp.servers.a]\ncommand = "x"\nurl = "http://h/mcp"\n',
            'line 3: [mcp.servers.a]: give either command = "..." (a local server) or url = "http..." (a remote one)',
        ),
        ('[mcp.servers.a]\nargs = ["x"]\n', "line 1: [mcp.servers.a]: give either command"),
        (
            '[mcp.servers.a]\ncommand = "x"\npolicy = "maybe"\n',
            "line 3: [mcp.servers.a] policy must be 'ask', 'allow' or 'deny', not the string \"maybe\"",
        ),
        (
            '[mcp.servers.a]\ncommand = "x"\n\n[mcp.servers.a.tools]\nfetch = "never"\n',
            "line 5: [mcp.servers.a.tools] fetch must be 'ask', 'allow' or 'deny', not the string \"never\"",
        ),
        (
            '[mcp.servers.a]\ncommand = "x"\ncommnd = "y"\n',
            "line 3: unknown setting in [mcp.servers.a] 'commnd'; did you mean 'command'?",
        ),
        ("[mcp]\nserver = 1\n", "line 2: unknown setting in [mcp] 'server'; did you mean 'servers'?"),
        (
            '[mcp.servers."a.b"]\ncommand = "x"\n',
            "line 1: [mcp.servers.a.b]: the server name 'a.b' may only use letters, digits, _ and -",
        ),
        ('[mcp.servers.a]\ncommand = "x"\nenv = { A = 1 }\n', "line 3: [mcp.servers.a] env.A must be a string"),
        ('[mcp.servers.a]\nurl = "ftp://h"\n', "line 1: [mcp.servers.a]: url 'ftp://h' must start with http://"),
        (
            '[mcp.servers.a]\nurl = "http://h/mcp"\nargs = ["x"]\n',
            "line 1: [mcp.servers.a]: args, env and cwd are for a command; a url server takes headers",
        ),
        ('[mcp.servers.a]\ncommand = "x"\ntimeout = 0\n', "line 3: [mcp.servers.a] timeout must be greater than 0"),
        ('[mcp.servers.a]\ncommand = "x"\nargs = "--y"\n', "line 3: [mcp.servers.a] args must be"),
    ],
)
def test_mistakes_name_the_file_line_and_key(tmp_path, text, expected):
    assert error(tmp_path, text).startswith(expected)


def test_header_values_are_secrets(tmp_path):
    from tui.stream.secrets import redact

    settings = load(
        tmp_path,
        '[mcp.servers.a]\nurl = "http://h/mcp"\nheaders = { X-Token = "tok-1234567890" }\n\n'
        '[mcp.servers.b]\ncommand = "x"\nenv = { GITHUB_TOKEN = "ghp-0987654321" }\n',
    )
    assert redact("sent tok-1234567890") == "sent [redacted]"
    for shown in (repr(settings), str(settings.public_dict())):
        assert "tok-1234567890" not in shown and "ghp-0987654321" not in shown
    assert settings.public_dict()["mcp"]["servers"]["a"]["url"] == "http://h/mcp"
