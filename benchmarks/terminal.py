"""What a person sees: the real `rill` command in a real terminal (tmux, 160x50) against a local server.

Every figure of issue 14's table, plus CPU at 200 tokens/s with 10 earlier long answers on screen:

- 2,000 and 20,000 tokens sent at once: the server's last byte -> the last token on screen;
- peak memory (VmHWM of the rill process) after the 20,000-token answer;
- CPU of the rill process (/proc/PID/stat utime+stime) while tokens arrive at 200 tokens/s: a
  2,000-token answer, and tokens 18,000-20,000 of a 20,000-token answer (the first 18,000 arrive at
  once and are waited for, so the window measures the cost of an update to an answer that is already
  long: the figure is meant to stay flat in answer length);
- ctrl+s -> "paused" in the stats bar while 20,000 tokens arrive at full speed (and escape -> "cancelled"),
  pressed 0.2 s after the answer first shows (the server holds the stream open meanwhile);
- open a saved conversation of 120 messages (60 answers of ~400 Markdown tokens) with --cid: launch ->
  its last answer visible, and the process's peak memory;
- CPU at 200 tokens/s (2,000 tokens) with 10 earlier 2,000-token answers already in the conversation.

The server is an OpenAI-compatible SSE endpoint in a child process (its CPU is not counted) streaming
Markdown-rich text: headings, nested lists, fenced code, tables, quotes, inline markup and `[bold]`-like
bracket look-alikes. "On screen" means `tmux capture-pane` shows the answer's unique last word. Latencies
are the median of `--repeat` runs (the machine may be shared: the load average is printed beside each).

Run: python benchmarks/terminal.py [--tree PATH] [--repeat 3] [--only NAME ...] [--headless]
(`--tree` is the source tree to run, default this checkout; `--headless` also runs benchmarks/app.py).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SOCKET = f"rillbench{os.getpid()}"  # a tmux server of our own: other tmux sessions are not touched
CLK_TCK = os.sysconf("SC_CLK_TCK")

SECTION = """## Section {k}: streaming notes

The pipeline reads **bytes**, decodes *events* and keeps `state{k}` in one place; a [bold]look-alike[/bold] \
stays literal, as do [red]these[/] and [link=x]brackets[/link] in paragraph {k}.

- first item with `code` and **strong** text
  - nested item *two* of {k}
    - deeper item three
- back at the top level

1. ordered one
2. ordered two with a [link](https://example.com/{k})

> A quote about backpressure: the buffer is bounded, and reading stops when it is full ({k}).

| name | value | note |
|---|---|---|
| alpha | {k} | **bold** cell |
| beta | 2 | `code` cell |

```python
def handler(event, k={k}):
    if event.type == "delta":
        return event.text.upper()
    return None
```

"""
TOKEN = re.compile(r"\n+|[ \t]*[^\s]+")


def markdown_tokens(count: int, marker: str, start: int = 0) -> list[str]:
    """`count` tokens of Markdown-rich text whose last token is ` marker`."""
    tokens: list[str] = []
    k = start
    while True:
        block = TOKEN.findall(SECTION.format(k=k))
        if len(tokens) + len(block) > count - 12:
            break
        tokens += block
        k += 1
    tokens.append("Closing words:")
    while len(tokens) < count - 1:
        tokens.append(f" w{len(tokens)}")
    tokens.append(f" {marker}")
    return tokens[:count]


# -- the server --------------------------------------------------------------------------------------
def _event(text: str | None = None, finish: str | None = None, role: bool = False) -> bytes:
    delta: dict[str, Any] = {"role": "assistant", "content": ""} if role else {}
    if text is not None:
        delta["content"] = text
    chunk = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "model": "bench",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


def serve(conn: Any, events: Any) -> None:
    """Child process: answer each POST with the current plan; report first/last byte times."""
    plan: dict[str, Any] = {}
    go = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = b'{"object": "list", "data": [{"id": "bench", "object": "model"}]}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                self._stream(dict(plan))
            except (BrokenPipeError, ConnectionResetError):
                events.put(("disconnected", time.monotonic()))

        def _write(self, data: bytes) -> None:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def _stream(self, plan: dict[str, Any]) -> None:
            tokens: list[str] = plan["tokens"]
            burst = plan.get("burst", len(tokens) if not plan.get("rate") else 0)
            rate = plan.get("rate", 0)
            self._write(_event(role=True))
            events.put(("first_byte", time.monotonic()))
            head = b"".join(_event(t) for t in tokens[:burst])
            for at in range(0, len(head), 1 << 16):
                self._write(head[at : at + (1 << 16)])
            if burst:
                events.put(("burst_done", time.monotonic()))
            if plan.get("wait_go"):
                go.clear()
                go.wait(120)
                events.put(("go", time.monotonic()))
            deadline = time.monotonic()
            for token in tokens[burst:]:
                deadline += 1.0 / rate
                pause = deadline - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                self._write(_event(token))
            events.put(("last_byte", time.monotonic()))
            if plan.get("hold"):
                time.sleep(plan["hold"])
            self._write(_event(finish="stop") + b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    conn.send(server.server_address[1])
    while True:
        message = conn.recv()
        if message == "stop":
            break
        if message == "go":
            go.set()
            continue
        plan.clear()
        plan.update(message)
        conn.send("ok")
    server.shutdown()


class Server:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.events = context.Queue()
        self.process = context.Process(target=serve, args=(child, self.events), daemon=True)
        self.process.start()
        self.port = self.conn.recv()

    def plan(self, **plan: Any) -> None:
        while not self.events.empty():
            self.events.get_nowait()
        self.conn.send(plan)
        self.conn.recv()

    def go(self) -> None:
        self.conn.send("go")

    def wait(self, name: str, timeout: float = 120) -> float:
        deadline = time.monotonic() + timeout
        while True:
            kind, when = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            if kind == name:
                return when

    def close(self) -> None:
        self.conn.send("stop")
        self.process.join(5)


# -- the terminal ------------------------------------------------------------------------------------
def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=False).stdout


class Rill:
    """One `rill` process in a tmux pane of its own."""

    count = 0

    def __init__(self, tree: Path, port: int, db: Path, *extra: str, size: tuple[int, int] = (160, 50)) -> None:
        Rill.count += 1
        self.name = f"b{Rill.count}"
        env = f"PYTHONPATH={tree} OPENAI_API_KEY=sk-bench TERM=xterm-256color COLORTERM=truecolor"
        command = (
            f"cd {tree} && exec env {env} {sys.executable} -m tui --provider openai --model bench "
            f"--base-url http://127.0.0.1:{port}/v1 --db {db} {' '.join(extra)}"
        )
        self.launched = time.monotonic()
        tmux("new-session", "-d", "-s", self.name, "-x", str(size[0]), "-y", str(size[1]), command)
        self.pid = int(tmux("display-message", "-p", "-t", self.name, "#{pane_pid}").strip())

    def screen(self) -> str:
        return tmux("capture-pane", "-p", "-t", self.name)

    def wait_for(self, text: str, timeout: float = 120, interval: float = 0.01) -> float:
        """The moment `text` is on screen (the middle of the capture that first showed it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = time.monotonic()
            if text in self.screen():
                return (before + time.monotonic()) / 2
            time.sleep(interval)
        raise TimeoutError(f"{text!r} did not show within {timeout} s; the screen:\n{self.screen()}")

    def keys(self, *keys: str, literal: bool = False) -> float:
        sent = time.monotonic()
        tmux("send-keys", "-t", self.name, *(["-l"] if literal else []), *keys)
        return sent

    def send(self, prompt: str) -> None:
        self.keys(prompt, literal=True)
        self.keys("Enter")

    def cpu(self) -> float:
        """CPU seconds (user + system) of the rill process so far."""
        with open(f"/proc/{self.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def peak_mb(self) -> float:
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def ready(self) -> None:
        """Up, and past its start-up housekeeping (tui/app/memory.py), as before anyone types."""
        self.wait_for("Sessions", timeout=60)
        time.sleep(1.6)

    def close(self) -> None:
        tmux("kill-session", "-t", self.name)


def load() -> str:
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


# -- the measures ------------------------------------------------------------------------------------
class Bench:
    def __init__(self, tree: Path, repeat: int) -> None:
        self.tree = tree
        self.repeat = repeat
        self.server = Server()
        self.scratch = Path(tempfile.mkdtemp(prefix="rill-bench-"))
        self.runs = 0

    def fresh_db(self) -> Path:
        self.runs += 1
        return self.scratch / f"h{self.runs}.db"

    def launch(self, db: Path, *extra: str, size: tuple[int, int] = (160, 50)) -> Rill:
        return Rill(self.tree, self.server.port, db, *extra, size=size)

    def burst(self, count: int) -> dict[str, float]:
        marker = f"ZZEND{self.runs}x{count}"
        self.server.plan(tokens=markdown_tokens(count, marker))
        rill = self.launch(self.fresh_db())
        try:
            rill.ready()
            cpu0 = rill.cpu()
            rill.send("go")
            shown = rill.wait_for(marker, timeout=180)
            last = self.server.wait("last_byte")
            return {"latency": shown - last, "cpu": rill.cpu() - cpu0, "peak_mb": rill.peak_mb()}
        finally:
            rill.close()

    def rate(
        self, count: int, burst: int = 0, db: Path | None = None, cid: str | None = None, wait_shown: str | None = None
    ) -> dict[str, float]:
        marker = f"ZZEND{self.runs}r{count}"
        tokens = markdown_tokens(count, marker)
        if burst:
            tokens[burst - 1] = " ZZBURST"
        self.server.plan(tokens=tokens, rate=200, burst=burst, wait_go=bool(burst))
        rill = self.launch(db or self.fresh_db(), *(["--cid", cid] if cid else []))
        try:
            rill.ready()
            if wait_shown:
                rill.wait_for(wait_shown, timeout=120)
                time.sleep(1.0)
            rill.send("go")
            if burst:
                rill.wait_for("ZZBURST", timeout=180)
                time.sleep(0.5)
                cpu0 = rill.cpu()
                self.server.go()
                start = self.server.wait("go")
            else:
                start = self.server.wait("first_byte")
                cpu0 = rill.cpu()
            last = self.server.wait("last_byte", timeout=900)
            cpu1 = rill.cpu()
            rill.wait_for(marker, timeout=120)
            return {"cpu_share": (cpu1 - cpu0) / (last - start), "seconds": last - start}
        finally:
            rill.close()

    def pause_key(self) -> dict[str, float]:
        marker = f"ZZEND{self.runs}p"
        self.server.plan(tokens=markdown_tokens(20_000, marker), hold=30)
        rill = self.launch(self.fresh_db())
        try:
            rill.ready()
            rill.send("go")
            self.server.wait("last_byte")
            # the answer is being drawn: the moment a person would press a key on a busy screen
            rill.wait_for("ordered one", timeout=120)
            time.sleep(0.2)
            sent = rill.keys("C-s")
            paused = rill.wait_for("paused", timeout=60)
            sent_cancel = rill.keys("Escape")
            cancelled = rill.wait_for("cancelled", timeout=60)
            return {"pause": paused - sent, "cancel": cancelled - sent_cancel}
        finally:
            rill.close()

    def saved_conversation(self, answers: int, tokens: int, marker: str) -> tuple[Path, str]:
        sys.path.insert(0, str(self.tree))
        from tui.history import HistoryStore

        db = self.fresh_db()
        store = HistoryStore(db)
        conversation = store.create_conversation(provider="openai", model="bench")
        for number in range(answers):
            store.add_message(conversation.id, "user", f"question {number}: tell me about streaming")
            last = number == answers - 1
            text = "".join(markdown_tokens(tokens, marker if last else f"end{number}", start=number * 7))
            store.add_message(conversation.id, "assistant", text, provider="openai", model="bench")
        store.close()
        return db, str(conversation.id)

    def startup(self) -> float:
        """Launch -> the app drawn, empty conversation: the floor under `open_saved`."""
        rill = self.launch(self.fresh_db())
        try:
            return rill.wait_for("Sessions", timeout=60) - rill.launched
        finally:
            rill.close()

    def open_saved(self) -> dict[str, float]:
        marker = f"ZZLAST{self.runs}"
        db, cid = self.saved_conversation(60, 400, marker)
        rill = self.launch(db, "--cid", cid)
        try:
            shown = rill.wait_for(marker, timeout=120)
            time.sleep(0.5)
            return {"latency": shown - rill.launched, "peak_mb": rill.peak_mb()}
        finally:
            rill.close()

    def rate_after_long_answers(self) -> dict[str, float]:
        marker = f"ZZLONG{self.runs}"
        db, cid = self.saved_conversation(10, 2_000, marker)
        return self.rate(2_000, db=db, cid=cid, wait_shown=marker)

    def close(self) -> None:
        self.server.close()
        shutil.rmtree(self.scratch, ignore_errors=True)
        subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True, check=False)


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float], unit: str = "s", scale: float = 1.0, digits: int = 2) -> str:
    shown = ", ".join(f"{v * scale:.{digits}f}" for v in values)
    return f"median {median(values) * scale:.{digits}f} {unit} (runs {shown})"


MEASURES = ("burst2k", "burst20k", "cpu2k", "cpu20k", "pause", "open", "cpu_long")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="the source tree to run (default: this one)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=MEASURES, default=list(MEASURES))
    parser.add_argument("--headless", action="store_true", help="also run benchmarks/app.py (headless)")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("benchmarks/terminal.py needs tmux")
    bench = Bench(args.tree.resolve(), args.repeat)
    print(f"rill from {bench.tree}, tmux 160x50, {os.cpu_count()} cores", flush=True)
    try:
        for name in args.only:
            try:
                measure(bench, name, args.repeat)
            except (TimeoutError, OSError, queue.Empty) as exc:  # one figure lost, not the whole run
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                print(f"{name}: did not complete ({reason})  [{load()}]", flush=True)
    finally:
        bench.close()
    if args.headless:
        print("headless (benchmarks/app.py, no terminal, plain paragraphs):", flush=True)
        subprocess.run(
            [sys.executable, str(args.tree / "benchmarks" / "app.py")],
            check=False,
            env={**os.environ, "PYTHONPATH": str(args.tree)},
        )


def measure(bench: Bench, name: str, repeat: int) -> None:
    """Run one measure and print its line (the median of `repeat` runs where latencies vary)."""
    if name == "burst2k":
        runs = [bench.burst(2_000) for _ in range(repeat)]
        print(
            f"2,000 tokens at once : last byte -> on screen {spread([r['latency'] for r in runs])} "
            f"(target <= 0.3 s); CPU {median([r['cpu'] for r in runs]):.2f} s  [{load()}]",
            flush=True,
        )
    elif name == "burst20k":
        runs = [bench.burst(20_000) for _ in range(repeat)]
        print(
            f"20,000 tokens at once: last byte -> on screen {spread([r['latency'] for r in runs])} "
            f"(target <= 1 s); CPU {median([r['cpu'] for r in runs]):.2f} s  [{load()}]",
            flush=True,
        )
        print(
            f"peak memory at 20,000: {spread([r['peak_mb'] for r in runs], 'MB', digits=0)} "
            f"(target <= 150 MB)  [{load()}]",
            flush=True,
        )
    elif name == "cpu2k":
        run = bench.rate(2_000)
        print(
            f"200 tokens/s, 2,000-token answer: CPU {run['cpu_share'] * 100:.1f}% of a core "
            f"over {run['seconds']:.1f} s (target <= 10%)  [{load()}]",
            flush=True,
        )
    elif name == "cpu20k":
        run = bench.rate(20_000, burst=18_000)
        print(
            f"200 tokens/s, tokens 18,000-20,000 of an answer: CPU {run['cpu_share'] * 100:.1f}% of a "
            f"core over {run['seconds']:.1f} s (target <= 10%, flat)  [{load()}]",
            flush=True,
        )
    elif name == "pause":
        runs = [bench.pause_key() for _ in range(repeat)]
        pause = spread([r["pause"] for r in runs], "ms", 1000, 0)
        cancel = spread([r["cancel"] for r in runs], "ms", 1000, 0)
        print(
            f"ctrl+s -> 'paused' while 20,000 tokens arrive: {pause} (target <= 150 ms); "
            f"escape -> 'cancelled' {cancel}  [{load()}]",
            flush=True,
        )
    elif name == "open":
        runs = [bench.open_saved() for _ in range(repeat)]
        empty = [bench.startup() for _ in range(repeat)]
        print(
            f"open 120 messages (--cid): launch -> last answer visible {spread([r['latency'] for r in runs])}"
            f" (target <= 1 s); launch -> empty chat drawn {spread(empty)}; peak memory "
            f"{median([r['peak_mb'] for r in runs]):.0f} MB (target <= 150 MB)  [{load()}]",
            flush=True,
        )
    elif name == "cpu_long":
        run = bench.rate_after_long_answers()
        print(
            f"200 tokens/s after 10 long answers: CPU {run['cpu_share'] * 100:.1f}% of a core over "
            f"{run['seconds']:.1f} s (target <= 10%)  [{load()}]",
            flush=True,
        )


if __name__ == "__main__":
    main()
