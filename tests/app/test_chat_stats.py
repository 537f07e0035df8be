"""The stats bar's text: every state, numbers when known, and a narrow fallback that keeps the numbers."""

from tui.app.updates import StatsView
from tui.app.widgets.stats_bar import format_stats
from tui.stream import StreamState


def test_idle_shows_ready_and_model():
    assert format_stats(StatsView(provider="openai", model="gpt")) == "○ ready  │  openai/gpt"


def test_streaming_numbers():
    view = StatsView(
        state=StreamState.STREAMING,
        provider="p",
        model="m",
        first_token_ms=120.4,
        tokens_per_second=45.25,
        input_tokens=12,
        output_tokens=340,
        tokens_estimated=True,
        elapsed_ms=3400,
    )
    assert format_stats(view) == "● streaming  │  p/m  │  TTFT 120 ms  │  45.2 tok/s  │  in 12 · out ~340  │  3.4 s"


def test_every_state_has_a_label():
    for state in StreamState:
        assert (state.value if state is not StreamState.IDLE else "ready") in format_stats(StatsView(state=state))


def test_narrow_drops_the_model_first():
    view = StatsView(
        state=StreamState.PAUSED,
        provider="scripted",
        model="scripted-demo",
        first_token_ms=5,
        tokens_per_second=10,
        input_tokens=1,
        output_tokens=2,
        tokens_estimated=False,
        elapsed_ms=100,
    )
    line = format_stats(view, width=60)
    assert "scripted-demo" not in line and "paused" in line and "out 2" in line


KEYS = {"pause_resume": "ctrl+s", "cancel": "esc", "help": "f1"}


def test_a_running_stream_shows_its_keys_and_a_finished_one_does_not():
    streaming = format_stats(StatsView(state=StreamState.STREAMING, provider="p", model="m"), keys=KEYS)
    assert streaming.endswith("ctrl+s pause · esc cancel")
    paused = format_stats(StatsView(state=StreamState.PAUSED, provider="p", model="m"), keys=KEYS)
    assert paused.endswith("ctrl+s resume · esc cancel")
    for state in (StreamState.IDLE, StreamState.COMPLETED, StreamState.CANCELLED, StreamState.FAILED):
        assert "esc cancel" not in format_stats(StatsView(state=state), keys=KEYS)


def test_narrow_gives_up_separators_then_the_model_then_the_key_hint_never_the_numbers():
    view = StatsView(
        state=StreamState.STREAMING,
        provider="scripted",
        model="scripted-demo",
        first_token_ms=5,
        tokens_per_second=10,
        input_tokens=1,
        output_tokens=2,
        tokens_estimated=False,
        elapsed_ms=100,
    )
    full = format_stats(view, keys=KEYS)
    assert "scripted-demo" in full and full.endswith("  │  ctrl+s pause · esc cancel")
    shortest = format_stats(view, width=1, keys=KEYS)  # below this the bar ellipsizes
    seen_without_model_with_hint = seen_without_hint = False
    for width in range(len(full), len(shortest) - 1, -1):
        line = format_stats(view, width=width, keys=KEYS)
        assert len(line) <= width and "out 2" in line  # it fits, and the numbers always stay
        if "scripted-demo" in line:
            assert "esc cancel" in line  # the model never outlives the key hint
        seen_without_model_with_hint |= "scripted-demo" not in line and "esc cancel" in line
        seen_without_hint |= "esc cancel" not in line
    assert seen_without_model_with_hint and seen_without_hint


def test_at_120_columns_a_running_stream_keeps_its_keys():
    """Separators and then the model give way before the pause/cancel keys do."""
    view = StatsView(
        state=StreamState.PAUSED,
        provider="scripted",
        model="scripted-demo",
        first_token_ms=85,
        tokens_per_second=69.2,
        input_tokens=None,
        output_tokens=34,
        elapsed_ms=900,
    )
    line = format_stats(view, width=118, keys=KEYS)
    assert line.endswith("ctrl+s resume · esc cancel") and "out ~34" in line and len(line) <= 118
