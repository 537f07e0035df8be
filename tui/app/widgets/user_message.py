"""A prompt the user sent, as a transcript entry: Markdown (sanitised, never markup), framed as the user's,
with its line breaks kept, and a chip line naming the files sent with it.

It can be selected (up/down in the focused transcript move over prompts as over answer parts), and a
prompt that has siblings (it was edited: each edit is a branch) shows where it is among them: `< 2/3 >`.
"""

from __future__ import annotations

from collections.abc import Sequence

from tui.app.conversation import branch_label
from tui.app.widgets.entries import Entry, Piece, gap
from tui.stream.attachments import Attachment
from tui.stream.sanitize import one_line, sanitize

BRANCH_HINT = "edited prompt · ctrl+left/right switches"


def chips(attachments: Sequence[Attachment]) -> str:
    """`▣ notes.md (text, 1.2 KB)   ▣ cat.png (image/png, 34.0 KB)`: one line (it wraps when narrow)."""
    return "   ".join(f"▣ {one_line(a.describe())}" for a in attachments)


class UserMessage(Entry):
    def __init__(
        self,
        text: str,
        message_id: int | None = None,
        attachments: Sequence[Attachment] = (),
        *,
        parent_id: int | None = None,
        branch: tuple[int, int] | None = None,
    ) -> None:
        super().__init__()
        self.prompt = text
        self.message_id = message_id
        self.attachments = list(attachments)
        self.parent_id = parent_id  # the message it follows in history (None: the first prompt)
        self.selected = False
        self.body = Piece(sanitize(text), frame="user")
        self._own = [gap(), self.body]  # the pieces before the branch indicator
        if self.attachments:
            self._own.append(Piece(chips(self.attachments), kind="text", frame="user", role="chip"))
        self.pieces = list(self._own)
        self.branch: tuple[int, int] | None = None
        self.set_branch(branch)

    def set_branch(self, branch: tuple[int, int] | None) -> None:
        """Show where this prompt is among its siblings (`< 2/3 >`), or nothing when it has none."""
        self.branch = branch if branch is not None and branch[1] > 1 else None
        self.pieces = list(self._own)
        if self.branch is not None:
            label = Piece(f"{branch_label(self.branch)} {BRANCH_HINT}", kind="text", frame="user", role="status")
            label.mark = self.body.mark
            self.pieces.append(label)
        self.changed(len(self._own) - 1)

    def select(self, selected: bool) -> None:
        self.selected = selected
        for piece in self.pieces:
            if piece.kind != "gap":
                piece.mark = "selected" if selected else ("hit" if self.hit else "")
        self.repaint()
