"""`rill -p --attach FILE` (repeatable): the files reach the request in the provider's format and are
saved with the prompt; a file that cannot be sent stops rill before anything is sent (exit 2, one line)."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest

from tests.stream.test_attachments import PNG
from tests.stream.wire_server import Reply, WireServer, chat_body
from tui.history import HistoryStore


def rill(*args: str, cwd, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", "-p", *args], capture_output=True, text=True, timeout=timeout, cwd=cwd
    )


@pytest.fixture
def files(tmp_path):
    (tmp_path / "notes.txt").write_text("line one\nline two\n")
    (tmp_path / "cat.png").write_bytes(PNG)
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02")
    return tmp_path


def test_text_and_image_reach_the_request_and_the_history(files):
    db = files / "h.db"
    with WireServer() as server:
        server.add(Reply(body=chat_body("a cat")))
        proc = rill(
            "What is this?",
            "--attach",
            "notes.txt",
            "--attach",
            "cat.png",
            "--provider",
            "openai",
            "--base-url",
            server.url + "/v1",
            "--db",
            str(db),
            cwd=files,
        )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "a cat\n"
    (user,) = server.requests[0].json["messages"]
    assert user["content"] == [
        {"type": "text", "text": "File: notes.txt\n```\nline one\nline two\n```\n\nWhat is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()}},
    ]
    with HistoryStore(db) as store:
        conversation = store.latest_conversation()
        prompt = store.thread(conversation.id)[0]
    assert [(a.name, a.media_type, a.size) for a in prompt.attachments] == [
        ("notes.txt", "text/plain", 18),
        ("cat.png", "image/png", len(PNG)),
    ]


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--attach", "missing.txt"], "rill: cannot attach missing.txt: no such file\n"),
        (["--attach", "blob.bin"], "rill: cannot attach blob.bin: it is a binary file, not text or a PNG"),
        (["--attach", "."], "rill: cannot attach .: it is a directory"),
        (
            ["--attach", "cat.png", "--provider", "local"],
            "rill: the local provider (local/SmolLM2-135M-Instruct) cannot read images (cat.png)",
        ),
    ],
)
def test_a_file_that_cannot_be_sent_exits_2_before_sending(files, extra, says):
    with WireServer() as server:
        server.add(Reply(body=chat_body("never")))
        args = ["--provider", "openai", "--base-url", server.url + "/v1", "--no-history"]
        proc = rill("What is this?", *args, *extra, cwd=files)
    assert proc.returncode == 2
    assert proc.stderr.startswith(says), proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert server.requests == []


def test_attach_without_print_mode_is_a_usage_error(files):
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "--attach", "notes.txt"], capture_output=True, text=True, timeout=60, cwd=files
    )
    assert proc.returncode == 2
    assert "--attach goes with -p" in proc.stderr
