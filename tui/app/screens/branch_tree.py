"""The conversation as a tree: every message of every branch, the shown path marked; enter shows a branch.

A run of messages with one child each stays on one level (a conversation reads top to bottom); where a
message has several children (a regenerated answer, an edited prompt) each child opens a subtree.
Each node: who, the first line, the model and the state (when not complete). Marks: `●` on the shown
path, `○` elsewhere; the shown leaf says so. Dismisses with the chosen message id, or None.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, Tree

from tui.app.conversation import joined
from tui.stream.sanitize import one_line, sanitize

FIRST_LINE = 50
ROLES = {"user": "you", "assistant": "rill", "tool": "tool", "system": "system"}


def node_label(message: Any, on_path: bool, leaf: bool) -> Text:
    """`● you: first line` / `○ rill: first line · model · cancelled`, literal (never markup)."""
    text = joined(message, "text")  # rounds of a tool-using answer stay apart, as on screen
    source = text or (f"(thinking) {message.thinking}" if message.thinking else "")
    first = one_line(next((line for line in sanitize(source).splitlines() if line.strip()), ""))
    if len(first) > FIRST_LINE:
        first = first[: FIRST_LINE - 1] + "…"
    label = Text("● " if on_path else "○ ", style="bold" if on_path else "dim")
    label.append(f"{ROLES.get(message.role, message.role)}: ", style="bold")
    label.append(first or "(no text)", style="" if first else "italic dim")
    details = [d for d in (message.model if message.role == "assistant" else None, _state(message)) if d]
    if details:
        label.append(" · " + " · ".join(details), style="dim")
    if leaf:
        label.append("  ◀ shown", style="bold")
    return label


def _state(message: Any) -> str:
    if message.status and message.status != "complete":
        return str(message.status)
    if message.role == "assistant" and (message.stats or {}).get("stop_reason") in ("length", "max_tokens"):
        return "cut off"
    return ""


class BranchTree(Tree[int]):
    """The tree widget; `load` fills it from stored messages."""

    def load(self, messages: Iterable[Any], path: list[int]) -> None:
        by_id = {m.id: m for m in messages}
        children: dict[int | None, list[int]] = {}
        for message in by_id.values():
            parent = message.parent_id if message.parent_id in by_id else None
            children.setdefault(parent, []).append(message.id)
        on_path, leaf = set(path), (path[-1] if path else None)
        self.clear()
        self.root.expand()
        found = None
        pending = [(self.root, sorted(children.get(None, [])))]
        while pending:
            node, ids = pending.pop()
            while len(ids) == 1:  # one child: the conversation goes on at this level
                mid = ids[0]
                added = node.add_leaf(node_label(by_id[mid], mid in on_path, mid == leaf), data=mid)
                found = added if mid == leaf else found
                ids = sorted(children.get(mid, []))
            for mid in ids:  # a fork: each child opens its own branch
                label = node_label(by_id[mid], mid in on_path, mid == leaf)
                after = sorted(children.get(mid, []))
                added = node.add(label, data=mid, expand=True) if after else node.add_leaf(label, data=mid)
                found = added if mid == leaf else found
                if after:
                    pending.append((added, after))
        if found is not None:  # the lines are known after the next refresh
            self.call_after_refresh(self.move_cursor, found)


class BranchTreeScreen(ModalScreen[int | None]):
    BINDINGS = [Binding("escape", "cancel", "Close")]

    def __init__(self, messages: list[Any], path: list[int], title: str = "") -> None:
        super().__init__()
        self.messages = messages
        self.path = path
        self.conversation_title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="branch-dialog", classes="rill-dialog"):
            yield Static(
                Text(f"Branches of {one_line(self.conversation_title) or 'this conversation'}"), id="branch-title"
            )
            yield BranchTree("conversation", id="branch-tree")
            yield Static(
                "● the shown path · enter shows the branch through that message · escape closes",
                classes="rill-dialog-hint",
            )

    def on_mount(self) -> None:
        tree = self.query_one(BranchTree)
        tree.show_root = False
        tree.auto_expand = False
        tree.load(self.messages, self.path)
        tree.focus()

    def on_tree_node_selected(self, event: Tree.NodeSelected[int]) -> None:
        event.stop()
        if event.node.data is not None:
            self.dismiss(event.node.data)

    def action_cancel(self) -> None:
        self.dismiss(None)
