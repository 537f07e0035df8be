"""The session browser (ctrl+r): saved conversations newest first, live full-text search, and
open / rename / delete / export. Dismisses with the chosen conversation's id, or None.

A full-size modal screen: the chat's bindings (ctrl+r, ctrl+n, ...) do not apply while it is open, so
the footer lists only what works here and ctrl+r cannot stack a second browser; ctrl+r closes it.

Built to stay fast with tens of thousands of conversations:
- the list shows one page (PAGE_SIZE rows) and fetches the next page only when the user nears the
  end (`SessionList.NearEnd`), so no more rows than the user has scrolled past ever become options;
- every store call runs in a thread worker (the UI never waits on SQLite); a generation counter
  drops results that a newer listing or search has made stale;
- search runs SEARCH_DELAY seconds after the last keystroke (debounce), and only the latest query's
  results are shown. The store treats the text as plain words, and whatever it raises is shown as a
  one-line message, so no input (quotes, `-`, `NEAR(`, `*`) can crash the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import platformdirs
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Key
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from tui.app.screens._literal import visible
from tui.app.screens.confirm import ConfirmScreen
from tui.app.screens.session_list import SessionList
from tui.app.screens.session_rows import display_title, export_filename, summary_prompt
from tui.app.screens.text_prompt import TextPromptScreen
from tui.config import APP_NAME

PAGE_SIZE = 100
SEARCH_LIMIT = 200
SEARCH_DELAY = 0.2
MAX_ROWS = 500  # rows kept as options; scrolling further lets go of the far end and refetches it on return
STORE_ERRORS = (Exception,)  # the store raises HistoryError; anything else is still one line, never a crash


def default_export_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "exports"


def write_export(store: Any, cid: int, directory: Path, title: str | None = None) -> Path:
    """Write conversation `cid` as Markdown into `directory` (made if missing); the file's path.
    `title` names the file (default: the conversation's own title). Raises what the store or the
    file system raises."""
    markdown = store.export_markdown(cid)
    if title is None:
        conversation = store.get_conversation(cid)
        title = conversation.title if conversation is not None else None
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / export_filename(title, cid)
    path.write_text(markdown, encoding="utf-8")
    return path


def option_cid(option: Option) -> int:
    """A row's option id is its conversation id (see `_options`)."""
    return int(option.id or 0)


@dataclass
class Entry:
    title: str | None
    model: str | None
    updated: str | None
    message_count: int | None
    snippet: str | None = None
    message_id: int | None = None  # a search hit: the matching message, opened scrolled to it

    def prompt(self) -> Any:
        return summary_prompt(self.title, self.model, self.updated, self.message_count, self.snippet)


class Opened(NamedTuple):
    """What the browser returns: the conversation, and the message a search hit was in (if any)."""

    cid: int
    message_id: int | None = None


class SessionsScreen(ModalScreen[Any]):
    class Deleted(Message):
        """A conversation was deleted (the chat starts a new one if it was the open one)."""

        def __init__(self, cid: int) -> None:
            super().__init__()
            self.cid = cid

    BINDINGS = [
        Binding("escape,ctrl+r", "close", "Back"),
        Binding("enter", "open", "Open", show=True),
        Binding("f2", "rename", "Rename"),
        Binding("f3", "export", "Export .md"),
        Binding("f8,delete", "delete", "Delete"),  # delete: with the list focused (the search box uses it)
        Binding("down", "move('cursor_down')", show=False),
        Binding("up", "move('cursor_up')", show=False),
        Binding("pagedown", "move('page_down')", show=False),
        Binding("pageup", "move('page_up')", show=False),
    ]

    def __init__(
        self,
        store: Any,
        *,
        export_dir: str | Path | None = None,
        page_size: int = PAGE_SIZE,
        max_rows: int = MAX_ROWS,
        search_delay: float = SEARCH_DELAY,
        delete_guard: Callable[[int], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.delete_guard = delete_guard  # cid -> why it cannot be deleted now (None: it can)
        self.export_dir = Path(export_dir) if export_dir is not None else default_export_dir()
        self.page_size = page_size
        self.max_rows = max(max_rows, 3 * page_size)
        self.window_start = 0  # listing offset of the first row shown (rows above it were let go)
        self.window_end = 0  # listing offset just after the last row fetched
        self.search_delay = search_delay
        self.query_text = ""  # the search the list currently shows ("" = newest first)
        self.total: int | None = None
        self.exhausted = False  # every conversation of the listing has been loaded
        self.loading = False
        self.generation = 0  # bumped by every new listing/search; stale worker results are dropped
        self.replace_rows = False  # the next results replace the rows shown (a new listing or search)
        self.search_capped = False  # the search hit SEARCH_LIMIT: there may be more matches than shown
        self.entries: dict[int, Entry] = {}  # what each shown row displays, to redraw it after a rename
        self._debounce: Timer | None = None

    # ------------------------------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static("Conversations", id="sessions-title")
        yield Input(
            placeholder="Search every message… (type to search, ↑↓ to move, enter to open)",
            id="sessions-search",
            select_on_focus=False,
        )
        yield SessionList(id="sessions-list")
        yield Static("", id="sessions-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sessions-search", Input).focus()
        self.reload()

    @property
    def session_list(self) -> SessionList:
        return self.query_one("#sessions-list", SessionList)

    def set_status(self, message: str) -> None:
        self.query_one("#sessions-status", Static).update(message)

    # ----------------------------------------------------------------------------------------- loading
    def reload(self) -> None:
        """Start over: the first page of the newest conversations, or the current search."""
        self.generation += 1
        self.exhausted = False
        self.loading = True
        self.replace_rows = True  # the rows shown stay until the new ones arrive: no flicker while typing
        if self.query_text:
            self.set_status(f"Searching for “{visible(self.query_text, one_line=True)}”…")
            self._search(self.generation, self.query_text)
        else:
            self.set_status("Loading…")
            self._load_page(self.generation, 0, self.page_size, with_total=True)

    @work(thread=True, group="sessions-load")
    def _load_page(
        self, generation: int, offset: int, limit: int, with_total: bool = False, earlier: bool = False
    ) -> None:
        try:
            rows = self.store.list_conversations(limit=limit, offset=offset)
            total = self._count() if with_total else None
        except STORE_ERRORS as exc:
            self.app.call_from_thread(self._show_error, generation, exc)
            return
        if earlier:
            self.app.call_from_thread(self._show_earlier, generation, offset, rows)
        else:
            self.app.call_from_thread(self._show_page, generation, rows, total)

    def _count(self) -> int | None:
        count = getattr(self.store, "count_conversations", None)
        return count() if count is not None else None

    def _take_over(self) -> None:
        """Drop the previous listing's rows, once the new listing's first results are in."""
        if self.replace_rows:
            self.replace_rows = False
            self.entries.clear()
            self.session_list.clear_options()
            self.window_start = self.window_end = 0

    def _options(self, rows: list[Any]) -> list[Option]:
        options = []
        for row in rows:
            if row.id in self.entries:
                continue  # a conversation updated meanwhile moved to another page; show it once
            entry = self.entries[row.id] = Entry(row.title, row.model, row.updated, row.message_count)
            options.append(Option(entry.prompt(), id=str(row.id)))
        return options

    def _keep(self, start: int, stop: int) -> list[Option]:
        """Fresh options for the rows shown at [start, stop); the others' entries are let go."""
        options = self.session_list.options
        for option in [*options[:start], *options[stop:]]:
            self.entries.pop(option_cid(option), None)
        return [Option(self.entries[option_cid(option)].prompt(), id=option.id) for option in options[start:stop]]

    def _show_page(self, generation: int, rows: list[Any], total: int | None) -> None:
        if generation != self.generation:
            return
        self._take_over()
        self.loading = False
        if total is not None:
            self.total = total
        if len(rows) < self.page_size:
            self.exhausted = True
        self.window_end += len(rows)
        session_list = self.session_list
        options = self._options(rows)
        overflow = session_list.option_count + len(options) - self.max_rows
        if overflow > 0:  # let go of the rows furthest above, in one rebuild
            highlighted = session_list.highlighted
            kept = self._keep(overflow, session_list.option_count)
            self.window_start += overflow
            session_list.replace_rows(
                kept + options, None if highlighted is None else highlighted - overflow, -overflow
            )
        else:
            session_list.add_options(options)
        if session_list.highlighted is None and session_list.option_count:
            session_list.highlighted = 0
        self._update_status()

    def _show_earlier(self, generation: int, offset: int, rows: list[Any]) -> None:
        """Rows above the window came back: put them on top and let go of the rows furthest below."""
        if generation != self.generation:
            return
        self.loading = False
        session_list = self.session_list
        highlighted = session_list.highlighted
        room = max(0, self.max_rows - len(rows))
        dropped = max(0, session_list.option_count - room)
        kept = self._keep(0, session_list.option_count - dropped)
        options = self._options(rows)
        self.window_start = offset
        if dropped:
            self.window_end -= dropped
            self.exhausted = False
        session_list.replace_rows(
            options + kept, None if highlighted is None else highlighted + len(options), len(options)
        )
        self._update_status()

    @work(thread=True, exclusive=True, group="sessions-search")
    def _search(self, generation: int, query: str) -> None:
        try:
            hits = self.store.search(query, limit=SEARCH_LIMIT)
            best: dict[int, Any] = {}  # conversation -> the hit whose snippet is shown
            for hit in hits:  # ranked best first: each conversation in the order of its best hit
                shown = best.setdefault(hit.conversation_id, hit)
                if shown.message_id is None and hit.message_id is not None:
                    best[hit.conversation_id] = hit  # a title match shows a matching message too
            conversations = {cid: self.store.get_conversation(cid) for cid in best}
        except STORE_ERRORS as exc:
            self.app.call_from_thread(self._show_error, generation, exc)
            return
        capped = len(hits) >= SEARCH_LIMIT
        self.app.call_from_thread(self._show_hits, generation, list(best.values()), conversations, capped)

    def _show_hits(self, generation: int, hits: list[Any], conversations: dict[int, Any], capped: bool = False) -> None:
        if generation != self.generation:
            return
        self._take_over()
        self.loading = False
        self.exhausted = True
        options = []
        for hit in hits:
            conversation = conversations.get(hit.conversation_id)
            if conversation is None:
                continue  # deleted between the search and now
            entry = Entry(
                conversation.title, conversation.model, conversation.updated, None, hit.snippet, hit.message_id
            )
            self.entries[conversation.id] = entry
            options.append(Option(entry.prompt(), id=str(conversation.id)))
        self.session_list.add_options(options)
        if options:
            self.session_list.highlighted = 0
        self.search_capped = capped
        self._update_status()

    def _show_error(self, generation: int, exc: BaseException) -> None:
        if generation != self.generation:
            return
        self._take_over()
        self.loading = False
        self.exhausted = True
        message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
        self.set_status(f"History unavailable: {visible(message, one_line=True)}")
        self.notify(visible(message, one_line=True), title="History", severity="error", markup=False)

    def _update_status(self) -> None:
        shown = self.session_list.option_count
        if self.query_text:
            query = visible(self.query_text, one_line=True)
            if shown and self.search_capped:
                self.set_status(
                    f"The {shown} best-matching conversations for “{query}” (add words to narrow the search)"
                )
            elif shown:
                self.set_status(f"{shown} conversation{'s' if shown != 1 else ''} match “{query}”")
            else:
                self.set_status(f"No conversation matches “{query}”.")
        elif not shown:
            self.set_status("No saved conversations yet: start chatting and they will appear here.")
        else:
            total = f" of {self.total:,}" if self.total is not None else ""
            if self.window_start:
                first = self.window_start + 1
                self.set_status(f"Showing {first:,}–{first + shown - 1:,}{total} conversations, newest first")
            else:
                self.set_status(f"Showing {shown:,}{total} conversations, newest first")

    @on(SessionList.NearEnd)
    def _load_more(self) -> None:
        if self.query_text or self.exhausted or self.loading or self.replace_rows:
            return
        self.loading = True
        self._load_page(self.generation, self.window_end, self.page_size)

    @on(SessionList.NearStart)
    def _load_earlier(self) -> None:
        if self.query_text or self.window_start <= 0 or self.loading or self.replace_rows:
            return
        self.loading = True
        offset = max(0, self.window_start - self.page_size)
        self._load_page(self.generation, offset, self.window_start - offset, earlier=True)

    # ------------------------------------------------------------------------------------------ search
    @on(Input.Changed, "#sessions-search")
    def _query_changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(self.search_delay, lambda: self._run_query(event.value.strip()))

    def _run_query(self, query: str) -> None:
        if query == self.query_text:
            return
        self.query_text = query
        self.reload()

    @on(Input.Submitted, "#sessions-search")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_open()

    def on_key(self, event: Key) -> None:
        """Typing while the list has focus goes on into the search box."""
        if self.focused is self.session_list and event.is_printable and event.character:
            search = self.query_one("#sessions-search", Input)
            search.focus()
            search.insert_text_at_cursor(event.character)
            event.stop()

    # ----------------------------------------------------------------------------------------- actions
    def selected_id(self) -> int | None:
        option = self.session_list.highlighted_option
        return int(option.id) if option is not None and option.id is not None else None

    def action_move(self, action: str) -> None:
        getattr(self.session_list, f"action_{action}")()

    @on(SessionList.OptionSelected)
    def _option_selected(self, event: SessionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        cid = self.selected_id()
        if cid is not None:
            entry = self.entries.get(cid)
            self.dismiss(Opened(cid, entry.message_id if entry is not None and self.query_text else None))

    def action_close(self) -> None:
        self.dismiss(None)

    # ------------------------------------------------------------------- rename, delete and export
    def action_rename(self) -> None:
        cid = self.selected_id()
        if cid is None:
            return
        current = self.entries[cid].title or ""

        def renamed(title: str | None) -> None:
            if title is None or title == current:
                return
            self._rename(cid, title)

        self.app.push_screen(TextPromptScreen("Rename conversation", value=current, placeholder="New title"), renamed)

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

        self.app.push_screen(
            ConfirmScreen(f"Delete “{title}”? Its messages are removed from history; this cannot be undone."), confirmed
        )

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
            path = write_export(self.store, cid, self.export_dir, title)
        except Exception as exc:  # HistoryError, OSError, ...: a message, never a crash
            self.app.call_from_thread(self._write_failed, "Export", exc)
            return
        self.app.call_from_thread(self.notify, f"Exported to {path}", title="History", markup=False)

    def _write_failed(self, what: str, exc: BaseException) -> None:
        message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
        self.notify(
            f"{what} failed: {visible(message, one_line=True)}", title="History", severity="error", markup=False
        )
