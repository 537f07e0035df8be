"""Apply the config file's `[keys]` table to the app's bindings.

The table maps an action name to one key or several comma-separated keys, e.g.
`pause = "ctrl+p"` or `sessions = "ctrl+r,f3"`. A mistake (an action that does not exist, an empty key,
a key given to two actions) raises `ValueError` with a one-line message naming the action and what is
valid, so startup can show it instead of silently ignoring the user's setting.
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding


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


def _parse_keys(action: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f'[keys] {action}: the key must be a string like "ctrl+p", not {value!r}')
    keys = [key.strip() for key in value.split(",")]
    if not value.strip() or any(not key for key in keys):
        raise ValueError(f'[keys] {action}: empty key; give a key like "ctrl+p" (several: "ctrl+p,f5")')
    if any(" " in key for key in keys):
        raise ValueError(f"[keys] {action}: {value!r} is not a key; separate several keys with commas")
    return ",".join(keys)


def apply_keymap(bindings: list[Binding], remap: dict[str, str]) -> list[Binding]:
    """Return `bindings` with the keys of the actions named in `remap` replaced (the input is not changed)."""
    result = list(bindings)
    known = sorted({_short(b.action) for b in bindings})
    remapped: set[int] = set()
    for action, value in remap.items():
        indexes = [i for i, b in enumerate(result) if action in _action_names(b)]
        if not indexes:
            raise ValueError(f"[keys] unknown action {action!r}; known actions: {', '.join(known)}")
        keys = _parse_keys(action, value)
        for index in indexes:
            result[index] = replace(result[index], key=keys, key_display=None)
            remapped.add(index)
    _check_conflicts(result, remapped)
    return result


def _check_conflicts(bindings: list[Binding], remapped: set[int]) -> None:
    """A remapped key that another action already uses would make one of them unreachable."""
    owner: dict[str, tuple[int, Binding]] = {}
    for index, binding in enumerate(bindings):
        for key in binding.key.split(","):
            key = key.strip()
            if key in owner:
                other_index, other = owner[key]
                if (index in remapped or other_index in remapped) and _short(other.action) != _short(binding.action):
                    raise ValueError(
                        f"[keys] {key!r} is given to both {_short(other.action)!r} and {_short(binding.action)!r}; "
                        "choose another key for one of them"
                    )
            else:
                owner[key] = (index, binding)
