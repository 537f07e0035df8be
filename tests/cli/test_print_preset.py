"""`rill -p --preset NAME`: the preset's system prompt, model, temperature and max_tokens reach the request;
flags still win; an unknown name stops with status 2 naming the known presets."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_print_mode import no_traceback, rill
from tests.stream.wire_server import Reply, WireServer, chat_body

CONFIG = """\
[presets.terse]
system = "Answer in five words."
provider = "openai"
model = "tiny-model"
temperature = 0.3
max_tokens = 64

[presets.other]
model = "x"
"""


def _config(tmp_path: Path) -> str:
    path = tmp_path / "rill.toml"
    path.write_text(CONFIG)
    return str(path)


def test_the_preset_shapes_the_request(tmp_path: Path) -> None:
    with WireServer() as server:
        server.add(Reply(body=chat_body("Five words, as you asked.")))
        proc = rill(
            "hello",
            "--config",
            _config(tmp_path),
            "--preset",
            "terse",
            "--base-url",
            server.url + "/v1",
            "--no-history",
        )
        body = server.requests[0].json
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Five words, as you asked.\n"
    assert body["model"] == "tiny-model"
    assert body["messages"][0] == {"role": "system", "content": "Answer in five words."}
    assert body["temperature"] == 0.3 and body["max_tokens"] == 64


def test_flags_win_over_the_preset(tmp_path: Path) -> None:
    with WireServer() as server:
        server.add(Reply(body=chat_body("ok")))
        proc = rill(
            "hello",
            *("--config", _config(tmp_path), "--preset", "terse", "--base-url", server.url + "/v1"),
            *("--model", "big-model", "--system", "Be long.", "--no-history"),
        )
        body = server.requests[0].json
    assert proc.returncode == 0, proc.stderr
    assert body["model"] == "big-model"
    assert body["messages"][0] == {"role": "system", "content": "Be long."}
    assert body["temperature"] == 0.3  # what the flags did not say still comes from the preset


def test_unknown_preset_exits_2_listing_the_known_ones(tmp_path: Path) -> None:
    proc = rill("hello", "--config", _config(tmp_path), "--preset", "tersе", "--provider", "scripted")
    no_traceback(proc)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "unknown preset 'tersе'; known presets: other, terse" in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_no_presets_configured(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    proc = rill("hello", "--config", str(empty), "--preset", "terse")
    assert proc.returncode == 2
    assert "unknown preset 'terse'; known presets: none (add a [presets.NAME] table to" in proc.stderr
