"""Pick a file to attach (f3, or the palette): a directory tree from where rill runs.

Enter (or a click) on a file dismisses with its path, relative to the working directory when it is
under it; backspace shows the parent folder; escape cancels. The chat screen then puts `@path` into
the prompt, where it is read and checked when the prompt is sent, like a typed mention.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Static

from tui.app.mentions import relative_to
from tui.app.screens._literal import literal


class AttachPickerScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("backspace", "parent", "Parent folder"),
    ]

    def __init__(self, cwd: str | os.PathLike[str] | None = None) -> None:
        super().__init__()
        self.cwd = Path(cwd or os.getcwd())

    def compose(self) -> ComposeResult:
        with Vertical(id="attach-dialog", classes="rill-dialog"):
            yield Static(literal("Attach a file", "bold", one_line=True), id="attach-title")
            yield Static(literal(str(self.cwd), one_line=True), id="attach-folder")
            yield DirectoryTree(self.cwd, id="attach-tree")
            yield Static(
                "enter attaches (text as context, PNG/JPEG/GIF/WebP as images) · backspace: parent folder · "
                "escape cancels",
                id="attach-hint",
                classes="rill-dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one(DirectoryTree).focus()

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(relative_to(event.path, os.getcwd()))

    def action_parent(self) -> None:
        tree = self.query_one(DirectoryTree)
        current = Path(tree.path)
        if current.parent != current:
            tree.path = current.parent
            self.query_one("#attach-folder", Static).update(literal(str(current.parent), one_line=True))

    def action_cancel(self) -> None:
        self.dismiss(None)
