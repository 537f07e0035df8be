"""Snapshots of branches: the branch tree of a conversation with an edited prompt and a regenerated
answer, and the transcript with the edited prompt selected (its `< 2/2 >` indicator).

Review the SVGs under __snapshots__ when they change: each must show what its name says.
"""

from __future__ import annotations

from tests.app.chat_helpers import frozen_clock, make_app, wait_for
from tui.app.screens.branch_tree import BranchTreeScreen
from tui.app.widgets.transcript import Transcript
from tui.history import HistoryStore
from tui.stream.providers.scripted import ScriptedProvider

SIZE = (110, 32)


def branched_store(path) -> tuple[HistoryStore, int]:
    """Lisbon trip: the second prompt was edited (two sibling prompts); the edit's answer was
    regenerated (two sibling answers); one answer was cancelled. The newest branch is shown."""
    store = HistoryStore(path)
    cid = store.create_conversation(provider="scripted", model="scripted-demo", title="Trip to Lisbon").id

    def add(role, text, parent, status="complete", model=None):
        model = model or ("scripted-demo" if role == "assistant" else None)
        return store.add_message(cid, role, text, parent_id=parent, status=status, model=model).id

    u1 = add("user", "Plan a three-day trip to Lisbon.", None)
    a1 = add("assistant", "Day 1: Alfama and the castle.\n\nDay 2: Belém.", u1)
    u2 = add("user", "Make it cheaper.", a1)
    add("assistant", "Stay in a hostel near", u2, status="cancelled")
    u3 = add("user", "Make it five days,\nwith a day trip to Sintra.", a1)
    add("assistant", "Days 1-3 as before; day 4: Sintra.", u3, model="claude-sonnet-4")
    last = add("assistant", "Five days: the three above, then Sintra and Cascais.", u3)
    store.set_current_leaf(cid, last)
    return store, cid


def opened(app) -> bool:
    chat = app.chat
    return bool(chat.query(Transcript)) and len(chat.transcript.answers) == 2


def test_branch_tree(snap_compare, tmp_path):
    store, cid = branched_store(tmp_path / "h.db")
    app = make_app(ScriptedProvider(rate=0), store=store, cid=cid, clock=frozen_clock)

    async def open_tree(pilot):
        await wait_for(pilot, lambda: opened(app), what="the conversation")
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(app.screen, BranchTreeScreen), what="the branch tree")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_tree)


def test_selected_edited_prompt(snap_compare, tmp_path):
    store, cid = branched_store(tmp_path / "h.db")
    app = make_app(ScriptedProvider(rate=0), store=store, cid=cid, clock=frozen_clock)

    async def select(pilot):
        chat = app.chat
        await wait_for(pilot, lambda: opened(app), what="the conversation")
        chat.transcript.focus()
        await pilot.press("up", "up")
        await wait_for(pilot, lambda: chat.transcript.selected_user is not None, what="the prompt selected")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=select)
