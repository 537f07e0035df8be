"""A tiny App that hosts one of the screens package's screens, for pilots and snapshots.

The real App belongs to the app package; the screens are tested on their own by pushing them here
with the same style files the real App loads.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

STYLES = Path(__file__).resolve().parents[2] / "styles"
SCREEN_STYLES = [STYLES / "modals.tcss", STYLES / "help.tcss", STYLES / "sessions.tcss"]

_MISSING = object()


class ScreenHost(App):
    """Pushes `make_screen()` on mount and keeps what it dismisses with in `results`."""

    CSS_PATH = [path for path in SCREEN_STYLES if path.exists()]

    def __init__(self, make_screen, **kwargs) -> None:
        super().__init__(**kwargs)
        self.make_screen = make_screen
        self.results: list[object] = []

    def compose(self) -> ComposeResult:
        yield Static("chat screen behind the modal", id="behind")

    def on_mount(self) -> None:
        self.push_screen(self.make_screen(), self.results.append)

    @property
    def result(self) -> object:
        return self.results[-1] if self.results else _MISSING

    @property
    def dismissed(self) -> bool:
        return bool(self.results)


async def wait_for(pilot, condition, timeout: float = 5.0) -> None:
    """Let the app run until `condition()` is true; fail after `timeout` seconds (no fixed sleeps)."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {getattr(condition, '__doc__', '')}")
        await pilot.pause(0.01)


def screen_text(screen: Screen) -> str:
    """All text the screen's Static widgets hold, rendered plain, to assert on what a user reads."""
    import io

    from rich.console import Console
    from textual.content import Content

    parts = []
    for widget in screen.query(Static):
        content = widget.content
        if isinstance(content, (str, Content)):
            parts.append(str(getattr(content, "plain", content)))
        else:
            console = Console(width=120, file=io.StringIO(), record=True, color_system=None)
            console.print(content)
            parts.append(console.export_text())
    return "\n".join(parts)


def render_plain(renderable, width: int = 100) -> str:
    """A Rich renderable (an option's prompt) as the plain text a user would read."""
    import io

    from rich.console import Console

    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()
