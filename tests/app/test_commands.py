"""Command palette: every bound action and every provider switch is listed, and choosing one runs it."""

from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette
from textual.widgets import Footer, Input

from tests.app.screen_host import wait_for
from tui.app.commands import RillCommands
from tui.app.keymap import apply_keymap
from tui.stream.providers import PROVIDERS


class PaletteApp(App):
    COMMANDS = App.COMMANDS | {RillCommands}
    BINDINGS = apply_keymap(
        [
            Binding("ctrl+s", "pause", "Pause/resume"),
            Binding("ctrl+n", "new_chat", "New chat"),
            Binding("ctrl+r", "sessions", "Sessions"),
            Binding("up", "select_part(-1)", "Previous part", show=False),
            Binding("ctrl+z", "hidden_thing", show=False),
        ],
        {"sessions": "f3"},
    ).bindings

    def __init__(self):
        super().__init__()
        self.calls: list[str] = []

    def compose(self):
        yield Input(id="prompt")
        yield Footer()

    def action_pause(self):
        self.calls.append("pause")

    def action_new_chat(self):
        self.calls.append("new_chat")

    def action_sessions(self):
        self.calls.append("sessions")

    def action_select_part(self, step: int):
        self.calls.append(f"select_part({step})")

    def action_hidden_thing(self):
        self.calls.append("hidden_thing")

    async def switch_provider(self, name: str):
        self.calls.append(f"provider:{name}")


async def discovered(app) -> dict[str, str]:
    provider = RillCommands(app.screen)
    return {hit.text: hit.help async for hit in provider.discover()}


async def test_every_binding_and_provider_is_listed():
    app = PaletteApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.focused, Input)  # the focused input's editing keys must not be listed
        entries = await discovered(app)
        for title in ("Pause/resume", "New chat", "Sessions", "Previous part", "Hidden thing"):
            assert title in entries
        assert entries["Sessions"].startswith("f3 ") and "ctrl+r" not in entries["Sessions"]
        assert entries["Pause/resume"].startswith("ctrl+s ")
        assert not any("palette" in title.lower() for title in entries)
        for name in PROVIDERS:
            assert f"Switch provider: {name}" in entries
        assert not any("cursor" in title.lower() or "delete" in title.lower() for title in entries)


async def choose(app, pilot, query: str) -> None:
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*query)
    palette = app.screen

    def has_hits():
        from textual.widgets import OptionList

        return palette.query_one(OptionList).option_count > 0

    await wait_for(pilot, has_hits)
    await pilot.press("down", "enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette))


async def test_choosing_an_action_runs_it():
    app = PaletteApp()
    async with app.run_test() as pilot:
        await choose(app, pilot, "pause/res")
        await wait_for(pilot, lambda: app.calls)
        assert app.calls == ["pause"]
        await choose(app, pilot, "previous part")
        await wait_for(pilot, lambda: len(app.calls) == 2)
        assert app.calls[-1] == "select_part(-1)"


async def test_choosing_a_provider_switches():
    app = PaletteApp()
    async with app.run_test() as pilot:
        await choose(app, pilot, "switch provider: scripted")
        await wait_for(pilot, lambda: app.calls)
        assert app.calls == ["provider:scripted"]


async def test_app_without_switch_provider_gets_a_notice():
    class Bare(App):
        COMMANDS = {RillCommands}

    app = Bare()
    async with app.run_test() as pilot:
        await choose(app, pilot, "switch provider: local")
        await wait_for(pilot, lambda: app._notifications)
        assert "cannot switch providers" in list(app._notifications)[0].message


async def test_screen_bindings_listed_and_disabled_actions_explained():
    from textual.screen import Screen

    class ChatLike(Screen):
        BINDINGS = [Binding("r", "rewrite", "Rewrite part"), Binding("u", "undo", "Undo rewrite")]
        rewrites = 0
        undos = 0

        def compose(self):
            yield Input()

        def action_rewrite(self):
            self.rewrites += 1

        def action_undo(self):
            self.undos += 1

        def check_action(self, action, parameters):
            return action != "undo"

    class ScreenApp(App):
        COMMANDS = {RillCommands}

        def on_mount(self):
            self.push_screen(ChatLike())

    app = ScreenApp()
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ChatLike))
        entries = await discovered(app)
        assert "Rewrite part" in entries
        assert "not now" in entries["Undo rewrite"]  # listed, and says it cannot run here now
        await choose(app, pilot, "rewrite part")
        await wait_for(pilot, lambda: app.screen.rewrites == 1)
        assert app.screen.query_one(Input).value == ""  # ran as an action, not typed as "r"
        await choose(app, pilot, "undo rewrite")
        await wait_for(pilot, lambda: app._notifications)
        assert app.screen.undos == 0
        assert "Not available" in list(app._notifications)[-1].message


async def test_bindings_bound_at_run_time_are_listed():
    """The real app binds its (remapped) keys in __init__ rather than in a BINDINGS class variable."""
    runtime = apply_keymap(
        [
            Binding("ctrl+s", "pause", "Pause/resume"),
            Binding("ctrl+q", "quit", "Quit"),
            Binding("ctrl+t", "toggle_thinking", "Thinking pane"),
        ],
        {"pause": "f6"},
    ).bindings

    class RuntimeApp(App):
        COMMANDS = {RillCommands}

        def __init__(self):
            super().__init__()
            for binding in runtime:
                self._bindings.bind(binding.key, binding.action, binding.description, show=binding.show)
            self.rill_bindings = runtime
            self.paused = 0

        def compose(self):
            yield Input()

        def action_pause(self):
            self.paused += 1

        def action_toggle_thinking(self):
            pass

    app = RuntimeApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        entries = await discovered(app)
        assert {"Pause/resume", "Quit", "Thinking pane"} <= set(entries)
        assert entries["Pause/resume"].startswith("f6")
        assert not any("cursor" in title.lower() for title in entries)
        await choose(app, pilot, "pause/resume")
        await wait_for(pilot, lambda: app.paused == 1)
