"""How the chat screen looks, pinned: frozen clock (TTFT, elapsed, tool durations), fixed providers.

Review the SVGs under __snapshots__ when they change: each must show what its name says.
"""

from __future__ import annotations

from tests.app.chat_helpers import GatedProvider, frozen_clock, make_app, markdown, send, wait_finished, wait_for
from tui.builtin_tools import calculator
from tui.stream.providers.scripted import ScriptedProvider

CALLS = [{"name": "calculator", "arguments": {"expression": "6 * 7"}}, {"name": "current_time", "arguments": {}}]
ANSWER = """## Result

The calculator says **42**.

```python
print(6 * 7)
```

- checked twice
- no `eval` used"""
PARTIAL = (
    "Streams can be paused and resumed. While paused, bytes keep arriving into a bounded buffer, "
    "so nothing is lost and the server does not time out. Cancel keeps the partial answer."
)


def pinned_current_time() -> str:
    """Stands in for current_time with a fixed answer, so the snapshot does not change each day."""
    return "2026-01-01T12:00:00+00:00"


pinned_current_time.__name__ = "current_time"


def tools_app():
    def reply(request):
        return ANSWER

    provider = ScriptedProvider(rate=0, tool_calls=CALLS, reply=reply)
    return make_app(provider, tools=[calculator, pinned_current_time], clock=frozen_clock)


async def _finish(pilot, text="what is 6 * 7?"):
    app = pilot.app
    await send(pilot, app, text)
    await wait_finished(pilot, app)
    await pilot.pause()


def test_empty_chat(snap_compare):
    assert snap_compare(make_app(clock=frozen_clock), terminal_size=(120, 36))


def test_finished_answer_with_thinking_and_two_tool_calls(snap_compare):
    assert snap_compare(tools_app(), terminal_size=(140, 40), run_before=_finish)


def test_narrow_terminal(snap_compare):
    assert snap_compare(tools_app(), terminal_size=(80, 24), run_before=_finish)


def _gated():
    return GatedProvider(PARTIAL + " " + PARTIAL, first=30, thinking="Explain pause, then resume.")


def test_paused_stream(snap_compare):
    provider = _gated()

    async def run_before(pilot):
        app = pilot.app
        await send(pilot, app, "explain pausing")
        await wait_for(
            pilot,
            lambda: provider.reached.is_set() and app.chat.transcript.answers[-1].text.count(" ") >= 29,
            what="30 tokens",
        )
        await pilot.press("ctrl+s")
        ticks = app.chat.stats_ticks
        await wait_for(pilot, lambda: app.chat.stats_ticks >= ticks + 2, what="stats ticks")
        await pilot.pause()

    assert snap_compare(make_app(provider, clock=frozen_clock), terminal_size=(120, 36), run_before=run_before)


def test_cancelled_answer(snap_compare):
    provider = _gated()

    async def run_before(pilot):
        app = pilot.app
        await send(pilot, app, "explain cancelling")
        await wait_for(
            pilot,
            lambda: provider.reached.is_set() and app.chat.transcript.answers[-1].text.count(" ") >= 29,
            what="30 tokens",
        )
        await pilot.press("escape")
        await wait_finished(pilot, app)
        await pilot.pause()

    assert snap_compare(make_app(provider, clock=frozen_clock), terminal_size=(120, 36), run_before=run_before)


def test_error_notification(snap_compare):
    provider = ScriptedProvider(
        rate=0, fail_after=4, failure="api_error", thinking=None, text="This answer breaks after four words."
    )
    assert snap_compare(
        make_app(provider, clock=frozen_clock),
        terminal_size=(120, 36),
        run_before=lambda pilot: _finish(pilot, "break please"),
    )


def _long_app():
    return make_app(ScriptedProvider(rate=0, text=markdown(8), thinking=None), clock=frozen_clock)


def test_long_answer(snap_compare):
    """A long Markdown answer followed to its end: heading, nested list, table, code, quote, literal brackets."""
    assert snap_compare(_long_app(), terminal_size=(120, 36), run_before=lambda pilot: _finish(pilot, "long"))


def test_long_answer_at_80x24(snap_compare):
    """80x24: the transcript takes the height; no empty panes below it."""
    assert snap_compare(_long_app(), terminal_size=(80, 24), run_before=lambda pilot: _finish(pilot, "long"))


def test_cancelled_long_answer(snap_compare):
    """The state of a long answer shows where it ends (and in the stats bar), not only above it."""
    provider = GatedProvider(markdown(8), first=300)

    async def run_before(pilot):
        app = pilot.app
        await send(pilot, app, "long, then cancel")
        await wait_for(
            pilot,
            lambda: (
                provider.reached.is_set() and app.chat.transcript.answers[-1].text == "".join(provider.tokens[:300])
            ),
            what="300 tokens",
        )
        await pilot.press("escape")
        await wait_finished(pilot, app)
        await pilot.pause()

    assert snap_compare(make_app(provider, clock=frozen_clock), terminal_size=(120, 36), run_before=run_before)


def test_new_text_below_mark(snap_compare):
    """Scrolled up while the answer goes on: the mark at the bottom says there is more (end follows)."""
    provider = GatedProvider(markdown(8), first=100)

    async def run_before(pilot):
        app = pilot.app
        await send(pilot, app, "long")
        transcript = app.chat.transcript
        await wait_for(pilot, lambda: provider.reached.is_set() and transcript.max_scroll_y > 0, what="the gate")
        transcript.scroll_home(animate=False)
        await pilot.pause()
        provider.gate.set()
        await wait_finished(pilot, app)
        await pilot.pause()

    assert snap_compare(make_app(provider, clock=frozen_clock), terminal_size=(120, 36), run_before=run_before)
