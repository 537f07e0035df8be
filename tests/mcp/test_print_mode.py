"""`rill -p`, `rill mcp list` and `rill` itself with real MCP servers, as a person runs them
(subprocesses; the app in a pty), against the suite's WireServer speaking OpenAI chat."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.mcp.conftest import alive, faulty, server_pids, time_server
from tests.stream.wire_server import Reply, WireServer, chat_body, tool_call_body


def write_config(path: Path, log_dir: Path, **servers: dict[str, Any]) -> Path:
    lines = ["[mcp]", f"log_dir = {json.dumps(str(log_dir))}", ""]
    for name, table in servers.items():
        lines.append(f"[mcp.servers.{name}]")
        for key, value in table.items():
            if isinstance(value, dict):
                inner = ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items())
                lines.append(f"{key} = {{ {inner} }}")
            else:
                lines.append(f"{key} = {json.dumps(value)}")
        lines.append("")
    path.write_text("\n".join(lines))
    return path


def rill(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


def ask(server: WireServer, config: Path, db: Path, prompt: str = "what time is it in Paris?"):
    return rill(
        "-p", prompt, "--provider", "openai", "--base-url", server.url + "/v1", "--config", str(config), "--db", str(db)
    )


def test_mcp_server_time_in_a_full_tool_round(tmp_path, log_dir):
    config = write_config(tmp_path / "c.toml", log_dir, time=time_server(policy="allow"))
    with WireServer() as server:
        server.add(
            Reply(body=tool_call_body("get_current_time", {"timezone": "Europe/Paris"})),
            Reply(body=chat_body("It is ", "evening in Paris.")),
        )
        proc = ask(server, config, tmp_path / "h.db")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "It is evening in Paris.\n"
    offered = {tool["function"]["name"] for tool in server.requests[0].json["tools"]}
    assert {"get_current_time", "convert_time"} <= offered
    result = server.requests[1].json["messages"][-1]
    assert result["role"] == "tool" and result["tool_call_id"] == "call_1"
    assert json.loads(result["content"])["timezone"] == "Europe/Paris"
    assert "[tool result] get_current_time:" in proc.stderr
    assert "Traceback" not in proc.stderr and "INFO" not in proc.stderr, "the server's stderr goes to its log"
    saved = (
        sqlite3.connect(tmp_path / "h.db").execute("SELECT content FROM parts WHERE kind = 'tool_result'").fetchall()
    )
    assert len(saved) == 1 and '"timezone": "Europe/Paris"' in saved[0][0]


def test_ask_without_a_terminal_denies_and_says_so(tmp_path, log_dir):
    config = write_config(tmp_path / "c.toml", log_dir, faulty=faulty())
    with WireServer() as server:
        server.add(Reply(body=tool_call_body("echo", {"text": "hi"})), Reply(body=chat_body("Not allowed.")))
        proc = ask(server, config, tmp_path / "h.db", "say hi")
    assert proc.returncode == 0 and proc.stdout == "Not allowed.\n"
    assert (
        'rill: echo needs your consent and there is no terminal to ask: denied (policy = "allow" in '
        "[mcp.servers.faulty] runs it without asking)"
    ) in proc.stderr
    assert server.requests[1].json["messages"][-1]["content"] == "the user denied this call"


def test_faults_give_error_results_and_a_clear_line_and_the_servers_stop(tmp_path, log_dir):
    config = write_config(
        tmp_path / "c.toml",
        log_dir,
        faulty=faulty(policy="allow"),
        broken=faulty(env={"FAULTY_FAIL_START": "1"}),
    )
    with WireServer() as server:
        server.add(Reply(body=tool_call_body("crash", {})), Reply(body=chat_body("The tool broke.")))
        proc = ask(server, config, tmp_path / "h.db", "crash it")
    assert proc.returncode == 0 and proc.stdout == "The tool broke.\n"
    assert (
        "rill: MCP server broken could not start: it exited before it answered; its log says: faulty: cannot "
        f"open the database /nowhere/db.sqlite (its log: {log_dir}/mcp-broken.log)"
    ) in proc.stderr
    failure = f"the MCP server 'faulty' stopped during the call to crash (log: {log_dir}/mcp-faulty.log)"
    assert f"[tool failed] crash: {failure}" in proc.stderr
    assert server.requests[1].json["messages"][-1]["content"] == failure
    assert "crashing on purpose" not in proc.stderr
    for log in log_dir.glob("mcp-*.log"):
        assert not any(alive(pid) for pid in server_pids(log)), f"{log.name}: a server outlived rill"


def test_no_tools_starts_no_server(tmp_path, log_dir):
    config = write_config(tmp_path / "c.toml", log_dir, faulty=faulty(policy="allow"))
    with WireServer() as server:
        server.add(Reply(body=chat_body("Plain.")))
        proc = rill(
            "-p", "hi", "--no-tools", "--provider", "openai", "--base-url", server.url + "/v1", "--config", str(config)
        )
    assert proc.returncode == 0 and proc.stdout == "Plain.\n"
    assert "tools" not in server.requests[0].json and not log_dir.exists()


def test_mcp_list_shows_state_tools_policy_and_log(tmp_path, log_dir):
    config = write_config(
        tmp_path / "c.toml",
        log_dir,
        time=time_server(policy="allow", tools={"convert_time": "deny", "no_such_tool": "ask"}),
        broken=faulty(env={"FAULTY_FAIL_START": "1"}),
        off=faulty(enabled=False),
    )
    proc = rill("mcp", "list", "--config", str(config))
    assert proc.returncode == 1, "a server that cannot start makes the listing fail"
    out = proc.stdout
    assert "time: ready - 2 tools\n" in out
    assert f"  log:    {log_dir}/mcp-time.log\n" in out
    assert "    get_current_time  allow  Get current time in a specific timezone" in out
    assert "    convert_time      deny   (not offered)" in out
    assert "the config sets a policy for tools this server does not have: no_such_tool" in out
    assert "broken: failed - it exited before it answered; its log says: faulty: cannot open the database" in out
    assert "off: disabled" in out
    listing = json.loads(rill("mcp", "list", "--json", "--config", str(config)).stdout)
    assert [entry["state"] for entry in listing] == ["ready", "failed", "disabled"]
    assert listing[0]["tools"][0] == {
        "name": "get_current_time",
        "label": "get_current_time",
        "policy": "allow",
        "description": "Get current time in a specific timezone",
    }


def test_mcp_list_with_no_servers_and_with_a_bad_config(tmp_path):
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    proc = rill("mcp", "list", "--config", str(empty))
    assert proc.returncode == 0 and proc.stdout.startswith("No MCP servers configured: add [mcp.servers.NAME]")
    bad = tmp_path / "bad.toml"
    bad.write_text('[mcp.servers.time]\ncommand = "x"\npolicy = "sometimes"\n')
    proc = rill("mcp", "list", "--config", str(bad))
    assert proc.returncode == 2
    assert proc.stderr == (
        f"rill: {bad}, line 3: [mcp.servers.time] policy must be 'ask', 'allow' or 'deny', "
        'not the string "sometimes"\n'
    )


def test_the_terminal_question_names_the_tool_as_shown_and_its_server():
    from types import SimpleNamespace

    from tui.cli.print_session import consent_question
    from tui.stream.messages import ToolCall

    call = ToolCall(id="c1", name="time__get_current_time", arguments={"timezone": "Asia/Tokyo\x1b[2J"})
    tool = SimpleNamespace(label="time.get_current_time", source="MCP server time")
    assert consent_question(call, tool) == (
        'rill: allow time.get_current_time({"timezone": "Asia/Tokyo\\u001b[2J"}) from the MCP server time? [y/N] '
    )


def test_the_app_starts_the_servers_and_stops_them_when_it_quits(tmp_path, log_dir):
    """`rill` in a real terminal (a pty): the servers start with it and are gone once ctrl+q has quit."""
    import os
    import pty
    import select
    import time

    config = write_config(tmp_path / "c.toml", log_dir, faulty=faulty())
    log = log_dir / "mcp-faulty.log"
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    command = [
        sys.executable,
        "-m",
        "tui",
        "--provider",
        "scripted",
        "--config",
        str(config),
        "--db",
        str(tmp_path / "h.db"),
    ]
    proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    try:
        deadline = time.monotonic() + 60
        while not (log.exists() and "] ready: " in log.read_text()):
            assert time.monotonic() < deadline and proc.poll() is None, "the server did not start with the app"
            if select.select([master], [], [], 0.2)[0]:
                os.read(master, 65536)  # keep the terminal drained
        [pid] = server_pids(log)
        assert alive(pid)
        while proc.poll() is None and time.monotonic() < deadline:
            os.write(master, b"\x11")  # ctrl+q
            if select.select([master], [], [], 0.5)[0]:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert not alive(pid), "the server outlived the app"
    assert log.read_text().rstrip().endswith("stopped")


def test_clashing_names_are_shown_as_server_dot_tool_and_sent_wire_safe(tmp_path, log_dir):
    config = write_config(tmp_path / "c.toml", log_dir, one=faulty(policy="allow"), two=faulty(policy="allow"))
    with WireServer() as server:
        server.add(Reply(body=tool_call_body("two__echo", {"text": "x"})), Reply(body=chat_body("Two said x.")))
        proc = ask(server, config, tmp_path / "h.db", "ask two")
    assert proc.returncode == 0 and proc.stdout == "Two said x.\n"
    offered = {tool["function"]["name"] for tool in server.requests[0].json["tools"]}
    assert {"one__echo", "two__echo", "one__weather", "two__weather"} <= offered
    assert '[tool call] two.echo({"text": "x"}) id=call_1' in proc.stderr
    assert "[tool result] two.echo: echo: x" in proc.stderr
    assert server.requests[1].json["messages"][-1]["content"] == "echo: x"
