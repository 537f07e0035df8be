"""The hub against real MCP servers: results of every kind, and every fault a server can have."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from tests.mcp.conftest import alive, faulty, server_pids, time_server
from tui.mcp import McpHub, mcp_tools
from tui.mcp.tools import McpTool


async def tools_of(hub: McpHub, taken: list[str] | None = None) -> dict[str, McpTool]:
    return {tool.label: tool for tool in await mcp_tools(hub, taken or [])}


async def test_start_returns_at_once_and_tools_wait_for_the_servers(make_hub):
    hub = make_hub(start=False, time=time_server(), faulty=faulty())
    hub.start()
    assert set(hub.starting) == {"time", "faulty"}, "start() does not wait for a server"
    tools = await tools_of(hub)
    assert hub.starting == []
    assert {"get_current_time", "convert_time", "echo", "weather", "picture", "hang"} <= set(tools)
    assert hub.servers["time"].state == "ready"


async def test_results_text_structured_image_and_resource_link(make_hub):
    hub = make_hub(faulty=faulty())
    tools = await tools_of(hub)
    echo = await tools["echo"].run({"text": "hi"})
    assert (echo.content, echo.is_error) == ("echo: hi", False)
    weather = await tools["weather"].run({"city": "Oslo"})
    assert '"temperature_c": 21' in weather.content
    picture = await tools["picture"].run({})
    assert picture.content.splitlines() == [
        "Here is the chart.",
        "[image: image/png, 2.0 KB]",
        "[resource link: sales.csv <file:///data/sales.csv> (text/csv, 1.2 KB)]",
    ]


async def test_an_error_result_is_an_error_for_the_model(make_hub):
    hub = make_hub(faulty=faulty())
    result = await (await tools_of(hub))["broken"].run({})
    assert result.is_error and "the database is on fire" in result.content


async def test_a_server_that_cannot_start_says_why_and_the_others_go_on(make_hub, log_dir):
    hub = make_hub(
        gone={"command": "no-such-mcp-server-anywhere"},
        dying=faulty(env={"FAULTY_FAIL_START": "1"}),
        time=time_server(),
    )
    tools = await tools_of(hub)
    assert "get_current_time" in tools
    assert hub.servers["gone"].state == "failed"
    assert "cannot run 'no-such-mcp-server-anywhere': no such command" in str(hub.servers["gone"].error)
    dying = hub.servers["dying"]
    assert dying.state == "failed"
    assert dying.error == (
        "it exited before it answered; its log says: faulty: cannot open the database /nowhere/db.sqlite"
    )
    assert dying.log_path == log_dir / "mcp-dying.log"


async def test_a_server_that_never_answers_the_handshake_fails_at_its_startup_timeout(make_hub, tmp_path):
    mute = tmp_path / "mute.py"
    mute.write_text("import time\ntime.sleep(600)\n")
    hub = make_hub(mute={"command": sys.executable, "args": [str(mute)], "startup_timeout": 1})
    assert await tools_of(hub) == {}
    assert hub.servers["mute"].state == "failed"
    assert hub.servers["mute"].error == "it did not start within 1 s"


async def test_a_hanging_call_ends_at_the_timeout_with_an_error_and_is_cancelled(make_hub, tmp_path):
    hub = make_hub(faulty=faulty(timeout=1))
    marker = tmp_path / "marker"
    result = await (await tools_of(hub))["hang"].run({"marker": str(marker)})
    assert result.is_error
    assert result.content == "the MCP server 'faulty' did not answer hang within 1 s; the call was cancelled"
    await wait_until(lambda: marker.read_text() == "cancelled")
    after = await (await tools_of(hub))["echo"].run({"text": "still here"})
    assert after.content == "echo: still here", "a timeout does not cost the session"


async def test_cancelling_the_caller_cancels_the_call_on_the_server(make_hub, tmp_path):
    hub = make_hub(faulty=faulty())
    marker = tmp_path / "marker"
    call = asyncio.ensure_future((await tools_of(hub))["hang"].run({"marker": str(marker)}))
    await wait_until(lambda: marker.exists() and marker.read_text() == "started")
    call.cancel()
    await asyncio.gather(call, return_exceptions=True)
    assert call.cancelled()
    await wait_until(lambda: marker.read_text() == "cancelled")


async def test_a_crash_mid_call_is_an_error_result_and_the_server_restarts_for_the_next_exchange(make_hub, log_dir):
    hub = make_hub(faulty=faulty())
    tools = await tools_of(hub)
    result = await tools["crash"].run({})
    assert result.is_error
    assert result.content == f"the MCP server 'faulty' stopped during the call to crash (log: {log_dir}/mcp-faulty.log)"
    server = hub.servers["faulty"]
    assert server.state == "crashed" and "faulty: crashing on purpose" in str(server.error)
    later = await tools["echo"].run({"text": "x"})
    assert later.is_error and "is not running: crashed" in later.content
    again = await tools_of(hub)  # the next exchange: the server is started again
    assert server.state == "ready"
    assert (await again["echo"].run({"text": "back"})).content == "echo: back"
    assert len(server_pids(log_dir / "mcp-faulty.log")) == 2


async def test_stderr_goes_to_the_log_never_to_the_terminal_and_close_stops_the_servers(log_dir, capfd):
    from tui.config import McpSettings

    hub = McpHub(McpSettings.model_validate({"log_dir": str(log_dir), "servers": {"faulty": faulty()}}))
    hub.start()
    await tools_of(hub)
    hub.close()
    log = (log_dir / "mcp-faulty.log").read_text()
    assert "faulty: starting pid=" in log and "] ready: 7 tools" in log and log.rstrip().endswith("stopped")
    assert "faulty" not in capfd.readouterr().err
    assert not any(alive(pid) for pid in server_pids(log_dir / "mcp-faulty.log"))
    assert hub.servers["faulty"].state == "stopped"


async def test_streamable_http_results_and_faults(make_hub, http_url, tmp_path):
    hub = make_hub(web={"url": http_url, "timeout": 1, "headers": {"X-Test": "yes"}})
    tools = await tools_of(hub)
    assert hub.servers["web"].state == "ready"
    assert (await tools["echo"].run({"text": "over http"})).content == "echo: over http"
    assert (await tools["header"].run({"name": "X-Test"})).content == "yes", "the configured headers are sent"
    assert "[image: image/png, 2.0 KB]" in (await tools["picture"].run({})).content
    assert (await tools["broken"].run({})).is_error
    marker = tmp_path / "marker"
    hung = await tools["hang"].run({"marker": str(marker)})
    assert hung.is_error and "did not answer hang within 1 s" in hung.content
    crashed = await tools["crash"].run({})
    assert crashed.is_error and crashed.content.startswith("the MCP server 'web' stopped during the call to crash")
    assert hub.servers["web"].state == "crashed"


async def test_an_http_server_that_is_not_there_fails_to_start(make_hub):
    hub = make_hub(web={"url": "http://127.0.0.1:9/mcp", "startup_timeout": 10})
    assert await tools_of(hub) == {}
    assert hub.servers["web"].state == "failed"
    assert str(hub.servers["web"].error).startswith("cannot connect to http://127.0.0.1:9/mcp: ")


async def test_clashing_names_become_server_dot_tool_with_a_wire_safe_name(make_hub):
    hub = make_hub(one=faulty(), two=faulty(tools={"hang": "deny"}))
    tools = await mcp_tools(hub, ["echo_unique", "weather"])
    by_label = {tool.label: tool for tool in tools}
    assert by_label["one.echo"].name == "one__echo" and by_label["two.echo"].name == "two__echo"
    assert by_label["one.weather"].name == "one__weather", "a built-in tool of that name keeps it"
    assert by_label["hang"].server == "one", "two's hang is denied, so one's does not clash and keeps its name"
    assert "two.hang" not in by_label and "one.hang" not in by_label
    assert all(".".join(t.name.split("__", 1)) == t.label for t in tools if "." in t.label)
    assert (await by_label["two.echo"].run({"text": "2"})).content == "echo: 2"


async def test_policy_per_server_and_per_tool(make_hub):
    hub = make_hub(faulty=faulty(policy="allow", tools={"crash": "deny", "hang": "ask"}))
    tools = await tools_of(hub)
    assert "crash" not in tools, "a denied tool is not offered to the model"
    assert tools["hang"].requires_confirmation and not tools["echo"].requires_confirmation
    default = make_hub(other=faulty())
    assert all(t.requires_confirmation for t in await mcp_tools(default)), "MCP tools ask by default"


async def wait_until(predicate, timeout: float = 20.0) -> None:
    for _ in range(int(timeout / 0.05)):
        try:
            if predicate():
                return
        except OSError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never came true")


def test_disabled_servers_are_not_started(make_hub):
    hub = make_hub(off=faulty(enabled=False))
    assert hub.servers["off"].state == "disabled" and hub.starting == []
    assert asyncio.run(mcp_tools(hub)) == []
    assert not Path(hub.servers["off"].log_path).exists()


async def test_asking_for_tools_starts_a_hub_not_started_and_a_closed_hub_answers_at_once(make_hub):
    hub = make_hub(start=False, faulty=faulty())
    assert "echo" in await tools_of(hub)
    hub.close()
    assert await tools_of(hub) == {}
    closed = await hub.call("faulty", "echo", {"text": "x"}, 5)
    assert closed.is_error and closed.content == "the MCP server 'faulty' is not running; echo was not called"


def test_closing_while_a_server_starts_does_not_wait_for_its_start(make_hub, tmp_path, log_dir):
    hub = make_hub(slow=faulty(env={"FAULTY_START_GATE": str(tmp_path / "never")}, startup_timeout=600))
    for _ in range(600):  # until its process is up (it then waits for the gate, forever)
        if (log_dir / "mcp-slow.log").exists() and server_pids(log_dir / "mcp-slow.log"):
            break
        time.sleep(0.05)
    [pid] = server_pids(log_dir / "mcp-slow.log")
    began = time.monotonic()
    hub.close(timeout=30)
    assert time.monotonic() - began < 20, "a start in progress is cancelled, not waited for until close gives up"
    assert hub.servers["slow"].state == "stopped" and not alive(pid)
