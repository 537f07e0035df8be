"""One line of live numbers about the current stream: state, title, model, TTFT, tokens/s, tokens, elapsed.

The worker computes the numbers (`StatsView`); this widget only formats them, so an update is cheap
and the formatting is a pure function that tests can call directly.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.app.model_warmup import LOADING
from tui.app.updates import StatsView
from tui.stream import StreamState

STATE_ICONS = {
    StreamState.IDLE: "○",
    StreamState.CONNECTING: "◌",
    StreamState.STREAMING: "●",
    StreamState.PAUSED: "‖",
    StreamState.COMPLETED: "✓",
    StreamState.CANCELLED: "■",
    StreamState.FAILED: "✗",
    StreamState.INTERRUPTED: "⚠",
}
IDLE_LABEL = "ready"
TITLE_WIDTH = 40  # a longer conversation title is cut with "…"


def format_stats(view: StatsView, width: int | None = None, keys: dict[str, str] | None = None, title: str = "") -> str:
    """One line. `keys` (action -> key label) adds the stream's controls while one runs; `title` is the
    open conversation's. When `width` is too small, the separators shrink first, then the title goes,
    then the provider/model, then the key hint; the numbers always stay."""
    parts = _parts(view)
    hint = _hint(view.state, keys or {})
    without_model = [parts[0], *parts[2:]] if len(parts) > 2 and (view.provider or view.model) else parts
    titled = [parts[0], f"“{_clip(title)}”", *parts[1:]] if title.strip() else parts
    if hint:
        choices = [[*titled, hint], [*parts, hint], [*without_model, hint], without_model]
    else:
        choices = [titled, parts, without_model]
    candidates = [sep.join(shown) for shown in choices for sep in ("  │  ", " │ ")]
    if width is None:
        return candidates[0]
    return next((line for line in candidates if len(line) <= width), candidates[-1])


def _clip(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1].rstrip() + "…"


def _hint(state: StreamState, keys: dict[str, str]) -> str:
    """The stream's own keys, shown here (not in the footer) only while they do something."""
    if not state.active:
        return ""
    hints = [
        f"{keys['pause_resume']} {'resume' if state is StreamState.PAUSED else 'pause'}"
        if keys.get("pause_resume")
        else "",
        f"{keys['cancel']} cancel" if keys.get("cancel") else "",
    ]
    return " · ".join(h for h in hints if h)


def _parts(view: StatsView) -> list[str]:
    label = IDLE_LABEL if view.state is StreamState.IDLE else view.state.value
    note = view.note
    if note.startswith(LOADING) and view.state in (StreamState.IDLE, StreamState.CONNECTING):
        label, note = note, ""  # "◌ loading model 2.1 s of ~5.4 s" says more than "connecting"
    parts = [f"{STATE_ICONS[view.state]} {label}"]
    if view.provider or view.model:
        parts.append("/".join(p for p in (view.provider, view.model) if p))
    if view.state is not StreamState.IDLE:
        parts.append("TTFT " + (f"{view.first_token_ms:.0f} ms" if view.first_token_ms is not None else "–"))
        parts.append((f"{view.tokens_per_second:.1f}" if view.tokens_per_second is not None else "–") + " tok/s")
        approx = "~" if view.tokens_estimated else ""
        tokens_in = "–" if view.input_tokens is None else str(view.input_tokens)
        tokens_out = "–" if view.output_tokens is None else f"{approx}{view.output_tokens}"
        parts.append(f"in {tokens_in} · out {tokens_out}")
        parts.append(f"{view.elapsed_ms / 1000:.1f} s")
    if note:
        parts.append(note)
    return parts


class StatsBar(Widget):
    stats: reactive[StatsView] = reactive(StatsView, layout=False)
    conversation_title: reactive[str] = reactive("", layout=False)  # the open conversation's (sanitised)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # action -> key label, for the pause/cancel hint. The footer does not list those keys: showing
        # them there only while a stream runs would rebuild the footer twice per stream (~25 ms each).
        self.keys: dict[str, str] = {}

    def on_resize(self) -> None:
        self.refresh()

    def render(self) -> Text:
        return Text(
            format_stats(self.stats, self.content_size.width or None, self.keys, self.conversation_title),
            no_wrap=True,
            overflow="ellipsis",
        )

    def watch_stats(self, old: StatsView, new: StatsView) -> None:
        if old.state is not new.state or not self.has_class(f"-{new.state.value}"):
            for state in StreamState:
                self.set_class(new.state is state, f"-{state.value}")
