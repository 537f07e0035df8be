"""A searchable list to choose one thing from: the model picker (f4) and the preset picker (f5).

The choices are loaded in a worker (a model list is a network request: the UI never waits on it), then
filtered as the user types (every word must appear in the name or its detail). The current choice is
marked. When loading fails the list gives way to the one-line reason; where a typed name is allowed
(`custom`, a model name the server did not list) the last row offers it (the first match stays what
enter picks). Up/down move the highlight
while the filter box keeps the focus; enter chooses, escape cancels. Dismisses with the `Choice` or None.

Names and details come from servers and config files: they are shown literally, never as markup.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.app.screens._literal import literal, visible
from tui.stream.errors import RillStreamError
from tui.stream.sanitize import one_line

CURRENT_MARK = "●"
NAME_WIDTH = 36  # characters of the name column before the details


@dataclass(frozen=True)
class Choice:
    value: str  # what is chosen (a model id, a preset name); also what the filter matches
    detail: str = ""  # one line shown after it, muted (size, owner, what a preset sets)
    data: Any = None  # what the caller needs back (e.g. the `ModelInfo`)
    label: str | None = None  # shown instead of `value` (e.g. "no preset")


class PickerScreen(ModalScreen[Choice | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("pagedown", "move(10)", show=False),
        Binding("pageup", "move(-10)", show=False),
    ]

    def __init__(
        self,
        title: str,
        load: Callable[[], Awaitable[list[Choice]]],
        *,
        current: str | None = None,
        custom: str | None = None,
        noun: str = "choices",
    ) -> None:
        """`load` returns the choices (a `RillStreamError` it raises is shown as its message); `current`
        is the value to mark; `custom` names what a typed value is ("model name") when one is allowed."""
        super().__init__()
        self.picker_title = title
        self.load = load
        self.current = current
        self.custom = custom
        self.noun = noun
        self.choices: list[Choice] | None = None  # None while loading
        self.failure: str | None = None
        self.shown: list[Choice] = []  # the rows on show, in order (the typed name last, if offered)
        self.offers_typed = False  # the last row is "Use <typed name>"

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-dialog", classes="rill-dialog"):
            yield Static(literal(self.picker_title, "bold", one_line=True), id="picker-title")
            placeholder = f"Type to filter, or a {self.custom}" if self.custom else "Type to filter"
            yield Input(placeholder=placeholder, id="picker-filter")
            yield OptionList(id="picker-list")
            yield Static("", id="picker-message")
            yield Static("↑/↓ move · enter choose · escape cancel", classes="rill-dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#picker-list", OptionList).can_focus = False  # typing always goes to the filter
        self.query_one("#picker-filter", Input).focus()
        self._show()
        self.run_worker(self._load(), exclusive=True, group="picker")

    async def _load(self) -> None:
        try:
            self.choices = list(await self.load())
        except RillStreamError as exc:
            self.failure = exc.message
        except Exception as exc:  # a bug below must be a message here, not a crash of the app
            self.failure = one_line(f"listing failed: {exc}") or "listing failed"
        self._show()

    # -- the list ---------------------------------------------------------------------------------
    @property
    def typed(self) -> str:
        return self.query_one("#picker-filter", Input).value.strip()

    def matches(self) -> list[Choice]:
        words = self.typed.lower().split()
        return [
            choice
            for choice in self.choices or []
            if all(word in f"{choice.value} {choice.label or ''} {choice.detail}".lower() for word in words)
        ]

    def _show(self) -> None:
        typed = self.typed
        matched = self.matches()
        self.offers_typed = bool(self.custom and typed and all(choice.value != typed for choice in matched))
        rows = [*matched, Choice(typed)] if self.offers_typed else matched
        self.shown = rows
        options = self.query_one("#picker-list", OptionList)
        options.clear_options()
        last = len(rows) - 1
        options.add_options([Option(self._prompt(c, self.offers_typed and n == last)) for n, c in enumerate(rows)])
        options.display = bool(rows)
        if rows:
            current = next((n for n, c in enumerate(rows) if c.value == self.current and not typed), 0)
            options.highlighted = current
        self.query_one("#picker-message", Static).update(self._message(matched))

    @property
    def name_width(self) -> int:
        """The names' column: as wide as the longest (up to NAME_WIDTH), so the details line up."""
        names = [len(c.label or c.value) for c in self.choices or []]
        return min(NAME_WIDTH, max(names, default=0))

    def _prompt(self, choice: Choice, custom: bool) -> Text:
        width = self.name_width + 2
        if custom:
            typed = f"use {visible(choice.value, one_line=True)}"
            return Text.assemble(
                ("+ ", "bold"), (typed.ljust(max(width, len(typed) + 2)), "bold"), (self.custom or "", "dim")
            )
        mark = CURRENT_MARK if choice.value == self.current else " "
        name = visible(choice.label or choice.value, one_line=True)
        parts: list[tuple[str, str]] = [(f"{mark} ", "bold"), (name.ljust(width), "")]
        if choice.detail:  # one line a row: what does not fit ends in "…" (styles/modals.tcss)
            parts.append((visible(choice.detail, one_line=True), "dim"))
        return Text.assemble(*parts, no_wrap=True, overflow="ellipsis")

    def _message(self, matched: list[Choice]) -> Text:
        if self.failure is not None:
            then = f" You can still type a {self.custom} and press enter." if self.custom else ""
            return Text.assemble(("Cannot list: ", "bold"), visible(self.failure, one_line=True) + then)
        if self.choices is None:
            return Text(f"Listing {self.noun}…", style="dim")
        if not self.choices:
            then = f"; type a {self.custom}" if self.custom else ""
            return Text(f"No {self.noun} to list{then}.", style="dim")
        listed = any(choice.value == self.current for choice in matched)
        current = f" · {CURRENT_MARK} current" if listed else ""
        return Text(f"{len(matched)} of {len(self.choices)} {self.noun}{current}", style="dim")

    # -- keys -------------------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show()

    def action_move(self, step: int) -> None:
        options = self.query_one("#picker-list", OptionList)
        if self.shown:
            at = options.highlighted if options.highlighted is not None else 0
            options.highlighted = max(0, min(len(self.shown) - 1, at + step))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        at = self.query_one("#picker-list", OptionList).highlighted
        if self.shown and at is not None:
            self._choose(at)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option_index)

    def _choose(self, index: int) -> None:
        self.dismiss(self.shown[index])  # a typed name is a Choice with nothing but its value

    def action_cancel(self) -> None:
        self.dismiss(None)
