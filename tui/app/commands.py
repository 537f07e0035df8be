"""Command palette entries: every action the app binds to a key, plus "Switch provider: NAME" and
"New chat with preset NAME" (one per `[presets.NAME]` in the config).

The entries come from the bindings in force where the palette was opened: the focused widget, its
ancestors, the screen and the app, after the config's `[keys]` remapping (so the palette shows the
same keys as the footer and the help screen). Only rill's own bindings are listed (see
`own_actions`); Textual's built-ins such as cursor movement in an input are left to Textual's own
palette entries. An action is listed even when a widget shadows its key (for example
`up` while an input has focus), because the palette is how a user reaches it then. Choosing an entry
runs the action in the namespace that owns the binding, exactly as its key would.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from tui.app.screens.help import key_label
from tui.stream.providers import PROVIDERS


@dataclass(frozen=True)
class Command:
    title: str
    help: str
    callback: Callable[[], Awaitable[Any]]


def title_for(action: str, description: str) -> str:
    if description:
        return description
    name = action.split(".")[-1].split("(")[0]
    return name.replace("_", " ").capitalize()


def own_actions(node: DOMNode) -> set[str]:
    """The node's actions that are rill's, not Textual's built-ins (cursor keys, focus, scrolling...).

    Rill's are those declared in BINDINGS of a class outside Textual, those listed in the node's
    `rill_bindings` (the app binds its remappable keys at run time), and any other action bound on the
    node that no Textual class declares.
    """
    ours: set[str] = set()
    textual: set[str] = set()
    for cls in type(node).__mro__:
        target = textual if cls.__module__.split(".")[0] == "textual" else ours
        for binding in cls.__dict__.get("BINDINGS", ()):
            target.add(binding.action if isinstance(binding, Binding) else binding[1])
    ours.update(binding.action for binding in getattr(node, "rill_bindings", ()) or ())
    ours.update(binding.action for _key, binding in node._bindings if binding.action not in textual)
    return ours


def binding_chain(screen: Any) -> Iterator[DOMNode]:
    focused = screen.focused
    yield from (focused.ancestors_with_self if focused is not None else (screen, screen.app))


class RillCommands(Provider):
    """The app's actions and provider switches, searchable by name."""

    def commands(self) -> list[Command]:
        app = self.app
        commands: list[Command] = []
        seen: set[str] = set()
        for node in binding_chain(self.screen):
            ours = own_actions(node)
            keys_by_action: dict[str, list[Binding]] = {}
            for _key, binding in node._bindings:
                if binding.action in ours and not binding.system and not _is_palette(binding.action):
                    keys_by_action.setdefault(binding.action, []).append(binding)
            for action, bindings in keys_by_action.items():
                if action in seen or not self._enabled(action, node):
                    continue
                seen.add(action)
                first = bindings[0]
                keys = " / ".join(dict.fromkeys(b.key_display or key_label(b.key) for b in bindings))
                commands.append(
                    Command(
                        title_for(action, first.description),
                        f"{keys}  ·  {first.tooltip or action}",
                        partial(app.run_action, action, node),
                    )
                )
        for name in PROVIDERS:
            commands.append(
                Command(
                    f"Switch provider: {name}",
                    f"use the {name} provider from the next message on",
                    partial(switch_provider, app, name),
                )
            )
        presets = getattr(getattr(app, "base_settings", None), "presets", None) or {}
        start = getattr(app, "new_chat_with_preset", None)
        for name in sorted(presets):
            if start is not None:
                commands.append(
                    Command(
                        f"New chat with preset {name}",
                        presets[name].summary() or f"[presets.{name}] from the config",
                        partial(start, name),
                    )
                )
        return commands

    def _enabled(self, action: str, node: DOMNode) -> bool:
        check = getattr(self.app, "_check_action_state", None)
        return True if check is None else bool(check(action, node))

    async def discover(self) -> Hits:
        for command in self.commands():
            yield DiscoveryHit(command.title, command.callback, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self.commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(command.title), command.callback, text=command.title, help=command.help
                )


def _is_palette(action: str) -> bool:
    """The palette's own key (ctrl+p) is bound at run time by Textual; listing it in itself is noise."""
    return action.split(".")[-1] == "command_palette"


async def switch_provider(app: Any, name: str) -> None:
    switch = getattr(app, "switch_provider", None)
    if switch is None:
        app.notify("This app cannot switch providers.", severity="warning")
        return
    result = switch(name)
    if hasattr(result, "__await__"):
        await result
