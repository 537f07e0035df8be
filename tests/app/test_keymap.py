"""Config `[keys]` remapping: applied to bindings; mistakes and collisions named clearly, never fatal."""

import pytest
from textual.app import App
from textual.binding import Binding
from textual.widgets import Footer

from tests.app.chat_helpers import make_app, wait_for
from tui.app.app import ACTIONS, build_bindings
from tui.app.keymap import CHAT, PROMPT, TRANSCRIPT, KeyUse, apply_keymap
from tui.config import load_settings

BINDINGS = [
    Binding("ctrl+s", "pause", "Pause/resume"),
    Binding("escape", "cancel", "Cancel"),
    Binding("ctrl+n", "new_chat", "New chat"),
    Binding("ctrl+r", "app.sessions", "Sessions"),
    Binding("up", "select_part(-1)", "Previous part", show=False),
]


def keys_of(bindings) -> dict[str, str]:
    return {b.action: b.key for b in bindings}


def test_remap_replaces_keys_and_keeps_the_rest():
    result = apply_keymap(BINDINGS, {"pause": "f6", "sessions": "f3, ctrl+o"})
    assert result.problems == []
    keys = keys_of(result.bindings)
    assert keys["pause"] == "f6"
    assert keys["app.sessions"] == "f3,ctrl+o"
    assert keys["cancel"] == "escape"
    assert result.bindings[0].description == "Pause/resume"
    assert BINDINGS[0].key == "ctrl+s"  # input untouched


def test_action_with_arguments_and_swaps():
    remap = {"select_part": "k", "pause": "ctrl+n", "new_chat": "ctrl+s"}
    result = apply_keymap(BINDINGS, remap, scopes={"select_part": frozenset({TRANSCRIPT})})
    assert result.problems == []
    keys = keys_of(result.bindings)
    assert keys["select_part(-1)"] == "k"
    assert keys["pause"] == "ctrl+n" and keys["new_chat"] == "ctrl+s"


def test_unknown_action_names_it_lists_known_and_keeps_the_rest():
    result = apply_keymap(BINDINGS, {"paws": "ctrl+p", "cancel": "f9"})
    [message] = result.problems
    assert "'paws'" in message
    for known in ("pause", "cancel", "new_chat", "sessions", "select_part(-1)"):
        assert known in message
    assert keys_of(result.bindings)["cancel"] == "f9"  # the good line still applies


@pytest.mark.parametrize("value", ["", "   ", "ctrl+p,", ",", 5, None])
def test_empty_or_bad_key_is_reported_and_the_default_kept(value):
    result = apply_keymap(BINDINGS, {"pause": value})
    [message] = result.problems
    assert "pause" in message
    assert keys_of(result.bindings)["pause"] == "ctrl+s"


def test_collision_with_another_action_names_both_and_keeps_the_default():
    result = apply_keymap(BINDINGS, {"pause": "ctrl+n"})
    [message] = result.problems
    assert message == (
        '[keys] pause = "ctrl+n": ctrl+n is already taken by new_chat (New chat), so pause keeps ctrl+s.'
    )
    assert keys_of(result.bindings)["pause"] == "ctrl+s"


def test_two_remapped_to_one_key_both_named_and_one_keeps_it():
    result = apply_keymap(BINDINGS, {"pause": "f5", "new_chat": "f5"})
    [message] = result.problems
    assert "pause" in message and "new_chat" in message
    keys = keys_of(result.bindings)
    assert sorted([keys["pause"], keys["new_chat"]]) == ["ctrl+s", "f5"]


def test_only_the_colliding_key_of_several_is_left_out():
    result = apply_keymap(BINDINGS, {"pause": "f5,ctrl+n"})
    assert keys_of(result.bindings)["pause"] == "f5"
    assert "so pause keeps f5" in result.problems[0]


def test_uses_collide_only_where_both_are_live():
    taken = [KeyUse("ctrl+a", "the prompt's Cursor line start", frozenset({PROMPT}))]
    scopes = {"pause": CHAT, "select_part": frozenset({TRANSCRIPT})}
    result = apply_keymap(BINDINGS, {"pause": "ctrl+a"}, scopes=scopes, taken=taken)
    assert "ctrl+a is already taken by the prompt's Cursor line start" in result.problems[0]
    # a transcript-only action may use the key: the prompt is not focused when it is live
    fine = apply_keymap(BINDINGS, {"select_part": "ctrl+a", "pause": "f5"}, scopes=scopes, taken=taken)
    assert fine.problems == []
    # a printable key types in the prompt: only transcript-only actions may have one
    typed = apply_keymap(BINDINGS, {"pause": "p", "select_part": "k"}, scopes=scopes)
    assert typed.problems == [
        '[keys] pause = "p": p is already taken by the prompt (it types p), so pause keeps ctrl+s.'
    ]


@pytest.mark.parametrize(
    ("remap", "named"),
    [
        ({"pause_resume": "ctrl+p"}, "ctrl+p is already taken by the command palette"),  # Textual's own, priority
        ({"new_chat": "ctrl+c"}, "ctrl+c is already taken by the prompt's Copy"),
        ({"sessions": "f6"}, "f6 is already taken by the prompt's Select line"),
        ({"pause_resume": "enter"}, "enter is already taken by the prompt's Send the message"),
        ({"toggle_thinking": "ctrl+j"}, "ctrl+j is already taken by the prompt's New line"),
        ({"copy_part": "pageup"}, "pageup is already taken by the transcript's Page up"),
        ({"quit": "o"}, "o is already taken by Allow once on the ConfirmTool screen"),  # quit works on every screen
        ({"help": "ctrl+g"}, "ctrl+g is already taken by regenerate (Regenerate)"),
        ({"new_chat": "shift+tab"}, "shift+tab is already taken by Textual's Focus Previous"),
    ],
)
def test_the_apps_table_knows_every_other_binding(remap, named):
    keymap = build_bindings(remap)
    [message] = keymap.problems
    [action] = remap
    assert named in message and action in message
    assert {b.action: b.key for b in keymap.bindings}[action] == ACTIONS[action][0]


def test_the_apps_table_accepts_free_keys():
    remap = {"pause_resume": "f10", "sessions": "ctrl+r,f12", "copy_part": "c", "new_chat": "f11"}
    keymap = build_bindings(remap)
    assert keymap.problems == []
    keys = {b.action: b.key for b in keymap.bindings}
    assert keys["pause_resume"] == "f10" and keys["sessions"] == "ctrl+r,f12" and keys["copy_part"] == "c"


async def test_collision_from_the_config_file_is_a_startup_notice_naming_both(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('provider = "scripted"\n\n[keys]\npause_resume = "ctrl+p"\nnew_chat = "f10"\n')
    settings = load_settings(config)
    assert settings.keys == {"pause_resume": "ctrl+p", "new_chat": "f10"}
    app = make_app(settings=settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app._notifications, what="the startup notice")
        messages = [n.message for n in app._notifications]
        assert any("pause_resume" in m and "ctrl+p" in m and "command palette" in m for m in messages), messages
        keys = {b.action: b.key for b in app.rill_bindings}
        assert keys["pause_resume"] == "ctrl+s" and keys["new_chat"] == "f10"  # the rest of the table applies
        await pilot.press("ctrl+p")  # still the palette
        await pilot.pause()
        from textual.command import CommandPalette

        assert isinstance(app.screen, CommandPalette)


async def test_remapped_binding_runs_and_shows_in_footer():
    class KeyApp(App):
        BINDINGS = apply_keymap(BINDINGS[:1], {"pause": "f5"}).bindings
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
