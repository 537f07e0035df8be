"""Snapshots of the screens package: session browser with search results, rewrite prompt,
tool-confirmation modal, help screen. Times, ids and the text cursor are pinned so they are stable."""

import sqlite3
import time

import pytest
from textual.widgets import Input

from tests.app.chat_helpers import make_app
from tests.app.screen_host import ScreenHost, wait_for
from tui.app.screens.confirm_tool import ConfirmToolScreen
from tui.app.screens.help import HelpScreen
from tui.app.screens.rewrite_prompt import RewritePromptScreen
from tui.app.screens.sessions import SessionsScreen
from tui.history import HistoryStore

SIZE = (100, 30)


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def still_cursor(app) -> None:
    for widget in app.screen.query(Input):
        widget.cursor_blink = False


CONVERSATIONS = [
    (
        "Packing list for the Alps",
        "gpt-4o-mini",
        "2026-03-01T09:15:00+00:00",
        [
            "What should I pack for a week of hiking in the Alps in June?",
            "Layers matter most: a rain shell, a warm fleece, and broken-in boots.",
        ],
    ),
    (
        "Sourdough starter troubleshooting",
        "claude-sonnet-4",
        "2026-03-04T18:40:00+00:00",
        [
            "My sourdough starter smells like nail polish. Is it dead?",
            "Not dead, just hungry: feed it twice a day and keep it warm.",
        ],
    ),
    (
        "Rust borrow checker [E0502]",
        "qwen2.5-coder",
        "2026-03-07T11:05:00+00:00",
        [
            "Why does the borrow checker reject pushing to a vec while iterating?",
            "You hold an immutable borrow while pushing; collect the items first.",
        ],
    ),
    (
        "Hiking boots vs trail runners",
        "smollm2-135m",
        "2026-03-09T07:30:00+00:00",
        [
            "Are trail runners good enough for hiking or do I need boots?",
            "For most summer hiking trails runners are fine and dry faster.",
        ],
    ),
    (
        "Quarterly report outline",
        "gpt-4o-mini",
        "2026-03-10T16:20:00+00:00",
        ["Outline a quarterly report for a small bakery.", "Revenue, costs, best sellers, and one page of plans."],
    ),
]


def sessions_store(tmp_path) -> HistoryStore:
    store = HistoryStore(tmp_path / "history.db")
    for title, model, _stamp, texts in CONVERSATIONS:
        conversation = store.create_conversation(provider="scripted", model=model, title=title)
        parent = None
        for index, text in enumerate(texts):
            parent = store.add_message(
                conversation.id,
                "user" if index % 2 == 0 else "assistant",
                text,
                parent_id=parent.id if parent else None,
            )
    with sqlite3.connect(store.path) as db:
        for cid, (_, _, stamp, _) in enumerate(CONVERSATIONS, 1):
            db.execute("UPDATE conversations SET created = ?, updated = ? WHERE id = ?", (stamp, stamp, cid))
    return store


def test_session_browser_with_search_results(snap_compare, tmp_path, utc):
    store = sessions_store(tmp_path)
    app = ScreenHost(lambda: SessionsScreen(store))

    async def search(pilot):
        await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen) and not app.screen.loading)
        await wait_for(pilot, lambda: app.screen.session_list.option_count == 5)
        still_cursor(app)
        await pilot.press(*"hiking")
        await wait_for(pilot, lambda: app.screen.query_text == "hiking" and not app.screen.loading)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=search)


def test_session_browser_list(snap_compare, tmp_path, utc):
    store = sessions_store(tmp_path)
    app = ScreenHost(lambda: SessionsScreen(store))

    async def loaded(pilot):
        await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen) and not app.screen.loading)
        await wait_for(pilot, lambda: app.screen.session_list.option_count == 5)
        still_cursor(app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


PART = (
    "Pause stops delivery to the widgets at once, while bytes keep arriving into a bounded buffer "
    "(default 1 MiB) so the server does not time out. Model text stays literal: [bold]not bold[/], "
    "and an escape \x1b[2J is shown, not obeyed."
)


def test_rewrite_prompt(snap_compare):
    app = ScreenHost(lambda: RewritePromptScreen(PART))

    async def typed(pilot):
        await wait_for(pilot, lambda: isinstance(app.screen, RewritePromptScreen))
        still_cursor(app)
        await pilot.press(*"shorter, as a bullet list")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=typed)


def test_tool_confirmation_modal(snap_compare):
    app = ScreenHost(lambda: ConfirmToolScreen("read_file", {"path": "notes/[todo].md", "max_bytes": 4096}))

    async def shown(pilot):
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmToolScreen))
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=shown)


async def help_open(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: bool(app.chat.query("PromptInput")))
    app.chat.query_one("PromptInput").cursor_blink = False
    await pilot.press("f1")
    await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
    await pilot.pause()


def test_help_screen_at_80x24(snap_compare):
    """The real app's help at 80x24: the dialog fits, the key list starts at the top and scrolls."""
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=help_open)


def test_help_screen_scrolled_to_the_end_at_80x24(snap_compare):
    async def at_end(pilot) -> None:
        await help_open(pilot)
        await pilot.press("end")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=at_end)
