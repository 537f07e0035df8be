"""RillApp: bindings, styles, command palette, screens, and the things every screen shares.

Actions have stable names (listed in `ACTIONS`) so the config file's `[keys]` table can remap them,
the command palette can list them and the help screen can show them. The chat screen does the work;
the app's actions only route to it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from tui.app import memory
from tui.app.model_warmup import ModelWarmup
from tui.app.screens.chat import ChatScreen
from tui.config import Settings, make_provider
from tui.history import HistoryError, HistoryStore
from tui.stream import ConfigurationError

if TYPE_CHECKING:
    from textual.app import SystemCommand

    from tui.app.host import ChatHost
    from tui.app.keymap import Keymap
    from tui.app.screens.sessions import SessionsScreen

# styles/*.tcss, shipped in the package as tui/styles (in a checkout a link to the top-level styles/)
STYLES = Path(str(resources.files("tui").joinpath("styles")))

# action name -> (default keys, description, shown in footer)
ACTIONS: dict[str, tuple[str, str, bool]] = {
    "pause_resume": ("ctrl+s", "Pause/resume", False),  # shown in the stats bar while a stream runs
    "cancel": ("escape", "Cancel", False),
    "new_chat": ("ctrl+n", "New chat", True),
    "sessions": ("ctrl+r", "Sessions", True),
    "toggle_thinking": ("ctrl+t", "Thinking", True),
    "regenerate": ("ctrl+g", "Regenerate", True),
    "prev_branch": ("ctrl+left", "Previous branch", False),
    "next_branch": ("ctrl+right", "Next branch", False),
    "select_prev_part": ("up", "Select previous part", False),
    "select_next_part": ("down", "Select next part", False),
    "rewrite_part": ("r", "Rewrite part", True),
    "undo_rewrite": ("u", "Undo rewrite", True),
    "copy_part": ("y", "Copy part", False),
    "copy_answer": ("Y", "Copy answer", False),
    "export": ("f8", "Export conversation", False),
    "edit_message": (
        "e",
        "Edit selected prompt (new branch)",
        False,
    ),  # said in the stats bar when a prompt is selected
    "continue_answer": ("ctrl+l", "Continue answer", False),
    "branch_tree": ("ctrl+b", "Branch tree", False),
    "focus_transcript": ("ctrl+o", "Focus transcript/prompt", False),
    "choose_model": ("f4", "Choose model", False),
    "edit_system": ("f9", "Edit system prompt", False),
    "new_chat_preset": ("f5", "New chat with preset", False),
    "rename_title": ("f2", "Rename conversation", False),
    "attach_file": ("f3", "Attach file", False),
    "edit_prompt": ("ctrl+e", "Edit prompt in $EDITOR", False),
    "help": ("f1,question_mark", "Help", True),
    "quit": ("ctrl+q", "Quit", True),
}
# Actions that only make sense with the transcript focused (keys a text box needs otherwise).
TRANSCRIPT_ACTIONS = frozenset(
    {
        "select_prev_part",
        "select_next_part",
        "rewrite_part",
        "undo_rewrite",
        "copy_part",
        "copy_answer",
        "edit_message",
    }
)


# Actions that open a dialog over the chat: from the chat or the palette opened over it, not from another
# screen (a second picker over the first).
CHAT_DIALOG_ACTIONS = frozenset(
    {"choose_model", "edit_system", "new_chat_preset", "rename_title", "attach_file", "edit_prompt"}
)
BUILTIN_TOOL_NAMES = frozenset({"current_time", "calculator", "read_file"})  # tui.builtin_tools' functions


# Checked before the focused widget, so they work from the prompt too (ctrl+arrows move by word in a
# text box: the branch keys give way while the prompt has text, see check_action).
# ctrl+e is the text box's "end of line" too: the editor wins (End still goes to the end of the line).
PRIORITY_ACTIONS = frozenset({"quit", "prev_branch", "next_branch", "edit_prompt"})
GIVES_WAY = frozenset({"prev_branch", "next_branch"})  # to the prompt's own use of the key while it has text
# Actions that run over any screen: their key (priority) and the command palette (the others need the chat).
ANYWHERE_ACTIONS = frozenset({"quit", "help"})


def action_scopes() -> dict[str, frozenset[str]]:
    """Where each action's key is live (tui/app/keymap.py): the transcript only, the chat (with the
    prompt or the transcript focused; a priority key there still gives way on other screens, see
    check_action), or every screen (quit)."""
    from tui.app.keymap import CHAT, EVERYWHERE, TRANSCRIPT

    transcript = frozenset({TRANSCRIPT})
    return {
        action: EVERYWHERE if action == "quit" else transcript if action in TRANSCRIPT_ACTIONS else CHAT
        for action in ACTIONS
    }


def default_bindings() -> list[Binding]:
    return [
        Binding(keys, action, description, show=show, priority=action in PRIORITY_ACTIONS)
        for action, (keys, description, show) in ACTIONS.items()
    ]


def build_bindings(remap: dict[str, str], palette_key: str = App.COMMAND_PALETTE_BINDING) -> Keymap:
    """Defaults with the config's `[keys]` applied; `problems` names what was skipped and why (unknown
    actions, malformed keys, a key that collides with another binding: both named)."""
    from tui.app.keymap import Keymap, apply_keymap, rill_key_uses

    bindings = default_bindings()
    if not remap:
        return Keymap(bindings)
    return apply_keymap(bindings, remap, scopes=action_scopes(), taken=rill_key_uses(palette_key))


def _commands() -> set:
    try:
        from tui.app.commands import RillCommands
    except ImportError:
        return set()
    return {RillCommands}


class RillApp(App):
    # app.tcss and chat.tcss first, then every other screen's sheet (modals, help, sessions, ...)
    CSS_PATH = [
        STYLES / "app.tcss",
        STYLES / "chat.tcss",
        *sorted(p for p in STYLES.glob("*.tcss") if p.name not in ("app.tcss", "chat.tcss")),
    ]
    COMMANDS = App.COMMANDS | _commands()
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    TITLE = "rill"

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        provider: Any = None,
        store: HistoryStore | None = None,
        cid: int | None = None,
        tools: list | None = None,
        clock: Callable[[], float] = time.monotonic,
        startup_notes: list[str] | None = None,
        state: Any = None,
        mcp: Any = None,
        provider_options: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """`provider_options`: extra options by provider name, kept when the provider is rebuilt for
        another model or preset (the scripted demo's tool calls)."""
        self.settings = settings or Settings(provider="scripted")
        self.base_settings = self.settings  # what "no preset" goes back to
        self.preset: str | None = None  # the preset the current settings come from
        self.provider_options = dict(provider_options or {})
        keymap = build_bindings(self.settings.keys, self.COMMAND_PALETTE_BINDING)
        bindings = keymap.bindings
        super().__init__()
        for binding in bindings:
            self._bindings.bind(
                binding.key,
                binding.action,
                binding.description,
                show=binding.show,
                key_display=binding.key_display,
                priority=binding.priority,
            )
        self.rill_bindings = bindings
        self.provider = provider if provider is not None else make_provider(self.settings)
        self.store = store
        self.initial_cid = cid
        self.tools = list(tools or [])
        self.clock = clock
        self.always_allowed_tools: set[str] = set()
        self.mcp = mcp  # tui.mcp.McpHub: its servers start when the app is up, and its owner closes it
        self.startup_notes = [n for n in (startup_notes or []) if n]
        self.startup_notes.extend(keymap.problems)
        self.state = state
        self.warmup = ModelWarmup(self.provider, clock, getattr(state, "model_load_ms", None))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity="information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications carry server errors and file names: literal text unless a caller opts in."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    @property
    def provider_name(self) -> str:
        return getattr(self.provider, "name", "") or ""

    @property
    def model_name(self) -> str:
        return getattr(self.provider, "model", "") or ""

    @property
    def chat(self) -> ChatScreen:
        return self._chat

    def get_default_screen(self) -> ChatScreen:
        if getattr(self, "_chat", None) is None:  # Textual may ask more than once
            self._chat = ChatScreen(name="chat")
        return self._chat

    def on_mount(self) -> None:
        remembered = getattr(self.state, "theme", None) or self.settings.theme
        if remembered in self.available_themes:
            self.theme = remembered
        elif remembered:
            self.startup_notes.append(f"Unknown theme {remembered!r}; using {self.theme}.")
        for note in self.startup_notes:
            self.notify(note, severity="warning", timeout=10)
        self.call_after_refresh(self._warm_up)  # once the chat screen (its stats bar) is there
        if self.mcp is not None:  # in the background: the first send waits for servers still starting
            self.mcp.subscribe(lambda server: self.post_message(self.McpServerChanged(server)))
            self.mcp.start()
        self.set_timer(memory.SETTLE_DELAY, self.chat.settle_memory)  # skipped if a stream has begun

    class McpServerChanged(Message):
        """An MCP server's state changed (posted from the hub's thread)."""

        def __init__(self, server: Any) -> None:
            super().__init__()
            self.server = server

    def on_rill_app_mcp_server_changed(self, message: McpServerChanged) -> None:
        """A server that cannot start or that stopped is said once, with its log file."""
        server = message.server
        if server.state in ("failed", "crashed"):
            what = f"could not start: {server.error}" if server.state == "failed" else f"stopped {server.error}"
            self.notify(
                f"MCP server {server.name} {what}. Its log: {server.log_path}",
                title="MCP",
                severity="error",
                timeout=15,
            )

    def _warm_up(self) -> None:
        """The local model: say now if it cannot run (not at the first send), else start loading it and
        show how far the load is in the stats bar until it is ready."""
        warmup = self.warmup
        warmup.start()
        if warmup.problem:
            self.notify(f"The local model cannot run: {warmup.problem}", title="No model", severity="error", timeout=30)
            self.chat.show_idle_note("no model: it cannot answer (the welcome says why)")
            return
        if warmup.loading:
            self.chat.show_idle_note(warmup.note())
            self._warmup_timer = self.set_interval(0.2, self._watch_warmup)

    def _watch_warmup(self) -> None:
        warmup = self.warmup
        if not warmup.finished():
            self.chat.show_idle_note(warmup.note())
            return
        self._warmup_timer.stop()
        self.chat.show_idle_note("")
        state = self.state
        if warmup.load_ms and state is not None:
            state.model_load_ms = warmup.load_ms
            state.save()  # a failure only costs the next load its estimate

    def watch_theme(self, theme: str) -> None:
        state = getattr(self, "state", None)
        if state is not None and getattr(state, "theme", None) != theme:
            state.theme = theme
            if not state.save():
                self.notify(f"Could not remember the theme: {state.last_error}", severity="warning")

    def create_conversation(
        self, first_prompt: str, *, system: str | None = None, title: str | None = None
    ) -> int | None:
        """A history row for a new chat; None (and a notice) when history refuses."""
        if self.store is None:
            return None
        title = title or " ".join(first_prompt.split())[:60]
        try:
            return self.store.create_conversation(
                provider=self.provider_name, model=self.model_name, system=system, title=title
            ).id
        except HistoryError as exc:
            self.notify(f"History refused the new conversation, not saving: {exc}", severity="warning")
            return None

    # -- actions (stable names: see ACTIONS) -------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in TRANSCRIPT_ACTIONS:
            from tui.app.widgets.transcript import Transcript

            return isinstance(self.focused, Transcript) and self.screen is self.chat
        if action in ("prev_branch", "next_branch"):
            from tui.app.widgets.prompt_input import PromptInput

            focused = self.focused
            return self.screen is self.chat and not (isinstance(focused, PromptInput) and focused.text)
        if action in ("cancel", "pause_resume"):
            return self.screen is self.chat and self.chat.streaming
        if action in CHAT_DIALOG_ACTIONS:  # (listed in the palette opened over the chat too)
            from textual.command import CommandPalette

            stack = self.screen_stack
            return stack[-1] is self.chat or (
                isinstance(stack[-1], CommandPalette) and len(stack) > 1 and stack[-2] is self.chat
            )
        return True

    async def action_quit(self) -> None:
        """Quit; a stream still running is cancelled first and its partial answer saved."""
        # bounded: a worker stuck past the timeout leaves its answer `streaming`, and the next start
        # marks it interrupted (recovery in the history store): the text that arrived is kept either way
        await self.chat.stop_stream()
        self.exit()

    def action_pause_resume(self) -> None:
        self.chat.pause_resume()

    def action_cancel(self) -> None:
        self.chat.cancel()

    async def action_new_chat(self) -> None:
        if self.screen is self.chat:
            await self.chat.new_chat()

    def action_toggle_thinking(self) -> None:
        self.chat.toggle_thinking()

    async def action_regenerate(self) -> None:
        await self.chat.regenerate()

    async def action_continue_answer(self) -> None:
        if self.screen is self.chat:
            await self.chat.continue_answer()

    def action_edit_message(self) -> None:
        self.chat.edit_message()

    def action_branch_tree(self) -> None:
        if self.screen is self.chat:
            self.chat.show_branch_tree()

    async def action_prev_branch(self) -> None:
        await self.chat.switch_branch(-1)

    async def action_next_branch(self) -> None:
        await self.chat.switch_branch(1)

    async def action_select_prev_part(self) -> None:
        await self.chat.transcript.move_selection(-1)

    async def action_select_next_part(self) -> None:
        await self.chat.transcript.move_selection(1)

    def action_rewrite_part(self) -> None:
        self.chat.rewrite_part()

    async def action_undo_rewrite(self) -> None:
        await self.chat.undo_rewrite()

    def action_copy_part(self) -> None:
        self.chat.copy_part()

    def action_copy_answer(self) -> None:
        self.chat.copy_answer()

    def action_attach_file(self) -> None:
        self.chat.pick_attachment()

    def action_edit_prompt(self) -> None:
        self.chat.edit_in_editor()

    def action_focus_transcript(self) -> None:
        from tui.app.widgets.prompt_input import PromptInput
        from tui.app.widgets.transcript import Transcript

        chat = self.chat
        target = chat.query_one(PromptInput) if isinstance(self.focused, Transcript) else chat.transcript
        target.focus()

    def action_sessions(self) -> None:
        if self.store is None:
            self.notify("History is not available in this session, so there are no sessions.", severity="warning")
            return
        from tui.app.screens.sessions import SessionsScreen

        def opened(choice: Any) -> None:  # sessions.Opened or None
            if choice:
                self.call_later(self.chat.open_conversation, choice.cid, choice.message_id)
            else:
                self.chat.refresh_title()  # it may have been renamed there

        self.push_screen(SessionsScreen(self.store, delete_guard=self._delete_guard), opened)

    def _delete_guard(self, cid: int) -> str | None:
        chat = self.chat
        if chat.streaming and chat.cid is not None and chat.cid == cid:
            return (
                "This conversation is open and an answer is streaming into it: cancel it (escape in the "
                "chat) or let it finish, then delete."
            )
        return None

    async def on_sessions_screen_deleted(self, message: SessionsScreen.Deleted) -> None:
        """The open conversation was deleted: start a new one, so the next prompt is saved (the text in
        the prompt box stays)."""
        chat = self.chat
        if chat.cid is not None and chat.cid == message.cid and not chat.streaming:
            await chat.new_chat()
            self.notify("The open conversation was deleted; this is a new one.", title="History")

    def key_labels(self) -> dict[str, str]:
        """Readable keys of the app's actions (as remapped by the config), plus the command palette."""
        from tui.app.keymap import key_label

        labels = {b.action: key_label(b.key) for b in self.rill_bindings}
        labels["palette"] = key_label(self.COMMAND_PALETTE_BINDING)
        return labels

    def action_help(self) -> None:
        from tui.app.keymap import help_groups
        from tui.app.screens.confirm_tool import ConfirmToolScreen
        from tui.app.screens.help import HelpScreen
        from tui.app.screens.sessions import SessionsScreen
        from tui.app.screens.tool_detail import ToolDetailScreen
        from tui.app.widgets.prompt_input import KEYS
        from tui.app.widgets.tool_table import ToolTable
        from tui.app.widgets.transcript import Transcript

        groups = help_groups(
            self.rill_bindings,
            scopes=action_scopes(),
            palette_key=self.COMMAND_PALETTE_BINDING,
            prompt_keys=KEYS,
            transcript=Transcript,
            sessions=SessionsScreen,
            gives_way=GIVES_WAY,
            others=[
                ("Tool pane (tab to it; a click opens a call too)", [ToolTable, ToolDetailScreen]),
                ("Tool confirmation", [ConfirmToolScreen]),
            ],
        )
        self.push_screen(HelpScreen(groups))

    def action_export(self) -> None:
        self.chat.export_conversation()

    # -- the command palette (tui/app/commands.py lists ACTIONS; Textual adds theme, screenshot...) --
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own palette entries, less the two rill has itself: Quit, and Keys (the help)."""
        for command in super().get_system_commands(screen):
            if command.title not in ("Quit", "Keys"):
                yield command

    def why_unavailable(self, action: str, screen: Screen) -> str | None:
        """Why `action` cannot run now from `screen` (the palette says so instead of running it), or None."""
        if action in ANYWHERE_ACTIONS:
            return None
        if screen is not self.chat:
            return "Only in the chat: close this screen first (escape)."
        if action in ("cancel", "pause_resume") and not self.chat.streaming:
            return "Nothing is streaming now."
        return None

    def switch_provider(self, name: str, model: str | None = None) -> bool:
        """Use another provider (and model) for the next prompts; called from the command palette."""
        if self.chat.streaming:
            self.notify("Wait for the stream to end before switching provider.", severity="warning")
            return False
        if not self.use_settings(self.settings.with_provider(name, model), f"provider {name!r}"):
            return False
        self.notify(f"Now using {self.provider.describe()}.")
        return True

    def use_settings(self, settings: Settings, what: str) -> bool:
        """Rebuild the provider for `settings` (through `make_provider`, the one factory) and use both from
        the next message on; a provider that cannot be built is a notice and changes nothing."""
        try:
            provider = make_provider(settings, **self.provider_options.get(settings.resolve_provider(), {}))
        except ConfigurationError as exc:
            self.notify(f"Cannot use {what}: {exc}", severity="error")
            return False
        self.settings = settings
        self.provider = provider
        self.chat.show_provider()
        return True

    # -- models and presets ---------------------------------------------------------------------------
    def action_choose_model(self) -> None:
        """The model picker: the provider's models, searchable; the choice answers the next message."""
        from tui.app.screens.picker import Choice, PickerScreen

        provider = self.provider

        async def load() -> list[Choice]:
            return [Choice(info.id, info.detail, info) for info in await provider.list_models()]

        def chosen(choice: Choice | None) -> None:
            if choice is not None:
                self.use_model(choice.value, choice.data)

        title = f"Model for the next message · {provider.name}"
        self.push_screen(PickerScreen(title, load, current=provider.model, custom="model name", noun="models"), chosen)

    def use_model(self, name: str, info: Any = None) -> bool:
        """Answer the next message with model `name` of the current provider (`info`: its `ModelInfo`
        when listed). For the local provider a listed model brings its file; a typed name is a file path."""
        name = name.strip()
        if not name:
            return False
        update: dict[str, Any] = {"model": name}
        if self.settings.resolve_provider() == "local":
            if info is not None:  # the packaged model (no path) or a file found in models_dir
                update["model_path"] = info.path
            else:
                path = Path(name).expanduser()
                update = {"model": path.stem, "model_path": str(path)}
        if not self.use_settings(self.settings.model_copy(update=update, deep=True), f"model {name!r}"):
            return False
        self.notify(f"The next message goes to {self.provider.describe()}.")
        return True

    def action_new_chat_preset(self) -> None:
        """The preset picker: a new chat with `[presets.NAME]` (or with no preset: the config's settings)."""
        from tui.app.screens.picker import Choice, PickerScreen

        presets = self.base_settings.presets

        async def load() -> list[Choice]:
            plain = Choice("", "the settings from the config file and flags", label="(no preset)")
            return [plain, *(Choice(name, presets[name].summary()) for name in sorted(presets))]

        def chosen(choice: Choice | None) -> None:
            if choice is not None:
                self.call_later(self.new_chat_with_preset, choice.value or None)

        self.push_screen(PickerScreen("New chat with preset", load, current=self.preset or "", noun="presets"), chosen)

    async def new_chat_with_preset(self, name: str | None) -> bool:
        """Start a new chat with the preset's system prompt, provider, model, temperature, max_tokens and
        tools (None: the settings without a preset). The palette lists one entry per preset."""
        from tui.config import ConfigError

        try:
            settings = self.base_settings.with_preset(name) if name else self.base_settings
        except ConfigError as exc:
            self.notify(str(exc), severity="error")
            return False
        try:
            from tui.builtin_tools import enabled_tools

            builtin = list(enabled_tools(settings.tools))
        except ValueError as exc:
            self.notify(f"Preset {name!r}: built-in tools are off: {exc}", severity="warning")
            builtin = []
        if not self.use_settings(settings, f"preset {name!r}" if name else "the settings without a preset"):
            return False
        self.preset = name
        others = [tool for tool in self.tools if _tool_name(tool) not in BUILTIN_TOOL_NAMES]
        self.tools = others + builtin
        await self.chat.new_chat()
        what = f"preset {name}" if name else "no preset"
        self.notify(f"New chat with {what}: {self.provider.describe()}.")
        return True

    def action_edit_system(self) -> None:
        self.chat.edit_system()

    def action_rename_title(self) -> None:
        self.chat.rename_title()


def _tool_name(tool: Any) -> str:
    return str(getattr(tool, "name", None) or getattr(tool, "__name__", ""))


if TYPE_CHECKING:

    def _is_chat_host(app: RillApp) -> ChatHost:
        return app  # the type checker proves the app gives the chat screen all it needs
