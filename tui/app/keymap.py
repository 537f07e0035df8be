"""Every key rill answers to, in one table: the config's `[keys]` remapping, its collisions, the help.

The app's remappable actions are Textual bindings (tui/app/app.py's ACTIONS). Other keys are taken by
things the user cannot remap: Textual's own (ctrl+p opens the command palette before anything else
sees the key; ctrl+c copies), the prompt (enter sends, ctrl+j adds a line, the text box's editing
keys, and every printable key types), the transcript's scrolling keys, the screens' own keys. A key
works only where it is live, so each use has *scopes*: with the prompt focused, with the transcript
focused, on another screen. Two uses collide when they share a key and a scope.

`apply_keymap` applies the `[keys]` table (an action name -> one key or several comma-separated keys,
e.g. `pause_resume = "f6"`, `sessions = "ctrl+r,f3"`). A mistake never stops the app: an unknown
action or a malformed key is skipped, and a key that collides with another use is left out (the
action keeps its other keys, or its default), each with a one-line message naming both actions.
`help_groups` lists every key, grouped by where it works, for the help screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from textual.app import App
from textual.binding import Binding
from textual.keys import _normalize_key_list, format_key, key_to_character
from textual.screen import Screen
from textual.widgets import TextArea

# Where a key is live.
PROMPT, TRANSCRIPT, SCREENS = "prompt", "transcript", "screens"
CHAT = frozenset({PROMPT, TRANSCRIPT})
EVERYWHERE = frozenset({PROMPT, TRANSCRIPT, SCREENS})

# The text box's editing keys worth knowing, in the order the help lists them (TextArea's own names).
PROMPT_EDITING = (
    "cursor_word_left",
    "cursor_word_right",
    "cursor_line_start",
    "cursor_line_end",
    "select_line",
    "select_all",
    "delete_word_left",
    "delete_to_start_of_line",
    "delete_to_end_of_line_or_delete_line",
    "cut",
    "copy",
    "paste",
    "undo",
    "redo",
)


@dataclass(frozen=True)
class KeyUse:
    """A key that something other than the app's remappable actions answers to, and where."""

    key: str  # binding syntax, one key or several comma-separated
    what: str  # what it does, as a user would name it: "the command palette", "the prompt's Paste"
    scopes: frozenset[str]


@dataclass
class Keymap:
    """The bindings in force after `[keys]`, and what was wrong with the table (one line each)."""

    bindings: list[Binding]
    problems: list[str] = field(default_factory=list)


_WORDS = {"enter": "enter", "tab": "tab", "space": "space", "backspace": "backspace"}  # clearer than symbols


def key_label(keys: str) -> str:
    """`"f1,question_mark"` -> `"f1 / ?"`, `"ctrl+s"` stays `"ctrl+s"`: binding syntax made readable."""
    labels = []
    for key in keys.split(","):
        key = key.strip()
        if not key:
            continue
        *modifiers, name = key.split("+") if key != "+" else ["+"]
        labels.append("+".join([*modifiers, _WORDS.get(name) or (format_key(name) if len(name) > 1 else name)]))
    return " / ".join(labels) or keys


def _short(action: str) -> str:
    """`app.pause` and `screen.pause` are both "pause" to a user writing a config file."""
    head, dot, tail = action.partition(".")
    return tail if dot and head in ("app", "screen", "focused") else action


def _action_names(binding: Binding) -> set[str]:
    names = {binding.action, _short(binding.action)}
    if binding.id:
        names.add(binding.id)
    # an action with arguments, e.g. `select_part(1)`, can be named without them
    names.update(name.split("(", 1)[0] for name in list(names))
    return names


def split_keys(keys: str) -> list[str]:
    """`"f1,?"` -> `["f1", "question_mark"]`: one key each, in the names Textual matches key presses by."""
    return [key for key in _normalize_key_list(keys).split(",") if key]


def _parse_keys(action: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f'[keys] {action}: the key must be a string like "f6", not {value!r}')
    keys = [key.strip() for key in value.split(",")]
    if not value.strip() or any(not key for key in keys):
        raise ValueError(f'[keys] {action}: empty key; give a key like "f6" (several: "f6,ctrl+f")')
    if any(" " in key for key in keys):
        raise ValueError(f"[keys] {action}: {value!r} is not a key; separate several keys with commas")
    return ",".join(keys)


def _types(key: str) -> bool:
    """A printable key: the prompt types it rather than passing it on."""
    character = key_to_character(key)
    return character is not None and character.isprintable() and not key.startswith("shift+")


def apply_keymap(
    bindings: list[Binding],
    remap: Mapping[str, object],
    *,
    scopes: Mapping[str, frozenset[str]] | None = None,
    taken: Iterable[KeyUse] = (),
) -> Keymap:
    """`bindings` with the keys of the actions named in `remap` replaced (the input is not changed).

    `scopes` says where each action's key is live (by short action name; CHAT when not given) and
    `taken` lists the keys other things use. A remapped key that another binding or use answers to in
    a shared scope is left out and reported; so are unknown actions and malformed keys.
    """
    scopes = scopes or {}
    uses = list(taken)
    result = list(bindings)
    problems: list[str] = []
    known = sorted({_short(b.action) for b in bindings})
    requested: dict[int, tuple[str, str]] = {}  # index -> (the action as written, the keys)
    for action, value in remap.items():
        indexes = [i for i, b in enumerate(result) if action in _action_names(b)]
        if not indexes:
            problems.append(f"[keys] unknown action {action!r}; known actions: {', '.join(known)}")
            continue
        try:
            keys = _parse_keys(action, value)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        for index in indexes:
            requested[index] = (action, keys)
            result[index] = replace(result[index], key=keys, key_display=None)

    def scope(binding: Binding) -> frozenset[str]:
        return scopes.get(_short(binding.action).split("(", 1)[0], CHAT)

    def clash(index: int, key: str) -> str | None:
        """What else answers to `key` where binding `index` is live, named for the user (None: nothing)."""
        binding, where = result[index], scope(result[index])
        for other_index, other in enumerate(result):
            if (
                other_index != index
                and _short(other.action) != _short(binding.action)
                and key in split_keys(other.key)
                and scope(other) & where
            ):
                return f"{_short(other.action)} ({other.description or _short(other.action)})"
        for use in uses:
            if key in split_keys(use.key) and use.scopes & where:
                return use.what
        if PROMPT in where and _types(key) and key not in split_keys(bindings[index].key):
            return f"the prompt (it types {key_to_character(key)})"
        return None

    changed = True
    while changed:  # until no remapped key collides (a key given back can collide in its turn)
        changed = False
        for index in list(requested):
            written, value = requested[index]
            current = split_keys(result[index].key)
            clashes = {key: what for key in current if (what := clash(index, key)) is not None}
            if not clashes:
                continue
            changed = True
            kept = [key for key in current if key not in clashes]
            if kept:
                result[index] = replace(result[index], key=",".join(kept), key_display=None)
            else:
                result[index] = bindings[index]
                del requested[index]
            for key, what in clashes.items():
                keeps = key_label(result[index].key)
                problems.append(
                    f'[keys] {written} = "{value}": {key} is already taken by {what}, so {written} keeps {keeps}.'
                )
    return Keymap(result, problems)


# -- what else takes keys ------------------------------------------------------------------------------
def _bindings_of(cls: type) -> list[Binding]:
    """The bindings a class declares itself (not its bases')."""
    return [b if isinstance(b, Binding) else Binding(*b) for b in cls.__dict__.get("BINDINGS", ())]


def describe(binding: Binding) -> str:
    """A binding's description, or its action made readable (`move('page_down')` -> "Move: page down")."""
    if binding.description:
        return binding.description
    name, _, arguments = _short(binding.action).rpartition(".")[2].partition("(")
    words = name.replace("_", " ").capitalize()
    arguments = arguments.rstrip(")").strip("'\"").replace("_", " ")
    return f"{words}: {arguments}" if arguments else words


def screen_name(cls: type) -> str:
    """`SessionsScreen` -> "the Sessions screen", or the screen's own `KEYS_TITLE`."""
    title = getattr(cls, "KEYS_TITLE", None)
    return str(title) if title else f"the {cls.__name__.removesuffix('Screen')} screen"


def prompt_uses(prompt: type, own_keys: Iterable[tuple[str, str]]) -> list[KeyUse]:
    """The prompt's keys: its own (enter sends...) and the text box's editing keys."""
    uses = [KeyUse(key, f"the prompt's {what}", frozenset({PROMPT})) for key, what in own_keys]
    for cls in reversed(prompt.__mro__):
        for binding in _bindings_of(cls):
            uses.append(KeyUse(binding.key, f"the prompt's {describe(binding)}", frozenset({PROMPT})))
    return uses


def builtin_uses(
    *,
    palette_key: str,
    prompt: type,
    prompt_keys: Iterable[tuple[str, str]],
    transcript: type,
    chat_screen: type,
    screens: Iterable[type] = (),
) -> list[KeyUse]:
    """Every key rill's own remappable actions do not own: Textual's, the prompt's, the screens'."""
    uses = [KeyUse(palette_key, "the command palette", EVERYWHERE)]
    uses.extend(prompt_uses(prompt, prompt_keys))
    for binding in _bindings_of(transcript):
        uses.append(KeyUse(binding.key, f"the transcript's {describe(binding)}", frozenset({TRANSCRIPT})))
    for binding in _bindings_of(chat_screen):
        uses.append(KeyUse(binding.key, f"the chat's {describe(binding)}", CHAT))
    for binding in _bindings_of(Screen):
        uses.append(KeyUse(binding.key, f"Textual's {describe(binding)}", CHAT))
    for binding in _bindings_of(App):
        where = EVERYWHERE if binding.priority else CHAT
        uses.append(KeyUse(binding.key, f"Textual's {describe(binding)}", where))
    for screen in screens:
        for binding in _bindings_of(screen):
            uses.append(KeyUse(binding.key, f"{describe(binding)} on {screen_name(screen)}", frozenset({SCREENS})))
    return uses


def rill_key_uses(palette_key: str) -> list[KeyUse]:
    """`builtin_uses` of rill itself: its prompt, transcript, chat screen, and every screen in
    tui/app/screens (found by listing the package, so a screen added there counts with no change here)."""
    import importlib
    import pkgutil

    from tui.app import screens
    from tui.app.screens.chat import ChatScreen
    from tui.app.widgets import prompt_input
    from tui.app.widgets.transcript import Transcript

    others: list[type] = []
    for module in pkgutil.iter_modules(screens.__path__, f"{screens.__name__}."):
        try:
            loaded = importlib.import_module(module.name)
        except ImportError:  # a screen that cannot load takes no keys
            continue
        others.extend(
            cls
            for cls in vars(loaded).values()
            if isinstance(cls, type) and issubclass(cls, Screen) and cls.__module__ == loaded.__name__
        )
    return builtin_uses(
        palette_key=palette_key,
        prompt=prompt_input.PromptInput,
        prompt_keys=prompt_input.KEYS,
        transcript=Transcript,
        chat_screen=ChatScreen,
        screens=[cls for cls in others if cls is not ChatScreen],
    )


# -- the help screen's table ---------------------------------------------------------------------------
Group = tuple[str, list[tuple[str, str]]]


def help_groups(
    bindings: Iterable[Binding],
    *,
    scopes: Mapping[str, frozenset[str]],
    palette_key: str,
    prompt_keys: Iterable[tuple[str, str]],
    transcript: type,
    sessions: type | None = None,
    gives_way: frozenset[str] = frozenset(),
    others: Iterable[tuple[str, Iterable[type]]] = (),
) -> list[Group]:
    """Every key, grouped by where it works, as (key in binding syntax, what it does); `others` adds a
    group per (title, classes) with the keys those classes declare (a pane, a dialog)."""
    bindings = list(bindings)
    labels = {_short(b.action): b.key for b in bindings}
    chat: list[tuple[str, str]] = []
    in_transcript: list[tuple[str, str]] = []
    overriding: set[str] = set()  # keys the app takes from the prompt (priority bindings)
    for binding in bindings:
        action = _short(binding.action)
        where = scopes.get(action, CHAT)
        row = (binding.key, binding.description or describe(binding))
        (in_transcript if PROMPT not in where else chat).append(row)
        if binding.priority and PROMPT in where and action not in gives_way:
            overriding.update(split_keys(binding.key))
    chat.append((palette_key, "Command palette: every action by name"))
    chat.append(("tab,shift+tab", "Move the focus: prompt, transcript, panes"))
    for binding in _bindings_of(transcript):
        in_transcript.append((binding.key, describe(binding)))
    prompt = list(prompt_keys)
    editing = {b.action: b for b in _bindings_of(TextArea)}
    for action in PROMPT_EDITING:
        found = editing.get(action)
        if found is None:
            continue
        keys = ",".join(
            k for k in split_keys(found.key) if k not in overriding and not k.startswith(("super+", "alt+"))
        )
        if keys:
            prompt.append((keys, describe(found)))
    groups: list[Group] = [
        ("Chat", chat),
        (f"Transcript (focus it with {key_label(labels.get('focus_transcript', 'tab'))})", in_transcript),
        ("Prompt", prompt),
    ]
    if sessions is not None:
        rows: list[tuple[str, str]] = []
        for binding in _bindings_of(sessions):
            description = describe(binding)
            if not binding.description and rows and rows[-1][1] == description.partition(":")[0]:
                rows[-1] = (f"{rows[-1][0]},{binding.key}", rows[-1][1])  # move('cursor_up'), move(...): one row
            else:
                rows.append((binding.key, description if binding.description else description.partition(":")[0]))
        rows.append(("any text", "Search every message"))
        groups.append((f"Session browser ({key_label(labels.get('sessions', ''))})", rows))
    for title, classes in others:
        declared = [(b.key, describe(b)) for cls in classes for b in _bindings_of(cls) if b.show and b.description]
        if declared:
            groups.append((title, declared))
    return groups
