"""The session browser against the real history store: list, lazy paging, search, open, rename,
delete, export, and bad input / a broken store shown as a message."""

import sqlite3
import threading

import pytest
from textual.widgets import Input

from tests.app.screen_host import ScreenHost, screen_text, wait_for
from tui.app.screens.confirm import ConfirmScreen
from tui.app.screens.sessions import SessionsScreen
from tui.app.screens.text_prompt import TextPromptScreen
from tui.history import HistoryStore


class RecordingStore(HistoryStore):
    """The real store, noting which searches and pages the screen asked for."""

    def __init__(self, path):
        super().__init__(path)
        self.searches: list[str] = []
        self.pages: list[tuple[int, int]] = []
        self.lock = threading.Lock()

    def search(self, query, limit=50):
        with self.lock:
            self.searches.append(query)
        return super().search(query, limit)

    def list_conversations(self, limit=50, offset=0):
        with self.lock:
            self.pages.append((limit, offset))
        return super().list_conversations(limit, offset)


def pin_times(path, stamps: dict[int, str]) -> None:
    with sqlite3.connect(path) as db:
        for cid, stamp in stamps.items():
            db.execute("UPDATE conversations SET created = ?, updated = ? WHERE id = ?", (stamp, stamp, cid))


def make_store(tmp_path, count: int, *, messages: int = 1) -> RecordingStore:
    path = tmp_path / "history.db"
    store = RecordingStore(path)
    for number in range(count):
        conversation = store.create_conversation(
            provider="scripted", model=f"model-{number % 3}", title=f"Chat {number:05d}"
        )
        parent = None
        for index in range(messages):
            parent = store.add_message(
                conversation.id,
                "user" if index % 2 == 0 else "assistant",
                f"message {index} of chat {number} about topic{number % 7}",
                parent_id=parent.id if parent else None,
            )
    return store


def host(store, **kwargs) -> ScreenHost:
    return ScreenHost(lambda: SessionsScreen(store, **kwargs))


async def opened(pilot, app, rows: int | None = None) -> SessionsScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen) and not app.screen.loading)
    if rows is not None:
        await wait_for(pilot, lambda: app.screen.session_list.option_count == rows)
    return app.screen


def shown_ids(screen: SessionsScreen) -> list[int]:
    return [int(option.id) for option in screen.session_list.options]


async def test_lists_newest_first_with_title_model_date_count(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    store = make_store(tmp_path, 3, messages=4)
    pin_times(
        store.path, {1: "2026-01-01T10:00:00+00:00", 2: "2026-03-05T08:30:00+00:00", 3: "2026-02-01T12:00:00+00:00"}
    )
    app = host(store)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await opened(pilot, app, rows=3)
        assert shown_ids(screen) == [2, 3, 1]
        text = screen_text(screen)
        assert "Showing 3 of 3 conversations" in text
        first = screen.session_list.get_option_at_index(0).prompt
        from tests.app.screen_host import render_plain

        row = render_plain(first, 100)
        assert "Chat 00001" in row and "model-1" in row and "2026-03-05 08:30" in row and "4 msgs" in row


async def test_pages_load_lazily_as_the_user_scrolls(tmp_path):
    store = make_store(tmp_path, 260)
    app = host(store, page_size=100)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot, app, rows=100)
        assert store.pages == [(100, 0)]
        assert "Showing 100 of 260" in screen_text(screen)
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown")
        await wait_for(pilot, lambda: screen.session_list.option_count == 200)
        assert store.pages == [(100, 0), (100, 100)]
        screen.session_list.action_last()
        await wait_for(pilot, lambda: screen.session_list.option_count == 260)
        screen.session_list.action_last()
        await pilot.pause()
        assert screen.exhausted
        assert len(store.pages) == 3
        ids = shown_ids(screen)
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == 260


async def test_search_as_you_type_is_debounced_and_shows_snippets(tmp_path):
    store = make_store(tmp_path, 30)
    app = host(store, search_delay=1.0)  # generous, so a busy machine's slow keystrokes still coalesce
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot, app, rows=30)
        await pilot.press(*"topic3")
        await wait_for(pilot, lambda: screen.query_text == "topic3" and not screen.loading)
        assert store.searches[-1] == "topic3" and len(store.searches) < 3  # not one search per keystroke
        ids = shown_ids(screen)
        assert ids and all((cid - 1) % 7 == 3 for cid in ids)
        assert sorted(ids) == [cid for cid in range(1, 31) if (cid - 1) % 7 == 3]
        from tests.app.screen_host import render_plain

        prompt = render_plain(screen.session_list.get_option_at_index(0).prompt, 100)
        assert "topic3" in prompt and "[topic3]" not in prompt  # match marks became highlighting
        assert "match “topic3”" in screen_text(screen)
        await pilot.press(*"x" * 3)
        await wait_for(pilot, lambda: screen.query_text == "topic3xxx" and not screen.loading)
        assert screen.session_list.option_count == 0
        assert "No conversation matches “topic3xxx”" in screen_text(screen)
        for _ in range(9):
            await pilot.press("backspace")
        await wait_for(pilot, lambda: screen.query_text == "" and screen.session_list.option_count == 30)


@pytest.mark.parametrize("query", ['"', 'a"b', "NEAR(", "-x", "*", "a AND OR", "(", "'", "^", "title:x", "\x1b[2J"])
async def test_hostile_queries_never_crash(tmp_path, query):
    store = make_store(tmp_path, 3)
    app = host(store)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await opened(pilot, app, rows=3)
        screen.query_one("#sessions-search", Input).value = query
        await wait_for(pilot, lambda: screen.query_text == query.strip() and not screen.loading)
        text = screen_text(screen)
        assert "History unavailable" not in text
        assert "\x1b" not in text


async def test_enter_and_click_open_escape_closes(tmp_path):
    store = make_store(tmp_path, 5)
    app = host(store)
    async with app.run_test(size=(100, 24)) as pilot:
        await opened(pilot, app, rows=5)
        await pilot.press("down", "down", "enter")
        await wait_for(pilot, lambda: app.dismissed)
    assert app.result.cid == 3  # newest first: 5, 4, 3

    app = host(store)
    async with app.run_test(size=(100, 24)) as pilot:
        await opened(pilot, app, rows=5)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.dismissed)
    assert app.result is None

    app = host(store)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await opened(pilot, app, rows=5)
        # a click lands on what is laid out: wait until the list has its rows on screen
        await wait_for(pilot, lambda: screen.session_list.size.height >= 3)
        await pilot.pause()
        await pilot.click("#sessions-list", offset=(5, 2))  # second row (row 0 is the border)
        await wait_for(pilot, lambda: app.dismissed)
    assert app.result.cid == 4


async def test_typing_with_the_list_focused_searches(tmp_path):
    store = make_store(tmp_path, 10)
    app = host(store)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await opened(pilot, app, rows=10)
        screen.session_list.focus()
        await pilot.press(*"topic5")
        await wait_for(pilot, lambda: screen.query_text == "topic5" and not screen.loading)
        assert isinstance(app.focused, Input)
        assert shown_ids(screen) == [6]


async def test_rename(tmp_path):
    store = make_store(tmp_path, 3)
    app = host(store)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await opened(pilot, app, rows=3)
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPromptScreen))
        assert app.screen.query_one(Input).value == "Chat 00002"
        await pilot.press("ctrl+a", "ctrl+k", *"Trip [b]plans[/b]", "enter")
        await wait_for(pilot, lambda: store.get_conversation(3).title == "Trip [b]plans[/b]")
        await wait_for(pilot, lambda: app._notifications)
        from tests.app.screen_host import render_plain

        assert "Trip [b]plans[/b]" in render_plain(screen.session_list.get_option_at_index(0).prompt, 100)
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPromptScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert store.get_conversation(3).title == "Trip [b]plans[/b]"


async def test_delete_asks_first(tmp_path):
    store = make_store(tmp_path, 3, messages=2)
    app = host(store)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await opened(pilot, app, rows=3)
        await pilot.press("down", "f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Chat 00001" in screen_text(app.screen)
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen)
        assert store.get_conversation(2) is not None and screen.session_list.option_count == 3
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.session_list.option_count == 2)
        assert store.get_conversation(2) is None
        assert shown_ids(screen) == [3, 1]
        assert "Showing 2 of 2" in screen_text(screen)


async def test_export_failure_is_a_message(tmp_path):
    store = make_store(tmp_path, 1)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the export folder should be")
    app = host(store, export_dir=blocker / "sub")
    async with app.run_test(size=(100, 24)) as pilot:
        await opened(pilot, app, rows=1)
        await pilot.press("f3")
        await wait_for(pilot, lambda: app._notifications)
        note = list(app._notifications)[-1]
        assert note.severity == "error" and note.message.startswith("Export failed:")
        assert isinstance(app.screen, SessionsScreen)


async def test_empty_history_and_closed_store(tmp_path):
    store = make_store(tmp_path, 0)
    app = host(store)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await opened(pilot, app, rows=0)
        assert "No saved conversations yet" in screen_text(screen)
        await pilot.press("enter", "f2", "f3", "f8")  # nothing selected: nothing happens
        assert app.screen is screen
    store.close()
    app = host(store)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await opened(pilot, app)
        await wait_for(pilot, lambda: "History unavailable" in screen_text(screen))
        assert "closed" in screen_text(screen)
        # notify() posts a message: the notification lands a moment after the status line
        await wait_for(pilot, lambda: any(n.severity == "error" for n in app._notifications))


async def test_host_app_bindings_do_not_apply_inside_the_browser(tmp_path):
    """ctrl+r in the browser closes it (no second browser stacked); the host's keys are not in force."""
    from textual.binding import Binding

    store = make_store(tmp_path, 2)

    class ChatLike(ScreenHost):
        BINDINGS = [Binding("ctrl+r", "sessions", "Sessions"), Binding("ctrl+n", "new_chat", "New chat")]
        new_chats = 0

        def action_sessions(self):
            self.push_screen(SessionsScreen(store), self.results.append)

        def action_new_chat(self):
            self.new_chats += 1

    app = ChatLike(lambda: SessionsScreen(store))
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await opened(pilot, app, rows=2)
        assert "ctrl+n" not in screen.active_bindings
        await pilot.press("ctrl+n")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.dismissed)
        assert len(app.screen_stack) == 1 and app.result is None and app.new_chats == 0


async def test_rows_stay_until_new_results_arrive(tmp_path):
    """No flicker to an empty list while a search runs: the old rows go when the new ones come."""
    store = make_store(tmp_path, 8)
    gate = threading.Event()
    real_search = store.search

    def gated_search(query, limit=50):
        hits = real_search(query, limit)
        gate.wait(10)
        return hits

    store.search = gated_search
    app = host(store)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await opened(pilot, app, rows=8)
        screen.query_one("#sessions-search", Input).value = "topic2"  # one change: exactly one search
        await wait_for(pilot, lambda: store.searches == ["topic2"])
        assert screen.loading and screen.session_list.option_count == 8
        assert "Searching for “topic2”" in screen_text(screen)
        gate.set()
        await wait_for(pilot, lambda: not screen.loading)
        assert shown_ids(screen) == [3]


async def test_delete_key_with_the_list_focused(tmp_path):
    store = make_store(tmp_path, 2)
    app = host(store)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await opened(pilot, app, rows=2)
        await pilot.press(*"ab", "left", "delete")  # in the search box, delete edits the text
        assert screen.query_one("#sessions-search", Input).value == "a"
        assert isinstance(app.screen, SessionsScreen)
        await pilot.press("backspace")
        await wait_for(pilot, lambda: screen.query_text == "" and not screen.loading)
        screen.session_list.focus()
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.session_list.option_count == 1)
        assert store.get_conversation(2) is None


async def test_markup_in_titles_is_never_interpreted(tmp_path):
    """A title like "[/]" would crash a markup parser; it must show (and be notified) literally."""
    store = make_store(tmp_path, 1)
    app = host(store, export_dir=tmp_path / "out [x]")
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await opened(pilot, app, rows=1)
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPromptScreen))
        await pilot.press("ctrl+a", "ctrl+k", *"[/] [bold]x[/bold] [link=y]", "enter")
        await wait_for(pilot, lambda: len(app._notifications) == 1)
        assert "[/] [bold]x[/bold] [link=y]" in list(app._notifications)[-1].message
        from tests.app.screen_host import render_plain

        assert "[/] [bold]x[/bold] [link=y]" in render_plain(screen.session_list.get_option_at_index(0).prompt)
        await pilot.press("f3")
        await wait_for(pilot, lambda: len(app._notifications) == 2)
        assert "out [x]" in list(app._notifications)[-1].message
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "[/] [bold]x[/bold] [link=y]" in screen_text(app.screen)
        await pilot.press("y")
        await wait_for(pilot, lambda: len(app._notifications) == 3)
        await pilot.pause()
        assert app.screen is screen and screen.session_list.option_count == 0


async def test_capped_search_says_so(tmp_path, monkeypatch):
    import tui.app.screens.sessions as sessions

    monkeypatch.setattr(sessions, "SEARCH_LIMIT", 5)
    store = make_store(tmp_path, 12)
    app = host(store, search_delay=0.05)
    async with app.run_test(size=(120, 24)) as pilot:
        screen = await opened(pilot, app, rows=12)
        screen.query_one("#sessions-search", Input).value = "message"
        await wait_for(pilot, lambda: screen.query_text == "message" and not screen.loading)
        assert screen.session_list.option_count == 5
        assert "The 5 best-matching conversations for “message”" in screen_text(screen)


async def test_window_lets_go_of_far_rows_and_fetches_them_again(tmp_path):
    """Scrolling through everything never holds more than max_rows options; going back up refetches."""
    store = make_store(tmp_path, 150)
    app = host(store, page_size=20, max_rows=60)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot, app)
        session_list = screen.session_list
        await wait_for(pilot, lambda: session_list.option_count >= 20 and not screen.loading)
        most = 0
        while not screen.exhausted:
            before = (screen.window_end, session_list.option_count)
            session_list.action_last()
            await wait_for(
                pilot, lambda b=before: (screen.window_end, session_list.option_count) != b or screen.exhausted
            )
            await wait_for(pilot, lambda: not screen.loading)
            most = max(most, session_list.option_count)
        assert most <= 60
        assert shown_ids(screen)[-1] == 1 and screen.window_start == 90
        assert "Showing 91–150 of 150" in screen_text(screen)
        session_list.highlighted = 0  # the oldest kept row
        await wait_for(pilot, lambda: screen.window_start == 70 and not screen.loading)
        assert session_list.option_count <= 60
        assert session_list.highlighted_option.id == str(150 - 90)  # the same conversation stays highlighted
        while screen.window_start > 0:
            start = screen.window_start
            session_list.highlighted = 0
            await wait_for(pilot, lambda s=start: screen.window_start < s and not screen.loading)
        ids = shown_ids(screen)
        assert ids == list(range(150, 150 - len(ids), -1))  # newest first again, no gaps, no duplicates
        assert not screen.exhausted
        expected = int(session_list.highlighted_option.id)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.dismissed)
    assert app.result.cid == expected


async def test_delete_then_scroll_on_misses_no_conversation(tmp_path):
    store = make_store(tmp_path, 45)
    app = host(store, page_size=20, max_rows=60)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot, app)
        await wait_for(pilot, lambda: screen.session_list.option_count >= 20 and not screen.loading)
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: store.get_conversation(45) is None and 45 not in screen.entries)
        while not screen.exhausted:
            before = screen.window_end
            screen.session_list.action_last()
            await wait_for(pilot, lambda b=before: screen.window_end != b or screen.exhausted)
            await wait_for(pilot, lambda: not screen.loading)
        assert shown_ids(screen) == list(range(44, 0, -1))


async def test_results_arriving_after_the_browser_closed_are_ignored(tmp_path):
    store = make_store(tmp_path, 5)
    gate = threading.Event()
    real_search = store.search
    finished = threading.Event()

    def gated_search(query, limit=50):
        try:
            gate.wait(10)
            return real_search(query, limit)
        finally:
            finished.set()

    store.search = gated_search
    app = host(store, search_delay=0.01)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await opened(pilot, app, rows=5)
        screen.query_one("#sessions-search", Input).value = "topic1"
        await wait_for(pilot, lambda: screen.loading and screen.query_text == "topic1")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.dismissed)
        gate.set()
        await wait_for(pilot, finished.is_set)
        await pilot.pause()
        assert app.is_running and len(app.screen_stack) == 1
    assert app.return_code in (None, 0)
