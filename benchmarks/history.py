"""History speed: listing, opening a long conversation, full-text search, and progressive saving.

A database of 10,000 conversations and 200,000 messages (one conversation of 500 messages, the others
about 20 each; answers split into parts, with stats, all in the full-text index) is generated with bulk
inserts into the real schema, then read through `HistoryStore`:

- list the newest 50 conversations (with message counts)
- open one conversation of 500 messages (`thread()`: messages, parts and stats, root to leaf)
- full-text search (ranked, with snippets): a rare word, a common word, two words
Targets (issue 4): each under 50 ms. Figures are the median of 20 warm runs; the first (cold) run is
shown too.

Progressive saving: an `AnswerRecorder` writing into that same database is fed 2,000 events/s (real
clock, paced) for 4 s; its CPU share is the process time spent inside `feed`/`finish` over the wall
time. Run: python benchmarks/history.py [--keep PATH]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tui.history import AnswerRecorder, HistoryStore
from tui.history.parts import split_blocks
from tui.stream.control import StreamState
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.providers.scripted import DEFAULT_TEXT, tokenize
from tui.stream.stats import StreamStats

CONVERSATIONS = 10_000
MESSAGES = 200_000
LONG = 500
RARE = "zanzibar"  # appears in about 1 message in 2,000


def _words(rng: random.Random) -> list[str]:
    syllables = ["ka", "lo", "mi", "ter", "gra", "vun", "sol", "pe", "dri", "ax", "qu", "on", "el", "tor", "ny"]
    words = {"".join(rng.choice(syllables) for _ in range(rng.randint(1, 3))) for _ in range(6000)}
    return sorted(words) + ["stream", "python", "database", "token", "model", "answer"] * 40


def generate(path: Path) -> tuple[int, float]:
    """Fill `path` (already created by HistoryStore) with bulk inserts; returns (long conversation id, s)."""
    started = time.perf_counter()
    rng = random.Random(4)
    vocab = _words(rng)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    counts = [LONG] + [0] * (CONVERSATIONS - 1)
    for n in range(MESSAGES - LONG):
        counts[1 + n % (CONVERSATIONS - 1)] += 1
    conversations, messages, parts, stats, fts = [], [], [], [], []
    mid = 0
    base = 1_700_000_000
    for cid, count in enumerate(counts, 1):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base + cid * 60))
        parent = None
        for k in range(count):
            mid += 1
            role = "user" if k % 2 == 0 else "assistant"
            words = rng.choices(vocab, k=rng.randint(8, 20) if role == "user" else rng.randint(25, 60))
            if rng.random() < 0.0005:
                words[rng.randrange(len(words))] = RARE
            if role == "assistant":
                third = len(words) // 3
                text = (
                    " ".join(words[:third])
                    + "\n\n- "
                    + " ".join(words[third : 2 * third])
                    + "\n\n"
                    + " ".join(words[2 * third :])
                )
                blocks = split_blocks(text)
                stats.append((mid, 300.0, 2500.0, 40, len(words), 60.0, 0, "stop", "scripted", "demo"))
            else:
                text = " ".join(words)
                blocks = [text]
            messages.append(
                (
                    mid,
                    cid,
                    parent,
                    role,
                    "complete",
                    "scripted",
                    "demo",
                    f"{stamp}.{k:06d}+00:00",
                    f"{stamp}.{k:06d}+00:00",
                )
            )
            parts.extend((mid, i, "text", block) for i, block in enumerate(blocks))
            fts.append((mid, text, cid))
            parent = mid
        title = " ".join(rng.choices(vocab, k=4))
        conversations.append((cid, title, "scripted", "demo", f"{stamp}+00:00", f"{stamp}.{count:06d}+00:00", parent))
    conn.executemany(
        "INSERT INTO conversations(id, title, provider, model, created, updated) VALUES (?,?,?,?,?,?)",
        [c[:6] for c in conversations],
    )
    conn.executemany(
        "INSERT INTO messages(id, conversation_id, parent_id, role, status, provider, model, created, "
        "updated) VALUES (?,?,?,?,?,?,?,?,?)",
        messages,
    )
    conn.executemany("UPDATE conversations SET current_leaf_id = ? WHERE id = ?", [(c[6], c[0]) for c in conversations])
    conn.executemany("INSERT INTO parts(message_id, position, kind, content) VALUES (?,?,?,?)", parts)
    conn.executemany("INSERT INTO stats VALUES (?,?,?,?,?,?,?,?,?,?)", stats)
    conn.executemany("INSERT INTO messages_fts(rowid, text, conversation_id) VALUES (?,?,?)", fts)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return 1, time.perf_counter() - started


def timed(fn, runs: int = 20) -> tuple[float, float, object]:
    """(cold ms, median warm ms, last result)."""
    t = time.perf_counter()
    result = fn()
    cold = (time.perf_counter() - t) * 1000
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t) * 1000)
    return cold, statistics.median(samples), result


def progressive(store: HistoryStore, rate: int = 2000, seconds: float = 4.0) -> dict:
    conv = store.create_conversation(title="benchmark stream")
    question = store.add_message(conv.id, "user", "tell me everything")
    rec = AnswerRecorder(store, conv.id, question.id, provider="scripted", model="demo")
    tokens = tokenize(DEFAULT_TEXT + "\n\n")
    total = int(rate * seconds)
    stats = StreamStats()
    stats.start()
    cpu = 0.0
    save_times = []
    wall_start = time.perf_counter()
    for n in range(total):
        due = wall_start + n / rate
        delay = due - time.perf_counter()
        if delay > 0.0005:
            time.sleep(delay)
        event = StreamEvent(StreamEventType.DELTA, tokens[n % len(tokens)])
        stats.on_event(event)
        saves = rec.saves
        c0 = time.process_time()
        w0 = time.perf_counter()
        rec.feed(event)
        cpu += time.process_time() - c0
        if rec.saves != saves:
            save_times.append((time.perf_counter() - w0) * 1000)
    stats.finish()
    c0 = time.process_time()
    rec.finish(StreamState.COMPLETED, stats)
    cpu += time.process_time() - c0
    wall = time.perf_counter() - wall_start
    message = store.get_message(rec.message_id)
    assert message.text == rec.text and message.status == "complete", "the saved answer must be the whole answer"
    return {
        "events": total,
        "wall_s": wall,
        "cpu_ms": cpu * 1000,
        "share": cpu / wall,
        "saves": rec.saves,
        "save_ms_median": statistics.median(save_times),
        "save_ms_max": max(save_times),
        "parts": len(message.parts),
        "chars": len(message.text),
        "error": rec.error,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="write the generated database here (and keep it)")
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    path = Path(args.keep) if args.keep else Path(folder.name) / "bench.db"
    if path.exists():
        path.unlink()
    HistoryStore(path).close()  # the real schema, migrations and all
    long_id, took = generate(path)
    size = path.stat().st_size / 1e6
    print(f"generated {CONVERSATIONS:,} conversations / {MESSAGES:,} messages in {took:.1f} s ({size:.0f} MB)")
    with HistoryStore(path) as store:
        rows = [
            ("list newest 50 conversations", lambda: store.list_conversations(limit=50), lambda r: len(r) == 50),
            (
                f"open a {LONG}-message conversation (thread)",
                lambda: store.thread(long_id),
                lambda r: len(r) == LONG and all(m.parts for m in r),
            ),
            (f"search a rare word ({RARE!r})", lambda: store.search(RARE), lambda r: len(r) > 0),
            ("search a common word ('python')", lambda: store.search("python"), lambda r: len(r) == 50),
            ("search two words ('stream token')", lambda: store.search("stream token"), lambda r: len(r) > 0),
        ]
        print(f"{'operation':46} {'cold ms':>8} {'median ms':>10}  target < 50 ms")
        ok = True
        for name, fn, check in rows:
            cold, median, result = timed(fn)
            assert check(result), name
            ok &= median < 50
            print(f"{name:46} {cold:8.1f} {median:10.1f}  {'ok' if median < 50 else 'SLOW'}")
        p = progressive(store)
        print(
            f"progressive saving at 2,000 events/s for {p['wall_s']:.1f} s: recorder CPU {p['cpu_ms']:.0f} ms "
            f"= {p['share'] * 100:.1f}% of one core; {p['saves']} saves (median {p['save_ms_median']:.2f} ms, "
            f"max {p['save_ms_max']:.1f} ms); answer {p['chars']:,} chars in {p['parts']} parts; "
            f"error: {p['error']}"
        )
    folder.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
