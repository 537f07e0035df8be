"""How fast the app shows a stream: headless (`run_test`, 160x50) against a local OpenAI chat SSE server.

Measures, and prints:
- last byte -> last token rendered, for 2,000 and 20,000 tokens sent as fast as possible
  (target: 1 s and 5 s), and whether the view followed to the end;
- CPU share of this process (app + worker thread) while 1,000 tokens arrive at 200 tokens/s (< 10%);
- first token: arrival -> visible (< 50 ms) and enter -> visible;
- responsiveness while 4,000 tokens arrive at 2,000 tokens/s: the UI loop's worst and 95th-percentile
  stall (how late a 10 ms timer fires: what a key press or scroll would wait);
- peak memory (RSS, < 150 MB).

As in real use, every answer is saved to history while it streams (a throwaway database).

The server runs in a child process so its CPU is not counted. "Arrival" is when the provider yields the
event (the bytes were read and parsed); "rendered" is when the answer's final flush has gone through
the Markdown widget and the screen has processed a refresh.

Run: /work/venv/bin/python benchmarks/app.py
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui.stream import StreamEventType, get_provider  # noqa: E402
from tui.stream.providers.base import Provider  # noqa: E402


def make_tokens(count: int) -> list[str]:
    tokens = []
    for i in range(count):
        if i % 60 == 59:
            tokens.append("\n\n")
        elif i % 300 == 150:
            tokens.append(" **bold**")
        else:
            tokens.append(f" w{i}")
    return tokens


def serve(conn, plans) -> None:
    from tests.stream.wire_server import Reply, WireServer, chat_body

    with WireServer() as server:
        for count, rate in plans:
            tokens = make_tokens(count)
            body = chat_body(*tokens)
            if rate:
                # one write per token, `1/rate` seconds apart
                offsets, position = [], 0
                for piece in body.split(b"\n\n")[:-1]:
                    position += len(piece) + 2
                    offsets.append(position)
                server.add(Reply(body=body, chunks=offsets, chunk_delay=1.0 / rate))
            else:
                server.add(Reply(body=body))
        conn.send(server.url)
        conn.recv()


class Timed(Provider):
    """Wraps a provider and notes when its first and last text events arrive."""

    name = "openai"

    def __init__(self, inner: Provider) -> None:
        super().__init__(model=inner.model)
        self.inner = inner
        self.first: float | None = None
        self.last: float | None = None
        self.done = threading.Event()  # the body has been read to its end

    async def stream(self, request, control=None):
        try:
            async for event in self.inner.stream(request, control):
                if event.type is StreamEventType.DELTA:
                    now = time.monotonic()
                    self.first = self.first or now
                    self.last = now
                yield event
        finally:
            self.done.set()


async def run_once(url: str, count: int, *, watch_first: bool = False, watch_stalls: bool = False) -> dict:
    from tui.app import memory
    from tui.app.app import RillApp
    from tui.app.widgets.prompt_input import PromptInput
    from tui.config import Settings
    from tui.history import HistoryStore

    provider = Timed(get_provider("openai", base_url=url + "/v1", api_key="sk-bench", model="bench", max_retries=0))
    # the app saves every answer as it streams: so does the benchmark (a throwaway database)
    scratch = tempfile.TemporaryDirectory()
    app = RillApp(Settings(provider="openai"), provider=provider, store=HistoryStore(Path(scratch.name) / "history.db"))
    result: dict = {}
    async with app.run_test(size=(160, 50)) as pilot:
        chat = app.chat
        await pilot.pause()
        # like a user, type only once the app is up: its start-up housekeeping (tui/app/memory.py,
        # one second in) is over by then, as it is long before anyone has typed a prompt
        await asyncio.sleep(memory.SETTLE_DELAY + 0.5)
        prompt = chat.query_one(PromptInput)
        prompt.load_text("go")
        stalls: list[float] = []

        async def watch_loop() -> None:
            while True:
                before = time.monotonic()
                await asyncio.sleep(0.01)
                stalls.append(time.monotonic() - before - 0.01)

        # the stall watcher wakes 100 times a second: only where stalls are measured, not CPU
        watcher = asyncio.create_task(watch_loop()) if watch_stalls else None
        cpu0 = time.process_time()
        wall0 = time.monotonic()
        enter = time.monotonic()
        prompt.submit()  # what enter does; pilot.press would wait for the screen to go idle
        if watch_first:
            while not (chat.transcript.answers and chat.transcript.answers[-1].shown_text):
                await asyncio.sleep(0.001)
            visible = time.monotonic()
            result["first_visible_ms"] = (visible - provider.first) * 1000 if provider.first else None
            result["enter_to_visible_ms"] = (visible - enter) * 1000
        # poll slowly while the body streams (the harness's own wake-ups count as the app's CPU),
        # then finely, so "last byte -> rendered" is measured to a couple of milliseconds
        while not provider.done.is_set():
            await asyncio.sleep(0.1)
        while chat.active is not None or not chat.transcript.answers or chat.transcript.answers[-1].streaming:
            await asyncio.sleep(0.002)
        await pilot.pause()
        rendered = time.monotonic()
        if watcher is not None:
            watcher.cancel()
        stalls.sort()
        result["stall_max_ms"] = stalls[-1] * 1000 if stalls else 0.0
        result["stall_p95_ms"] = stalls[int(len(stalls) * 0.95)] * 1000 if stalls else 0.0
        answer = chat.transcript.answers[-1]
        expected = "".join(make_tokens(count))
        result["complete"] = answer.shown_text == expected
        result["last_byte_to_render_s"] = rendered - provider.last
        result["enter_to_render_s"] = rendered - enter
        result["cpu_share"] = (time.process_time() - cpu0) / (rendered - wall0)
        transcript = chat.transcript
        await pilot.pause()
        result["followed"] = transcript.scroll_y >= transcript.max_scroll_y - 1
    app.store.close()
    scratch.cleanup()
    return result


def main() -> None:
    plans = [(2000, 0), (20000, 0), (1000, 200), (1000, 200), (1000, 200), (4000, 2000)]
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(child, plans), daemon=True)
    server.start()
    url = parent.recv()
    try:
        r2k = asyncio.run(run_once(url, 2000))
        print(
            f"2,000 tokens at once : last byte -> rendered {r2k['last_byte_to_render_s']:.3f} s "
            f"(enter -> all on screen {r2k['enter_to_render_s']:.2f} s) "
            f"(target < 1 s), complete={r2k['complete']}, followed={r2k['followed']}"
        )
        r20k = asyncio.run(run_once(url, 20000))
        print(
            f"20,000 tokens at once: last byte -> rendered {r20k['last_byte_to_render_s']:.3f} s "
            f"(enter -> all on screen {r20k['enter_to_render_s']:.2f} s) "
            f"(target < 5 s), complete={r20k['complete']}, followed={r20k['followed']}"
        )
        slow = [asyncio.run(run_once(url, 1000, watch_first=True)) for _ in range(3)]  # 3 runs: CPU varies
        cpu = sorted(r["cpu_share"] * 100 for r in slow)
        first = sorted(r["first_visible_ms"] for r in slow)
        enter = sorted(r["enter_to_visible_ms"] for r in slow)
        print(
            f"1,000 tokens at 200/s: CPU median {cpu[1]:.1f}% of a core (runs {cpu[0]:.1f}-{cpu[2]:.1f}%; "
            f"target < 10%), complete={all(r['complete'] for r in slow)}, "
            f"followed={all(r['followed'] for r in slow)}"
        )
        print(
            f"first token          : arrival -> visible median {first[1]:.1f} ms (max {first[2]:.1f}; "
            f"target < 50 ms), enter -> visible median {enter[1]:.1f} ms"
        )
        fast = asyncio.run(run_once(url, 4000, watch_stalls=True))
        print(
            f"4,000 at 2,000/s     : UI loop stall max {fast['stall_max_ms']:.0f} ms, "
            f"p95 {fast['stall_p95_ms']:.0f} ms, complete={fast['complete']}, followed={fast['followed']}"
        )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS             : {rss:.0f} MB (target < 150 MB)")
    finally:
        parent.send("stop")
        server.join(5)


if __name__ == "__main__":
    main()
