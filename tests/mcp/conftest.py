"""Real MCP servers for the tests: `faulty_server.py` (written with the SDK, over stdio or streamable
HTTP on 127.0.0.1) and the published `mcp-server-time`, each started by the test and stopped after."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tui.config import McpSettings
from tui.mcp import McpHub

FAULTY = Path(__file__).with_name("faulty_server.py")
TIME_SERVER = str(Path(sys.executable).with_name("mcp-server-time"))


def faulty(**extra: Any) -> dict[str, Any]:
    """A `[mcp.servers.NAME]` table running the SDK test server over stdio."""
    return {"command": sys.executable, "args": [str(FAULTY)], **extra}


def time_server(**extra: Any) -> dict[str, Any]:
    """A `[mcp.servers.NAME]` table running the published mcp-server-time over stdio."""
    return {"command": TIME_SERVER, "args": ["--local-timezone", "UTC"], **extra}


def server_pids(log: Path) -> list[int]:
    """The pids the faulty server wrote to its log at each start."""
    return [int(pid) for pid in re.findall(r"faulty: starting pid=(\d+)", log.read_text())]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    return tmp_path / "logs"


@pytest.fixture
def make_hub(log_dir: Path):
    """`make_hub(name=table, ...)`: a started hub over those servers, closed after the test."""
    hubs: list[McpHub] = []

    def make(start: bool = True, **servers: dict[str, Any]) -> McpHub:
        hub = McpHub(McpSettings.model_validate({"log_dir": str(log_dir), "servers": servers}))
        hubs.append(hub)
        if start:
            hub.start()
        return hub

    yield make
    for hub in hubs:
        hub.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def http_url(tmp_path: Path):
    """The faulty server over streamable HTTP on 127.0.0.1, started for the test and stopped after."""
    port = _free_port()
    with (tmp_path / "http-server.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, str(FAULTY), "http", str(port)], stdout=log, stderr=log, env={**os.environ}
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / "http-server.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the HTTP MCP server did not come up"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:  # a test server: no need to let it finish what it was doing
        process.kill()
        process.wait(10)
