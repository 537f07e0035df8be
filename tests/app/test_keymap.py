"""Config `[keys]` remapping: applied to bindings, and mistakes named clearly."""

import pytest
from textual.app import App
from textual.binding import Binding
from textual.widgets import Footer

from tui.app.keymap import apply_keymap

BINDINGS = [
    Binding("ctrl+s", "pause", "Pause/resume"),
    Binding("escape", "cancel", "Cancel"),
    Binding("ctrl+n", "new_chat", "New chat"),
    Binding("ctrl+r", "app.sessions", "Sessions"),
    Binding("up", "select_part(-1)", "Previous part", show=False),
]


def test_remap_replaces_keys_and_keeps_the_rest():
    result = apply_keymap(BINDINGS, {"pause": "ctrl+p", "sessions": "f3, ctrl+o"})
    keys = {b.action: b.key for b in result}
    assert keys["pause"] == "ctrl+p"
    assert keys["app.sessions"] == "f3,ctrl+o"
    assert keys["cancel"] == "escape"
    assert result[0].description == "Pause/resume"
    assert BINDINGS[0].key == "ctrl+s"  # input untouched


def test_action_with_arguments_and_swaps():
    result = apply_keymap(BINDINGS, {"select_part": "k", "pause": "ctrl+n", "new_chat": "ctrl+s"})
    keys = {b.action: b.key for b in result}
    assert keys["select_part(-1)"] == "k"
    assert keys["pause"] == "ctrl+n" and keys["new_chat"] == "ctrl+s"


def test_unknown_action_names_it_and_lists_known():
    with pytest.raises(ValueError) as info:
        apply_keymap(BINDINGS, {"paws": "ctrl+p"})
    message = str(info.value)
    assert "'paws'" in message
    for known in ("pause", "cancel", "new_chat", "sessions", "select_part(-1)"):
        assert known in message


@pytest.mark.parametrize("value", ["", "   ", "ctrl+p,", ",", 5, None])
def test_empty_or_bad_key_is_an_error(value):
    with pytest.raises(ValueError) as info:
        apply_keymap(BINDINGS, {"pause": value})
    assert "pause" in str(info.value)


def test_conflict_with_another_action_is_an_error():
    with pytest.raises(ValueError, match="'ctrl\\+n' is given to both"):
        apply_keymap(BINDINGS, {"pause": "ctrl+n"})


async def test_remapped_binding_runs_and_shows_in_footer():
    class KeyApp(App):
        BINDINGS = apply_keymap(BINDINGS[:1], {"pause": "f5"})
        paused = 0

        def compose(self):
            yield Footer()

        def action_pause(self):
            self.paused += 1

    app = KeyApp()
    async with app.run_test() as pilot:
        await pilot.press("ctrl+s")
        await pilot.press("f5")
        await pilot.pause()
        assert app.paused == 1
        assert "f5" in [key for key in app.screen.active_bindings]
