"""Progressive saving of one assistant answer while it streams: a `StreamConsumer` for history.

    recorder = AnswerRecorder(store, conversation.id, prompt.id, provider="scripted")
    await consume(run, [printer, recorder])        # or: begin / feed(event) / finish(run) yourself

`feed(event)` is called for every event a `StreamRun` (or `ChatStream`) delivers and must stay cheap:
it folds the event in memory (`AnswerFold`, pure). The answer is inserted (status `streaming`) at its
first token and saved at most every `save_interval` seconds through `HistoryStore.save_answer`, each
save one transaction that rewrites only the parts that changed, so a crash or `kill -9` loses at most
the last interval. `finish(stream)` (or `finish(state, stats)`) makes the final save with the
answer's status and stats.

A failed save (disk full, locked file) never raises into the stream: `error` holds the
`HistoryError`, the text stays in memory (`snapshot`, `text`), and the next save tries again. A
progressive save waits only briefly for another writer's lock and skips a beat instead of stalling
the stream; only a lock held longer than the store's timeout is reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from tui.history.answer_fold import AnswerFold, final_status
from tui.history.errors import HistoryError, redact
from tui.history.models import PartRow, SavedAnswer
from tui.history.rows import as_id
from tui.history.store import HistoryStore
from tui.stream.consumer import ConsumedStream
from tui.stream.control import StreamState
from tui.stream.events import StreamEvent
from tui.stream.snapshot import MessageSnapshot
from tui.stream.stats import StreamStats

PROGRESS_TIMEOUT = 0.1  # seconds a progressive save waits for another writer before skipping a beat

Stats = StreamStats | Mapping[str, Any] | None


class AnswerRecorder:
    """Records one answer into conversation `cid`, after `parent_id` (None: the current leaf)."""

    def __init__(
        self,
        store: HistoryStore,
        cid: Any,
        parent_id: Any = None,
        *,
        provider: str | None = None,
        model: str | None = None,
        save_interval: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
        continues: int | None = None,
    ) -> None:
        """`continues`: the id of a saved answer this stream carries on (continue): its parts are the
        start, new text is appended to them, and the saves update that answer (its status becomes
        the continuation's). Raises `HistoryError` when that answer cannot be read."""
        self.store = store
        self.conversation_id = as_id(cid)  # None: not an id; every save then fails as "missing"
        self.parent_id = parent_id
        self.save_interval = save_interval
        self.fold = AnswerFold(provider=provider, model=model)
        self.saved: SavedAnswer | None = None  # what the file holds (None: nothing written yet)
        self.error: HistoryError | None = None  # the last failed save (None once a later save worked)
        self.failures = 0  # saves that did not happen (each is retried by the next one)
        self.skipped = 0  # progressive saves skipped because another writer held the lock briefly
        self.saves = 0
        self.status = "streaming"
        self._clock = clock
        self._locked_since: float | None = None
        self._dirty = False
        self._last_save = 0.0
        self._attempted = False
        if continues is not None:
            self._resume(continues)

    def _resume(self, message_id: int) -> None:
        stored = self.store.get_message(message_id)
        if stored is None or stored.role != "assistant" or stored.conversation_id != self.conversation_id:
            raise HistoryError(f"no answer with id {message_id} in this conversation to continue", "missing")
        self.fold.provider = self.fold.provider or stored.provider
        self.fold.model = self.fold.model or stored.model
        self.fold.seed(stored.parts)
        self.parent_id = stored.parent_id
        parts = sorted(stored.parts, key=lambda p: p.position)
        rows = tuple(
            PartRow(p.kind, p.content, p.tool_name, p.tool_call_id, p.arguments, int(p.is_error)) for p in parts
        )
        self.saved = SavedAnswer(stored.id, rows, tuple(p.id for p in parts))

    # -- reading -----------------------------------------------------------------------------
    @property
    def snapshot(self) -> MessageSnapshot:
        """The whole answer in memory, whatever happened to the file."""
        return self.fold.snapshot

    @property
    def text(self) -> str:
        return self.fold.snapshot.text

    @property
    def message_id(self) -> int | None:
        return self.saved.message_id if self.saved is not None else None

    @property
    def provider(self) -> str | None:
        return self.fold.provider

    @property
    def model(self) -> str | None:
        return self.fold.model

    # -- the consumer protocol ---------------------------------------------------------------
    def begin(self, stream: ConsumedStream, /) -> None:
        """Nothing to do until the first token (a failure before it leaves no answer behind)."""

    def feed(self, event: StreamEvent, /) -> None:
        if not self.fold.feed(event):
            return
        self._dirty = True
        if not self._attempted or self._clock() - self._last_save >= self.save_interval:
            self.save(timeout=PROGRESS_TIMEOUT)

    def finish(self, stream: ConsumedStream | StreamState | str, stats: Stats = None, /) -> bool:
        """Final save: the status from how the stream ended, and its stats. Pass the stream (the
        consumer protocol) or its end state and stats. Never raises; False (with `error` set) when
        the save failed. Without a single token nothing is written."""
        if isinstance(stream, (StreamState, str)):
            state: StreamState | str | None = stream
        else:
            state = stream.final_state or stream.state
            stats = stream.stats if stats is None else stats
        status = final_status(state)
        self.status = status
        numbers = _numbers(stats)
        if numbers and numbers.get("stop_reason") is None:
            numbers["stop_reason"] = self.snapshot.stop_reason
        error = (self.snapshot.error or {}).get("message")
        error_text = redact(error) if status in ("failed", "interrupted") else None
        return self.save(status=status, stats=numbers or None, error_text=error_text)

    # -- saving ------------------------------------------------------------------------------
    def flush(self) -> bool:
        """Save now if anything is unsaved (call it when the stream pauses). False if the save failed."""
        if self._dirty or (self.saved is None and self.fold.has_parts):
            return self.save()
        return self.error is None

    def save(
        self,
        status: str | None = None,
        stats: dict[str, Any] | None = None,
        error_text: str | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Write what changed since the last save in one transaction. Never raises."""
        self._last_save = self._clock()
        self._attempted = True
        if self.saved is None and not self.fold.has_parts:
            return True  # nothing arrived: a failure before the first token leaves no answer behind
        try:
            if self.conversation_id is None:
                raise HistoryError(f"no conversation with that id in {self.store.path}", "missing")
            answer = self.fold.state(
                self.conversation_id, self.parent_id, status=status or "streaming", stats=stats, error=error_text
            )
            saved = self.store.save_answer(answer, self.saved, timeout=timeout)
        except HistoryError as exc:
            # rolled back: the file still holds the last good save, and so does `saved`
            self.failures += 1
            if exc.kind == "locked" and timeout is not None:
                # another writer held the lock for a moment: skip this beat, the next save catches
                # up; only a lock that lasts longer than the store's timeout is worth reporting
                self.skipped += 1
                if self._locked_since is None:
                    self._locked_since = self._clock()
                if self._clock() - self._locked_since < self.store.timeout:
                    return False
            self.error = exc
            return False
        self.saved = saved
        self._locked_since = None
        self.error = None
        self._dirty = False
        self.saves += 1
        return True


def _numbers(stats: Stats) -> dict[str, Any]:
    if stats is None:
        return {}
    if isinstance(stats, StreamStats):
        return stats.as_dict()
    return dict(stats)
