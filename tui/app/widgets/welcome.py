"""What an empty transcript shows: which model answers, and the few keys a first-time user needs.

Keys are read from the live bindings, so a remapped key (config `[keys]`) is shown as remapped.
"""

from __future__ import annotations

from tui.app.widgets.entries import Entry, Piece, gap


def welcome_text(provider: str, model: str, keys: dict[str, str], problem: str | None = None) -> str:
    """`keys` maps action names (help, sessions, palette) to readable key labels; `problem` says why the
    provider cannot answer (the local model not installed), with what to do about it."""
    who = "/".join(p for p in (provider, model) if p) or "no provider"
    lines = [f"rill  ·  {who}", ""]
    if problem:
        lines += [f"This model cannot answer: {problem}", ""]
    lines.append("Type a message and press enter (shift+enter or ctrl+j for a new line).")
    hints = [
        f"{keys[action]} {label}"
        for action, label in (("help", "help"), ("sessions", "past conversations"), ("palette", "all commands"))
        if keys.get(action)
    ]
    if hints:
        lines.append("  ·  ".join(hints))
    return "\n".join(lines)


class Welcome(Entry):
    """The hint as plain text (never markup), muted."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.pieces = [gap(), Piece(text, kind="text", frame="plain", role="welcome")]
