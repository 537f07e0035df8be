"""Rename, delete and export in the session browser: the edits, kept apart from listing and search.

`SessionEditing` is mixed into `SessionsScreen`. Each edit asks first where needed (a title prompt, a
delete confirmation), runs the store call in a thread worker, and updates only the affected row, so
the rows already loaded stay where they are. Any failure is a one-line notification.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import platformdirs
from textual import work
from textual.message import Message
from textual.widgets.option_list import OptionDoesNotExist

from tui.app.screens._literal import visible
from tui.app.screens.confirm import ConfirmScreen
from tui.app.screens.session_rows import display_title, export_filename
from tui.app.screens.text_prompt import TextPromptScreen
from tui.config import APP_NAME


def default_export_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "exports"


class SessionEditing:
    """Needs from the screen: `store`, `entries`, `session_list`, `export_dir`, `total`, `query_text`,
    `window_end`, `delete_guard`, `selected_id()`, `_update_status()` and Textual's `app`/`notify`."""

    class Deleted(Message):
        """A conversation was deleted (the chat starts a new one if it was the open one)."""

        def __init__(self, cid: int) -> None:
            super().__init__()
            self.cid = cid

    def action_rename(self) -> None:
        cid = self.selected_id()
        if cid is None:
            return
        current = self.entries[cid].title or ""

        def renamed(title: str | None) -> None:
            if title is None or title == current:
                return
            self._rename(cid, title)

        self.app.push_screen(TextPromptScreen("Rename conversation", value=current,
                                              placeholder="New title"), renamed)

    @work(thread=True, group="sessions-write")
    def _rename(self, cid: int, title: str) -> None:
        try:
            self.store.rename_conversation(cid, title)
            conversation = self.store.get_conversation(cid)
        except Exception as exc:  # HistoryError, OSError, ...: a message, never a crash
            self.app.call_from_thread(self._write_failed, "Rename", exc)
            return
        self.app.call_from_thread(self._renamed, conversation)

    def _renamed(self, conversation: Any) -> None:
        entry = self.entries.get(conversation.id) if conversation is not None else None
        if entry is None:
            return
        entry.title, entry.updated = conversation.title, conversation.updated
        try:
            index = self.session_list.get_option_index(str(conversation.id))
        except OptionDoesNotExist:  # a reload replaced the rows meanwhile: nothing to redraw
            return
        self.session_list.replace_option_prompt_at_index(index, entry.prompt())
        self.notify(f"Renamed to “{display_title(conversation.title)}”.", title="History", markup=False)

    def action_delete(self) -> None:
        cid = self.selected_id()
        if cid is None:
            return
        title = display_title(self.entries[cid].title)
        if self._refuse_delete(cid):
            return

        def confirmed(yes: bool | None) -> None:
            if yes and not self._refuse_delete(cid):  # a stream may have started meanwhile
                self._delete(cid)

        self.app.push_screen(ConfirmScreen(f"Delete “{title}”? Its messages are removed from history; "
                                           "this cannot be undone."), confirmed)

    def _refuse_delete(self, cid: int) -> bool:
        """The chat says why this conversation cannot go now (an answer is streaming into it)."""
        reason = self.delete_guard(cid) if self.delete_guard is not None else None
        if reason:
            self.notify(reason, title="History", severity="warning", markup=False)
        return bool(reason)

    @work(thread=True, group="sessions-write")
    def _delete(self, cid: int) -> None:
        try:
            self.store.delete_conversation(cid)
        except Exception as exc:  # HistoryError, OSError, ...: a message, never a crash
            self.app.call_from_thread(self._write_failed, "Delete", exc)
            return
        self.app.call_from_thread(self._deleted, cid)

    def _deleted(self, cid: int) -> None:
        entry = self.entries.pop(cid, None)
        title = display_title(entry.title if entry else None)
        try:
            self.session_list.remove_option(str(cid))
        except OptionDoesNotExist:
            pass  # not shown any more (a reload happened meanwhile)
        else:
            if not self.query_text:
                self.window_end -= 1  # the rows after it moved up one place in the listing
        if self.total is not None:
            self.total = max(0, self.total - 1)
        self._update_status()
        self.notify(f"Deleted “{title}”.", title="History", markup=False)
        self.post_message(self.Deleted(cid))

    def action_export(self) -> None:
        cid = self.selected_id()
        if cid is not None:
            self._export(cid, self.entries[cid].title)

    @work(thread=True, group="sessions-write")
    def _export(self, cid: int, title: str | None) -> None:
        try:
            markdown = self.store.export_markdown(cid)
            self.export_dir.mkdir(parents=True, exist_ok=True)
            path = self.export_dir / export_filename(title, cid)
            path.write_text(markdown, encoding="utf-8")
        except Exception as exc:  # HistoryError, OSError, ...: a message, never a crash
            self.app.call_from_thread(self._write_failed, "Export", exc)
            return
        self.app.call_from_thread(self.notify, f"Exported to {path}", title="History", markup=False)

    def _write_failed(self, what: str, exc: BaseException) -> None:
        message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
        self.notify(f"{what} failed: {visible(message, one_line=True)}", title="History", severity="error",
                    markup=False)
