"""One background worker per stream: consume the pipeline, record history, post coalesced updates.

The worker runs in a thread with its own asyncio loop (Textual's `run_worker(..., thread=True)`), so
neither the network nor the database can block the UI. It folds events into a pending delta and posts
at most one text update per interval of its `Cadence` (10 to 2 a second, spaced by what drawing one
costs the UI thread; see cadence.py). The first token goes out at once, so it is visible without
delay; stats ride along with text updates, and a ticker posts them on their own at 5 Hz when no text
does (paused, waiting for the first token). The end of a stream always flushes everything still
pending: no token is ever lost. It also asks the network layer to read in batches, about twice per
drawn update (`StreamController.read_interval`): waking for every token would be wasted work.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from tui.app.cadence import Cadence, DrawCost
from tui.app.model_warmup import LOADING, loading_note
from tui.app.tool_rows import ToolRows
from tui.app.updates import (
    CitationsUpdate,
    ConfirmTool,
    StatsUpdate,
    StatsView,
    StreamDelta,
    StreamFinished,
    StreamOutcome,
    ToolActivity,
    UserSaved,
)
from tui.history import AnswerRecorder, HistoryError, HistoryStore, PartRewrite
from tui.stream import (
    Chat,
    Message,
    StreamConsumer,
    StreamController,
    StreamEvent,
    StreamEventType,
    StreamState,
    StreamStats,
    relay,
)
from tui.stream.hosted import Citation, add_citation, references
from tui.stream.sanitize import StreamSanitizer, one_line, sanitize
from tui.stream.secrets import redact

WAITING = frozenset({"waiting", "retrying"})  # provider notices shown in the stats bar until the answer begins
STATS_INTERVAL = 0.2  # seconds between stats updates (5 a second; the stats bar promises at least 4)
TICK = 0.05  # how often the worker's ticker looks for pending updates
READ_INTERVAL = 0.05  # seconds the provider first lets tokens gather between reads; then half the cadence


@dataclass
class StreamJob:
    """Everything one stream needs; built by the chat screen, read-only for the worker."""

    stream_id: int
    provider: Any
    messages: list[Message]  # the context, ending with the prompt
    controller: StreamController
    system: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    tools: list[Any] = field(default_factory=list)  # python functions / Tool objects for ChatStream
    store: HistoryStore | None = None  # None: not saving
    cid: int | None = None
    parent_id: int | None = None
    user_text: str | None = None  # save this prompt first (its id becomes the answer's parent)
    rewrite: PartRewrite | None = None  # rewrite mode: the service that fits and saves the new part
    continues: int | None = None  # continue: the saved answer the new text is appended to (history)
    continue_answer: bool = False  # continue: `messages` end with the partial answer the model carries on
    always_allowed: set[str] = field(default_factory=set)  # tools the user allowed "always"
    conversation_allowed: set[str] = field(default_factory=set)  # allowed "for this conversation"
    mcp: Any = None  # the McpHub whose servers' tools join `tools` (None: none)
    clock: Callable[[], float] = time.monotonic
    draw_cost: DrawCost | None = None  # what a text update costs the UI thread: paces the updates
    expected_load_ms: float | None = None  # how long the local model took to load last time


class StreamWorker:
    def __init__(self, job: StreamJob, target: Any) -> None:
        self.job = job
        self.target = target  # the message pump (chat screen) the updates go to
        self._text_clean = StreamSanitizer()
        self._thinking_clean = StreamSanitizer()
        self._raw_text: list[str] = []
        self._raw_thinking: list[str] = []
        self._pending_text: list[str] = []
        self._pending_thinking: list[str] = []
        self._tools = ToolRows(str(job.stream_id), job.clock)
        self._round = 0
        self._new_segment = False  # a tool round has begun and its text has not started yet
        self._last_flush = 0.0
        self._last_stats = 0.0
        self._cadence = Cadence()
        self._error: str | None = None
        self._save_error: str | None = None
        # the exchange's one StreamStats (the stream folds every round into it), on the job's clock
        self._view = StreamStats(clock=job.clock)
        self._provider = getattr(job.provider, "name", "") or ""
        self._model = getattr(job.provider, "model", "") or ""
        self._note = ""
        self._loading_since: float | None = None  # the local model is loading since then
        self._recorder: AnswerRecorder | None = None
        self._message_id: int | None = None
        self._new_messages: list[Message] = []
        self._citations: list[Citation] = []
        self._citations_dirty = False

    # -- the thread's entry point -------------------------------------------------------------
    async def run(self) -> None:
        job = self.job
        outcome_state = StreamState.FAILED
        ticker = asyncio.get_running_loop().create_task(self._tick())
        self._view.start()
        remove_listener = job.controller.add_listener(self._on_state)
        try:
            parent_id = self._save_prompt()
            self._start_recorder(parent_id)
            async for event in self._events():
                self._on_event(event)
            outcome_state = job.controller.state
        except Exception as exc:  # a bug below us must end the stream cleanly, not kill the UI
            self._error = self._error or one_line(redact(f"the stream stopped: {exc}"))
            job.controller.mark(StreamState.FAILED)
            outcome_state = job.controller.state
        finally:
            remove_listener()
            self._view.finish()
            ticker.cancel()
            await asyncio.gather(ticker, return_exceptions=True)
            self._tools.finish(outcome_state, bool(job.tools))
            self._pending_text.append(self._text_clean.flush())
            self._pending_thinking.append(self._thinking_clean.flush())
            self._flush()
            self._finish_history()
            self._note, self._loading_since = "", None  # what it waited for is over, whatever the end
            self._post_stats()
            text = "".join(self._raw_text)
            if not self._new_messages and (text or self._raw_thinking):
                self._new_messages = [Message("assistant", text, thinking="".join(self._raw_thinking))]
            self.target.post_message(
                StreamFinished(
                    job.stream_id,
                    StreamOutcome(
                        state=outcome_state,
                        text=text,
                        thinking="".join(self._raw_thinking),
                        error=self._error,
                        message_id=self._message_id,
                        new_messages=self._new_messages,
                        save_error=self._save_error,
                        stop_reason=self._view.stop_reason,
                        provider=self._provider,
                        model=self._model,
                    ),
                )
            )

    # -- the pipeline ---------------------------------------------------------------------------
    async def _events(self) -> AsyncIterator[StreamEvent]:
        """The one path: a ChatStream (no tools: exactly one plain round), through the collaborators
        (the history recorder, or the part rewrite) before the worker folds each event for the screen."""
        job = self.job
        tools = list(job.tools)
        if job.mcp is not None:
            tools += await self._mcp_tools(tools)
        chat = Chat(
            list(job.messages),
            provider=job.provider,
            system=job.system,
            max_tokens=job.max_tokens,
            temperature=job.temperature,
            tools=tools,
        )
        collaborators: list[StreamConsumer] = [c for c in (self._recorder, job.rewrite) if c is not None]
        async with chat.complete_stream(
            controller=job.controller,
            confirm=self._confirm,
            stats=self._view,
            on_tool_start=self._tool_started,
            continue_answer=job.continue_answer,
        ) as stream:
            async with contextlib.aclosing(relay(stream, collaborators)) as events:
                async for event in events:
                    yield event
            if stream.final_state is StreamState.COMPLETED:
                self._new_messages = list(stream.new_messages)

    async def _mcp_tools(self, builtin: list[Any]) -> list[Any]:
        """The MCP servers' tools, once none is still starting (the stats bar says what it waits for);
        none if the stream is cancelled meanwhile. Their readable names go to the tool pane."""
        from tui.mcp import mcp_tools
        from tui.stream.tools import as_tool

        hub = self.job.mcp
        waiting = hub.starting
        if waiting:
            self._note = f"waiting for MCP server{'s' if len(waiting) > 1 else ''} {', '.join(waiting)} to start"
        task = asyncio.ensure_future(mcp_tools(hub, [as_tool(t).name for t in builtin]))
        while not task.done():
            if self.job.controller.cancelled:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                return []
            await asyncio.wait([task], timeout=0.1)
        self._note = ""
        tools = task.result()
        self._tools.labels.update({tool.name: tool.label for tool in tools})
        return tools

    async def _confirm(self, tool_call: Any, tool: Any) -> bool:
        name = getattr(tool, "name", None) or tool_call.name
        if name in self.job.always_allowed or name in self.job.conversation_allowed:
            return True
        reply: concurrent.futures.Future = concurrent.futures.Future()
        label, source = getattr(tool, "label", name), getattr(tool, "source", "")
        self.target.post_message(ConfirmTool(self.job.stream_id, label, dict(tool_call.arguments), reply, source))
        waiting = asyncio.wrap_future(reply)
        while not waiting.done():
            if self.job.controller.cancelled:
                waiting.cancel()
                return False
            await asyncio.wait([waiting], timeout=0.1)
        answer = waiting.result()
        if answer == "always":
            self.job.always_allowed.add(name)
        elif answer == "conversation":
            self.job.conversation_allowed.add(name)
        return answer in ("once", "conversation", "always")

    def _tool_started(self, call: Any, index: int) -> None:
        self._tools.start(call.id, index)

    def _on_state(self, state: StreamState) -> None:
        if state is StreamState.PAUSED:
            self._view.pause()
        elif state is StreamState.STREAMING or state.terminal:
            self._view.resume()

    # -- folding events -------------------------------------------------------------------------
    def _on_event(self, event: StreamEvent) -> None:
        job_clock = self.job.clock
        kind = event.type
        if kind is StreamEventType.DELTA:
            if self._new_segment and event.content and self._raw_text:
                # keep one round's text off the last, on screen and in the answer's text (copy, parts),
                # as history's reading of the answer does (tui/app/conversation.py's `joined`)
                self._new_segment = False
                if not "".join(self._raw_text).endswith("\n\n"):
                    self._raw_text.append("\n\n")
                    self._pending_text.append(self._text_clean.feed("\n\n"))
            self._raw_text.append(event.content)
            clean = self._text_clean.feed(event.content)
            if clean:
                self._pending_text.append(clean)
        elif kind is StreamEventType.THINKING:
            self._raw_thinking.append(event.content)
            clean = self._thinking_clean.feed(event.content)
            if clean:
                self._pending_thinking.append(clean)
        elif kind is StreamEventType.START:
            self._round += 1
            self._new_segment = self._round > 1  # its first text goes after a blank line
            if self._round > 1 and self._raw_thinking:
                self._pending_thinking.append("\n\n")
            self._tools.new_round()  # row keys and by-index lookup are per round
            self._provider = event.meta("provider") or self._provider
            self._model = event.meta("model") or self._model
        elif kind in (
            StreamEventType.TOOL_CALL_START,
            StreamEventType.TOOL_CALL_DELTA,
            StreamEventType.TOOL_CALL,
            StreamEventType.TOOL_RESULT,
            StreamEventType.HOSTED_TOOL_START,
            StreamEventType.HOSTED_TOOL_PROGRESS,
            StreamEventType.HOSTED_TOOL_DONE,
        ):
            self._tools.apply(event)
        elif kind is StreamEventType.CITATION:
            add_citation(self._citations, event.metadata or {})
            self._citations_dirty = True
        elif kind is StreamEventType.METADATA:
            self._model = event.meta("model") or self._model
            status = event.meta("status")
            if status:  # what the provider is doing before the answer (see docs/library.md, notices)
                self._loading_since = job_clock() if status == LOADING else None
                self._note = one_line(redact(str(event.meta("message") or ""))) if status in WAITING else ""
        elif kind is StreamEventType.ERROR:
            self._error = one_line(redact(sanitize(event.content))) or "the stream failed"
        elif kind in (StreamEventType.DELTA, StreamEventType.THINKING) and self._note:
            self._note = ""  # the answer has begun: the wait is over
        if time.monotonic() - self._last_flush >= self._cadence.interval:
            self._flush()

    # -- history --------------------------------------------------------------------------------
    def _save_prompt(self) -> int | None:
        job = self.job
        if job.store is None or job.user_text is None:
            return job.parent_id
        prompt = job.messages[-1] if job.messages and job.messages[-1].role == "user" else None
        try:
            saved = job.store.add_message(
                job.cid,
                "user",
                job.user_text,
                parent_id=job.parent_id,
                attachments=prompt.attachments if prompt is not None else (),
            )
        except HistoryError as exc:
            self._save_error = f"the prompt was not saved: {redact(str(exc))}"
            return job.parent_id
        self.target.post_message(UserSaved(job.stream_id, saved.id))
        return saved.id

    def _start_recorder(self, parent_id: int | None) -> None:
        """The answer's history collaborator: saves it as it streams and never raises into the stream
        (a failed save is its `error`, reported at the end)."""
        job = self.job
        if job.store is None or job.rewrite is not None or self._save_error:
            return
        if job.continue_answer and job.continues is None:  # the partial is not in history: nothing to append to
            return
        try:
            self._recorder = AnswerRecorder(
                job.store, job.cid, parent_id, provider=self._provider, model=self._model, continues=job.continues
            )
        except HistoryError as exc:  # the answer to continue cannot be read: continue on screen only
            self._save_error = f"the continuation is not saved: {redact(str(exc))}"

    def _finish_history(self) -> None:
        job = self.job
        if self._recorder is not None:
            self._message_id = self._recorder.message_id
            if self._recorder.error is not None:
                self._save_error = f"saving the answer failed: {redact(str(self._recorder.error))}"
        elif job.rewrite is not None and job.rewrite.error is not None:
            self._save_error = f"the rewrite was not saved: {redact(str(job.rewrite.error))}"

    # -- posting --------------------------------------------------------------------------------
    def _flush(self) -> None:
        if not (self._pending_text or self._pending_thinking or self._tools.dirty or self._citations_dirty):
            return  # nothing to show: keep the leading edge free for the next token
        self._last_flush = time.monotonic()
        text = "".join(self._pending_text)
        thinking = "".join(self._pending_thinking)
        self._pending_text.clear()
        self._pending_thinking.clear()
        if text or thinking:
            self.target.post_message(StreamDelta(self.job.stream_id, text, thinking))
        rows = self._tools.take()
        if rows is not None:
            self.target.post_message(ToolActivity(self.job.stream_id, rows))
        if self._citations_dirty:
            self._citations_dirty = False
            self.target.post_message(CitationsUpdate(self.job.stream_id, references(self._citations)))
        if self._last_flush - self._last_stats >= STATS_INTERVAL - TICK:
            self._post_stats()  # in the same screen frame as the text

    def _post_stats(self) -> None:
        self._last_stats = time.monotonic()
        stats = self._view
        self.target.post_message(
            StatsUpdate(
                self.job.stream_id,
                StatsView(
                    state=self.job.controller.state,
                    provider=self._provider,
                    model=self._model,
                    first_token_ms=stats.first_token_ms if stats else None,
                    tokens_per_second=stats.tokens_per_second if stats else None,
                    input_tokens=stats.total_input_tokens if stats else None,
                    output_tokens=stats.total_tokens if stats else None,
                    tokens_estimated=stats.tokens_estimated if stats else True,
                    elapsed_ms=stats.total_duration_ms if stats else 0.0,
                    note=self._error or self._status_note(),
                ),
            )
        )

    def _status_note(self) -> str:
        if self._loading_since is not None:
            return loading_note(self.job.clock() - self._loading_since, self.job.expected_load_ms)
        return self._note

    async def _tick(self) -> None:
        cost = self.job.draw_cost
        last_adjust = time.monotonic()
        while True:
            await asyncio.sleep(TICK)
            now = time.monotonic()
            if cost is not None and now - last_adjust >= STATS_INTERVAL:
                last_adjust = now
                interval = self._cadence.adjust(cost.per_update)
                # read about twice per drawn update: no text waits longer than it must, and a
                # 200 tokens/s stream takes a few reads a second instead of hundreds of wake-ups
                self.job.controller.read_interval = interval / 2
            pending = self._pending_text or self._pending_thinking or self._tools.dirty or self._citations_dirty
            # paused: show at once what arrived before the pause, so the text then stands still
            if pending and (now - self._last_flush >= self._cadence.interval or self.job.controller.paused):
                self._flush()
            if time.monotonic() - self._last_stats >= STATS_INTERVAL:
                self._post_stats()
