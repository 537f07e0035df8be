"""Session browser speed with 10,000 saved conversations (20,000 messages), headless.

Prints: time to fill the history file (setup, not a target), time from opening the browser to the first
page shown, time from the last keystroke of a search (after the debounce) to its results shown, time
to load the next page when the user reaches the end, and how many rows exist as widgets (must stay a
page or two, never 10,000).

    /work/venv/bin/python benchmarks/sessions_browser.py [--conversations N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.app import App  # noqa: E402
from textual.widgets import Input, Static  # noqa: E402

from tui.app.screens.sessions import SessionsScreen  # noqa: E402
from tui.history import HistoryStore  # noqa: E402

WORDS = "alpine borrow checker sourdough trail quarterly bakery report vector python rust kettle".split()


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fill(store: HistoryStore, count: int) -> None:
    for number in range(count):
        conversation = store.create_conversation(provider="scripted", model="bench", title=f"Conversation {number}")
        word = WORDS[number % len(WORDS)]
        question = store.add_message(conversation.id, "user", f"question {number} about {word} and more")
        store.add_message(
            conversation.id, "assistant", f"answer {number}: {word} " + "lorem ipsum " * 20, parent_id=question.id
        )


class Host(App):
    CSS_PATH = [Path(__file__).resolve().parents[1] / "styles" / "sessions.tcss"]

    def __init__(self, store):
        super().__init__()
        self.store = store

    def compose(self):
        yield Static("host")


async def until(pilot, condition, timeout=30.0) -> float:
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("condition not met")
        await pilot.pause(0.001)
    return time.perf_counter() - start


async def measure(store: HistoryStore) -> None:
    app = Host(store)
    async with app.run_test(size=(160, 50)) as pilot:
        start = time.perf_counter()
        screen = SessionsScreen(store, search_delay=0.2)
        app.push_screen(screen)
        await until(pilot, lambda: screen.is_mounted and screen.session_list.option_count > 0)
        first_page = time.perf_counter() - start
        print(
            f"open -> first page shown:           {first_page * 1000:8.1f} ms "
            f"({screen.session_list.option_count} rows of {screen.total:,})"
        )

        search_times = []
        for word in ("sourdough", "kettle", "question 9999", "lorem", '"unbalanced'):
            screen.query_one(Input).value = word
            typed = time.perf_counter()
            await until(pilot, lambda w=word: screen.query_text == w.strip() and not screen.loading)
            elapsed = time.perf_counter() - typed - screen.search_delay
            search_times.append(elapsed)
            print(
                f"search {word!r:17} -> results shown: {elapsed * 1000:8.1f} ms after the debounce "
                f"({screen.session_list.option_count} conversations)"
            )
        print(f"search median:                       {statistics.median(search_times) * 1000:8.1f} ms")

        screen.query_one(Input).value = ""
        await until(pilot, lambda: screen.query_text == "" and screen.session_list.option_count > 0)
        page_times = []
        for _ in range(5):
            before = screen.window_end
            screen.session_list.action_last()
            reached = time.perf_counter()
            await until(pilot, lambda b=before: screen.window_end > b)
            page_times.append(time.perf_counter() - reached)
        print(
            f"reach the end -> next page shown:    {statistics.median(page_times) * 1000:8.1f} ms median "
            f"(max {max(page_times) * 1000:.1f} ms)"
        )
        print(
            f"rows held as options after 5 pages:  {screen.session_list.option_count} "
            f"(window {screen.window_start:,}-{screen.window_end:,} of {screen.total:,} conversations)"
        )

        # worst case: the user scrolls through every conversation; the last pages must stay as quick
        start = time.perf_counter()
        last_page = 0.0
        most_rows = 0
        while not screen.exhausted:
            before = screen.window_end
            screen.session_list.action_last()
            reached = time.perf_counter()
            await until(pilot, lambda b=before: screen.window_end > b or screen.exhausted)
            await until(pilot, lambda: not screen.loading)
            last_page = time.perf_counter() - reached
            most_rows = max(most_rows, screen.session_list.option_count)
        print(
            f"scroll through all {screen.window_end:,} conversations: "
            f"{time.perf_counter() - start:6.1f} s; last page shown in {last_page * 1000:.1f} ms; "
            f"at most {most_rows} rows held as options"
        )
        print(f"peak RSS:                            {peak_rss_mb():8.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = HistoryStore(Path(folder) / "bench.db")
        start = time.perf_counter()
        fill(store, args.conversations)
        print(f"setup: {args.conversations:,} conversations in {time.perf_counter() - start:.1f} s")
        asyncio.run(measure(store))
        store.close()


if __name__ == "__main__":
    main()
