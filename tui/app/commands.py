"""Command palette entries: every action of the app, exactly once, plus "Switch provider: NAME" and
"New chat with preset NAME" (one per `[presets.NAME]` in the config).

The app's actions come from its `rill_bindings` (tui/app/app.py's ACTIONS table, after the config's
`[keys]` remapping), so an action added there is in the palette with no change here, and the palette
shows the same keys as the footer and the help screen. Every one is listed whatever has the focus;
one that cannot run now (cancel with nothing streaming, a chat action over another screen) is listed
with the reason (`app.why_unavailable`), and choosing it says that reason instead of silently doing
nothing. Bindings of the screen and the focused widgets that are rill's (the session browser's, say)
follow; Textual's built-ins such as cursor movement in an input are left out, and Textual's own
palette entries (theme, screenshot) come from its system commands, less the ones rill has itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from tui.app.keymap import describe, key_label
from tui.stream.providers import PROVIDERS


@dataclass(frozen=True)
class Command:
    title: str
    help: str
    callback: Callable[[], Awaitable[Any]]


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
        screen = self.screen  # the screen the palette was opened over
        commands: list[Command] = []
        seen: set[tuple[int, str]] = set()  # (the node an action runs on, its name): each listed once
        app_bindings: dict[str, list[Binding]] = {}
        for binding in getattr(app, "rill_bindings", ()) or ():
            app_bindings.setdefault(binding.action, []).append(binding)
        for action, bindings in app_bindings.items():
            seen.add(_target(app, screen, app, action))
            why = getattr(app, "why_unavailable", None)
            reason = why(action, screen) if why is not None else None
            commands.append(self._command(action, bindings, reason, partial(run_app_action, app, action, screen)))
        for node in binding_chain(screen):
            ours = own_actions(node)
            keys_by_action: dict[str, list[Binding]] = {}
            for _key, binding in node._bindings:
                if binding.action in ours and not binding.system and not _is_palette(binding.action):
                    keys_by_action.setdefault(binding.action, []).append(binding)
            for action, bindings in keys_by_action.items():
                target = _target(app, screen, node, action)
                if target in seen:
                    continue
                seen.add(target)
                reason = None if self._enabled(action, node) else "Not available here now."
                run = partial(app.run_action, action, node) if reason is None else partial(say, app, reason)
                commands.append(self._command(action, bindings, reason, run))
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

    @staticmethod
    def _command(
        action: str, bindings: list[Binding], reason: str | None, callback: Callable[[], Awaitable[Any]]
    ) -> Command:
        first = bindings[0]
        keys = " / ".join(dict.fromkeys(b.key_display or key_label(b.key) for b in bindings))
        title = describe(first)
        about = f"not now: {reason}" if reason else first.tooltip or action
        return Command(title, f"{keys}  ·  {about}", callback)

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


def _target(app: Any, screen: Any, node: DOMNode, action: str) -> tuple[int, str]:
    """Where `action` bound on `node` runs, and its bare name: `app.quit` on a widget is the app's quit."""
    namespace, dot, name = action.partition(".")
    if not dot or namespace not in ("app", "screen"):
        return id(node), action
    return id(app if namespace == "app" else screen), name


def _is_palette(action: str) -> bool:
    """The palette's own key (ctrl+p) is bound at run time by Textual; listing it in itself is noise."""
    return action.split(".")[-1] == "command_palette"


async def run_app_action(app: Any, action: str, screen: Any) -> None:
    """Run one of the app's actions as chosen in the palette: whatever has the focus (the palette is
    how a transcript action is reached from the prompt), unless it cannot run now, then say why."""
    why = getattr(app, "why_unavailable", None)
    reason = why(action, screen) if why is not None else None
    if reason:
        await say(app, reason)
        return
    method = getattr(app, f"action_{action}", None) if "(" not in action else None
    if method is None:  # an action with arguments, or one bound on another namespace
        await app.run_action(action)
        return
    result = method()
    if inspect.isawaitable(result):
        await result


async def say(app: Any, reason: str) -> None:
    app.notify(reason, severity="warning")


async def switch_provider(app: Any, name: str) -> None:
    switch = getattr(app, "switch_provider", None)
    if switch is None:
        app.notify("This app cannot switch providers.", severity="warning")
        return
    result = switch(name)
    if hasattr(result, "__await__"):
        await result
