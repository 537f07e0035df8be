"""`rill` with no -p: build the provider, open history and tools, run the full-screen app.

Whatever cannot be set up is said plainly instead of a traceback: a provider that cannot be built
exits with one line on stderr (status 2); a database that cannot be opened lets the app run without
saving, and the app says so in a notification.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tui.config import Settings, make_provider
from tui.stream import ConfigurationError

DEMO_TOOL_ARGUMENTS = {"calculator": {"expression": "2 ** 10 + 7 * 6"}, "current_time": {}}


def run_app(args: argparse.Namespace, settings: Settings) -> int:
    notes: list[str] = []
    name = settings.resolve_provider()
    demo = name == "scripted"
    if demo:  # the offline demo shows tool calls, so it needs the built-in tools switched on
        settings.tools.time = True
        settings.tools.calculator = True
    tools = load_tools(settings, notes)
    options = provider_overrides(settings, tools if demo else None)
    try:
        provider = build_provider(settings, tools if demo else None)
    except ConfigurationError as exc:
        print(f"rill: {exc}", file=sys.stderr)
        return 2
    store = open_store(settings, notes, no_history=getattr(args, "no_history", False))
    cid = getattr(args, "cid", None)
    if cid is None and getattr(args, "continue_latest", False) and store is not None:
        latest = store.latest_conversation()
        cid = latest.id if latest is not None else None
    from tui.app.app import RillApp

    app = RillApp(
        settings,
        provider=provider,
        store=store,
        cid=cid,
        tools=tools,
        startup_notes=notes,
        state=load_state(notes),
        provider_options={name: options},  # kept when the model or preset changes
    )
    try:
        app.run()
    finally:
        if store is not None:
            store.close()
    return app.return_code or 0


def build_provider(settings: Settings, demo_tools: list | None = None) -> Any:
    # not checked here: a local model that cannot run is said in the app (notice, welcome, stats bar), which
    # still opens, so history and the provider switch stay at hand
    return make_provider(settings, check_ready=False, **provider_overrides(settings, demo_tools))


def provider_overrides(settings: Settings, demo_tools: list | None = None) -> dict[str, Any]:
    """Extra provider options: the scripted demo's tool calls (for the tools switched on) and pace."""
    options: dict[str, Any] = {}
    if settings.resolve_provider() == "scripted" and demo_tools:
        calls = []
        for tool in demo_tools:
            tool_name = str(getattr(tool, "name", None) or getattr(tool, "__name__", ""))
            arguments = DEMO_TOOL_ARGUMENTS.get(tool_name)
            if arguments is not None and not getattr(tool, "requires_confirmation", False):
                calls.append({"name": tool_name, "arguments": arguments})
        options["tool_calls"] = calls or None
        options["rate"] = 60.0
    return options


def load_tools(settings: Settings, notes: list[str]) -> list[Any]:
    try:
        from tui.builtin_tools import enabled_tools
    except ImportError:
        return []
    try:
        return list(enabled_tools(settings.tools))
    except (ValueError, OSError) as exc:
        notes.append(f"Built-in tools are off: {exc}")
        return []


def open_store(settings: Settings, notes: list[str], *, no_history: bool = False) -> Any:
    if no_history:
        notes.append("History is off (--no-history): nothing is saved.")
        return None
    try:
        from tui.history import HistoryError, HistoryStore
    except ImportError:
        notes.append("History is not available in this build: nothing is saved.")
        return None
    try:
        settings.db_path.parent.mkdir(parents=True, exist_ok=True)
        return HistoryStore(settings.db_path)
    except (HistoryError, OSError) as exc:
        notes.append(f"Not saving: the history database cannot be opened ({exc}).")
        return None


def load_state(notes: list[str]) -> Any:
    try:
        from tui.app.state import AppState
    except ImportError:
        return None
    state = AppState.load()
    if state.last_error:
        notes.append(state.last_error)
    return state
