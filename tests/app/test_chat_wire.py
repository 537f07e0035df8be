"""The app against a real local HTTP server speaking OpenAI chat SSE: answers, HTTP errors, dead servers."""

from __future__ import annotations

import json
import re

from textual.widgets._toast import Toast

from tests.app.chat_helpers import make_app, send, wait_finished, wait_for
from tests.stream.wire_server import Reply, WireServer, chat_body, refused_url
from tui.stream import StreamState, get_provider


def provider_for(url: str):
    return get_provider("openai", base_url=url + "/v1", api_key="sk-test", model="test-model", max_retries=0)


async def test_streams_an_openai_answer_from_a_real_socket():
    tokens = ["Hello", " from", " **the**", " wire", ".\n\n", "```py\nx = 1\n```"]
    with WireServer() as server:
        server.add(Reply(body=chat_body(*tokens), chunks=list(range(40, 2000, 97))))
        app = make_app(provider_for(server.url))
        async with app.run_test(size=(120, 40)) as pilot:
            await send(pilot, app, "hi there")
            await wait_finished(pilot, app)
            assert app.chat.transcript.answers[-1].shown_text == "".join(tokens)
            assert app.chat.stats_view.state is StreamState.COMPLETED
            assert app.chat.stats_view.provider == "openai"
        sent = server.requests[0].json
        assert sent["messages"][-1] == {"role": "user", "content": "hi there"}


async def test_bad_key_is_a_clear_notification():
    error = {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}
    with WireServer() as server:
        server.add(Reply(status=401, content_type="application/json", body=json.dumps(error).encode()))
        app = make_app(provider_for(server.url))
        async with app.run_test(size=(120, 40)) as pilot:
            await send(pilot, app, "hi")
            await wait_finished(pilot, app)
            assert app.chat.stats_view.state is StreamState.FAILED
            notes = " ".join(n.message for n in app._notifications)
            assert "Incorrect API key" in notes or "401" in notes


async def test_server_down_is_a_clear_notification():
    app = make_app(provider_for(refused_url()))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, app, "hi")
        await wait_finished(pilot, app)
        assert app.chat.stats_view.state is StreamState.FAILED
        assert app._notifications
        assert app.chat.stats_view.note


async def test_error_text_with_markup_is_shown_literally():
    error = {"error": {"message": "bad [bold]model[/] [link=x]name[/link] [/]", "type": "invalid_request_error"}}
    with WireServer() as server:
        server.add(Reply(status=400, content_type="application/json", body=json.dumps(error).encode()))
        app = make_app(provider_for(server.url))
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await send(pilot, app, "hi")
            await wait_finished(pilot, app)
            await pilot.pause()
            assert app.chat.stats_view.state is StreamState.FAILED
            assert any("[bold]model[/]" in n.message for n in app._notifications)
            assert "[bold]model[/]" in app.chat.transcript.answers[-1].status
            await wait_for(pilot, lambda: bool(app.screen.query(Toast)), what="the toast")
            await pilot.pause()
            screen = re.sub(r"<[^>]+>", "", app.export_screenshot()).replace("&#160;", " ")
            assert screen.count("[bold]model[/]") >= 2  # in the answer's status line and in the toast


async def test_a_server_that_does_not_answer_is_said_in_the_stats_bar_while_it_waits():
    import threading

    from tui.app.widgets.stats_bar import format_stats

    hold = threading.Event()
    with WireServer() as server:
        server.add(Reply(hold=hold))  # accepts, reads the request, never answers
        provider = get_provider(
            "openai",
            base_url=server.url + "/v1",
            api_key="sk-test",
            model="test-model",
            max_retries=0,
            first_byte_timeout=60,
            wait_notice_interval=0.1,
        )
        app = make_app(provider)
        try:
            async with app.run_test(size=(160, 40)) as pilot:
                await send(pilot, app, "hi")
                await wait_for(
                    pilot, lambda: "waiting for" in format_stats(app.chat.stats_view), what="the wait to be said"
                )
                assert app.chat.stats_view.state is StreamState.CONNECTING
                await pilot.press("escape")
                await wait_finished(pilot, app)
                assert app.chat.stats_view.state is StreamState.CANCELLED
                assert "waiting for" not in format_stats(app.chat.stats_view)
        finally:
            hold.set()
