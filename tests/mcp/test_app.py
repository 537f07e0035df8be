"""MCP tools in the full-screen app (run_test pilots): a tool round with the published mcp-server-time
against the WireServer, the confirmation's "allow for this conversation", faults and cancel."""

from __future__ import annotations

import sqlite3

from tests.app.chat_helpers import make_app, send, wait_finished, wait_for
from tests.mcp.conftest import faulty, time_server
from tests.stream.wire_server import Reply, WireServer, chat_body, tool_call_body
from tui.app.screens.confirm_tool import ConfirmToolScreen
from tui.history import HistoryStore
from tui.stream import StreamEvent, StreamEventType, get_provider
from tui.stream.providers.base import Provider
from tui.stream.providers.scripted import ScriptedProvider


def rows(app):
    return list(app.chat.tools.rows.values())


def toasts(app) -> str:
    """Every notification the app has shown (still on screen or not)."""
    return "\n".join(str(notification.message) for notification in app._notifications)


async def test_mcp_server_time_in_a_tool_round_shows_in_the_pane_and_is_saved(make_hub, tmp_path):
    hub = make_hub(start=False, time=time_server(policy="allow"))
    store = HistoryStore(tmp_path / "h.db")
    with WireServer() as server:
        server.add(
            Reply(body=tool_call_body("get_current_time", {"timezone": "Asia/Tokyo"})),
            Reply(body=chat_body("It is morning in Tokyo.")),
        )
        provider = get_provider("openai", base_url=server.url + "/v1", api_key="sk-test", model="m", max_retries=0)
        app = make_app(provider, store=store, mcp=hub)
        async with app.run_test(size=(140, 40)) as pilot:
            await send(pilot, app, "what time is it in Tokyo?")
            await wait_finished(pilot, app, timeout=60)
            [row] = rows(app)
            assert (row.name, row.status) == ("get_current_time", "done")
            assert '"timezone": "Asia/Tokyo"' in row.result
            assert app.chat.transcript.answers[-1].shown_text.endswith("It is morning in Tokyo.")
    tool_message = server.requests[1].json["messages"][-1]
    assert tool_message["role"] == "tool" and "Asia/Tokyo" in tool_message["content"]
    store.close()
    parts = (
        sqlite3.connect(tmp_path / "h.db").execute("SELECT content FROM parts WHERE kind = 'tool_result'").fetchall()
    )
    assert len(parts) == 1 and "Asia/Tokyo" in parts[0][0]


class EchoEachPrompt(Provider):
    """A model that calls `echo` with each prompt, then answers once the result is back."""

    name = "echo-each"
    default_model = "echo-each-1"

    async def stream(self, request, control=None):
        yield StreamEvent(StreamEventType.START, metadata={"provider": self.name, "model": self.model})
        last = request.messages[-1]
        if last.role == "user":
            call = {"id": f"call-{len(request.messages)}", "name": "echo"}
            yield StreamEvent(StreamEventType.TOOL_CALL_START, index=0, metadata=call)
            arguments = {"text": last.content}
            yield StreamEvent(StreamEventType.TOOL_CALL, index=0, metadata={**call, "arguments": arguments})
            yield StreamEvent(StreamEventType.METADATA, metadata={"stop_reason": "tool_calls"})
        else:
            yield StreamEvent(StreamEventType.DELTA, "Done.")
        yield StreamEvent(StreamEventType.END, metadata={"complete": True})


async def test_allow_for_this_conversation_stops_asking_until_a_new_one(make_hub):
    hub = make_hub(start=False, faulty=faulty())
    app = make_app(EchoEachPrompt(), mcp=hub)
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, app, "one")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmToolScreen), 60, "the confirmation")
        assert app.screen.source == "MCP server faulty" and app.screen.tool_name == "echo"
        await pilot.press("c")
        await wait_finished(pilot, app)
        assert [(r.name, r.status, r.result) for r in rows(app)] == [("echo", "done", "echo: one")]
        await send(pilot, app, "two")  # same conversation: no question
        await wait_finished(pilot, app)
        assert [(r.status, r.result) for r in rows(app)] == [("done", "echo: two")]
        await pilot.press("ctrl+n")
        await send(pilot, app, "again")  # a new conversation asks again
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmToolScreen), 30, "the confirmation")
        await pilot.press("d")
        await wait_finished(pilot, app)
        assert [(r.status, r.result) for r in rows(app)] == [("failed", "the user denied this call")]


async def test_faults_show_in_the_pane_and_as_notifications_and_the_chat_goes_on(make_hub, log_dir):
    hub = make_hub(
        start=False,
        one=faulty(policy="allow"),
        two=faulty(policy="allow"),
        broken=faulty(env={"FAULTY_FAIL_START": "1"}),
    )
    calls = [{"name": "one__crash", "arguments": {}}, {"name": "two__echo", "arguments": {"text": "still"}}]
    app = make_app(ScriptedProvider(rate=0, tool_calls=calls, thinking=None), mcp=hub)
    async with app.run_test(size=(160, 40)) as pilot:
        await send(pilot, app, "crash one, then echo on two")
        await wait_finished(pilot, app, timeout=60)
        crash, echo = rows(app)
        assert (crash.name, crash.status) == ("one.crash", "failed"), "the readable name where names clash"
        assert crash.result == f"the MCP server 'one' stopped during the call to crash (log: {log_dir}/mcp-one.log)"
        assert (echo.name, echo.status, echo.result) == ("two.echo", "done", "echo: still")
        await wait_for(pilot, lambda: "MCP server one stopped" in toasts(app), what="the crash notice")
        await wait_for(pilot, lambda: hub.servers["one"].task.done(), what="the dead session to be torn down")
        await pilot.pause()
        crashed = "MCP server one stopped during a call to crash; its log says: faulty: crashing on purpose."
        assert toasts(app).count(crashed) == 1, "said once"
        assert "MCP server broken could not start: it exited before it answered" in toasts(app)
        assert f"Its log: {log_dir}/mcp-broken.log" in toasts(app)


async def test_cancel_during_an_mcp_call_cancels_the_call(make_hub, tmp_path):
    marker = tmp_path / "marker"
    hub = make_hub(start=False, faulty=faulty(policy="allow"))
    calls = [{"name": "hang", "arguments": {"marker": str(marker)}}]
    app = make_app(ScriptedProvider(rate=0, tool_calls=calls, thinking=None), mcp=hub)
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, app, "wait forever")
        await wait_for(pilot, lambda: marker.exists() and marker.read_text() == "started", 60, "the call to start")
        await pilot.press("escape")
        await wait_finished(pilot, app)
        assert [r.status for r in rows(app)] == ["aborted"]
        await wait_for(pilot, lambda: marker.read_text() == "cancelled", 20, "the server to see the cancel")


async def test_the_app_opens_while_a_server_starts_and_the_first_prompt_waits_for_it(make_hub, tmp_path):
    gate = tmp_path / "gate"
    hub = make_hub(start=False, slow=faulty(policy="allow", env={"FAULTY_START_GATE": str(gate)}))
    app = make_app(EchoEachPrompt(), mcp=hub)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: hub.starting == ["slow"], what="the server to be starting")
        await send(pilot, app, "hello")  # the app is up and takes a prompt while the server starts
        await wait_for(
            pilot, lambda: app.chat.stats_view.note == "waiting for MCP server slow to start", 20, "the stats bar note"
        )
        assert hub.servers["slow"].state == "starting" and rows(app) == []
        gate.touch()
        await wait_finished(pilot, app, timeout=60)
        assert [(r.name, r.status, r.result) for r in rows(app)] == [("echo", "done", "echo: hello")]
        assert app.chat.stats_view.note == ""
