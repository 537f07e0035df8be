"""The main screen: transcript, prompt, thinking and tool panes, stats bar; runs one stream at a time.

The screen is the only place that starts streams and routes their updates: a `StreamWorker` runs in a
thread and posts messages here, and the handlers below pass the data down to the widgets. Key actions
(pause, cancel, regenerate, branches, part rewrite and undo, copy) are methods here that the app's
bindings call; a part rewrite is `tui.history.PartRewrite`, given to the worker as a collaborator.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from tui.app import memory
from tui.app.active import ActiveStream
from tui.app.cadence import DrawCost
from tui.app.conversation import (
    Turn,
    answered_by,
    branch_label,
    branch_position,
    can_continue,
    load_thread,
    status_note,
)
from tui.app.mentions import files_for, quote
from tui.app.screens.tool_detail import ToolDetailScreen
from tui.app.stream_worker import READ_INTERVAL, StreamJob, StreamWorker
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
from tui.app.widgets.answer import Answer
from tui.app.widgets.path_suggestions import PathSuggestions
from tui.app.widgets.prompt_input import PromptInput
from tui.app.widgets.stats_bar import StatsBar
from tui.app.widgets.thinking_pane import ThinkingPane
from tui.app.widgets.tool_pane import ToolPane
from tui.app.widgets.transcript import Transcript
from tui.app.widgets.user_message import UserMessage
from tui.app.widgets.welcome import welcome_text
from tui.history import ROOT, HistoryError, PartRewrite
from tui.history.answer_fold import final_status
from tui.history.parts import code_of
from tui.stream import Attachment, AttachmentError, Message, StreamController, StreamState
from tui.stream.sanitize import sanitize

if TYPE_CHECKING:
    from tui.app.host import ChatHost

_ids = itertools.count(1)
rewrite_ids = itertools.count(1_000_000)  # rewrite streams: never the id of an answer's stream
STOP_TIMEOUT = 5.0  # seconds quitting waits for a cancelled stream to save its partial answer


class ChatScreen(Screen[None]):
    @property
    def host(self) -> ChatHost:
        """The app, as what this screen needs of it (tui/app/host.py)."""
        return cast("ChatHost", self.app)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.active: ActiveStream | None = None
        self.cid: int | None = None
        self.context: list[Message] = []
        self.last_user_id: int | None = None
        # The newest message of the thread on show, saved in history: the parent of the next prompt.
        # Kept here, not read off the widgets, so a new chat never inherits the previous one's messages
        # while an earlier answer is still being drawn or saved.
        self.leaf_id: int | None = None
        self.stats_view = StatsView()
        self.stats_ticks = 0  # stats updates received from workers (lets tests wait on real ticks)
        self.draw_cost = DrawCost()  # what drawing one text update costs (a new one per stream)
        self.stream_worker: Any = None  # Textual's Worker running the current (or last) stream
        self._undo: dict[tuple[int, int], list[str]] = {}  # (id(answer), part) -> earlier texts
        self.allowed_here: set[str] = set()  # tools allowed "for this conversation" (reset with it)
        self.system: str | None = None  # the conversation's system prompt, sent with each request
        self.conversation_title: str | None = None  # shown in the stats bar; renamed with f2

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="chat-column"):
                yield Transcript(id="transcript")
                yield PathSuggestions(id="path-suggestions")
                yield PromptInput(id="prompt")
            with Vertical(id="side"):
                yield ThinkingPane(id="thinking")
                yield ToolPane(id="tools")
        yield StatsBar(id="stats")
        yield Footer()

    def on_mount(self) -> None:
        self.stats.keys = self.host.key_labels()  # the pause/cancel hint while a stream runs
        self.stats_view = StatsView(
            provider=self.host.provider_name, model=self.host.model_name, note=self.host.warmup.note()
        )
        self.stats.stats = self.stats_view
        self.query_one(PromptInput).focus()
        self.set_system(self.host.settings.system, save=False)
        if self.host.initial_cid:
            self.call_later(self.open_conversation, self.host.initial_cid)
        else:
            self.call_later(self.show_welcome)

    async def show_welcome(self) -> None:
        app = self.host
        await self.transcript.show_welcome(
            welcome_text(app.provider_name, app.model_name, app.key_labels(), problem=app.warmup.problem)
        )

    def show_idle_note(self, note: str) -> None:
        """A note about the provider (the local model loading, or unable to run) while no stream runs."""
        if self.active is None and self.stats_view.state is StreamState.IDLE:
            self.stats_view = replace(self.stats_view, note=note)
            self.stats.stats = self.stats_view
        if self.host.warmup.problem and not self.transcript.answers:
            self.call_later(self.show_welcome)

    def on_unmount(self) -> None:
        """Leaving the app: stop the stream so its thread ends (the partial answer is saved)."""
        if self.active is not None:
            self.active.controller.cancel()

    # -- widgets ---------------------------------------------------------------------------------
    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @property
    def stats(self) -> StatsBar:
        return self.query_one(StatsBar)

    @property
    def thinking(self) -> ThinkingPane:
        return self.query_one(ThinkingPane)

    @property
    def tools(self) -> ToolPane:
        return self.query_one(ToolPane)

    @property
    def streaming(self) -> bool:
        return self.active is not None

    # -- sending -------------------------------------------------------------------------------
    @on(PromptInput.Submitted)
    async def on_prompt_submitted(self, event: PromptInput.Submitted) -> None:
        event.stop()
        if not await self.send(event.text):  # keep what the user typed: it is sent once the stream ends
            event.prompt.load_text(event.text)  # (or once the file it names can be sent)
            event.prompt.move_cursor(event.prompt.document.end)

    async def send(self, text: str, parent_id: Any = None) -> bool:
        """Send a prompt after the thread on show (`parent_id`: after that message instead; an edit)."""
        if self.active is not None:
            self.app.notify("An answer is still streaming: escape cancels it, then enter sends.", severity="warning")
            return False
        attachments = self.attachments_for(text)
        if attachments is None:
            return False
        parent = self.leaf_id if parent_id is None else parent_id
        self.transcript.clear_selection()
        self.transcript.follow()
        user = await self.transcript.add_user(
            text, attachments=attachments, parent_id=parent if isinstance(parent, int) else None
        )
        self.context.append(Message("user", text, attachments=attachments))
        await self._start_answer(user_text=text, parent_id=parent)
        if self.active is not None:
            self.active.user = user
        return True

    # -- attachments and the editor -------------------------------------------------------------
    def attachments_for(self, text: str) -> list[Attachment] | None:
        """The files the prompt's `@path`s name, read and checked; None (and a notice saying why) when
        one cannot be sent: the prompt is then not sent, and stays in the box."""
        try:
            return files_for(text, self.host.provider)
        except AttachmentError as exc:
            self.app.notify(
                f"{exc.message}. The prompt was not sent (it is still in the box).",
                title="Attachment refused",
                severity="error",
                timeout=10,
            )
            return None

    def on_prompt_input_suggestions(self, message: PromptInput.Suggestions) -> None:
        self.query_one(PathSuggestions).show(message.items, message.index)

    def pick_attachment(self) -> None:
        """f3: a file picker; the chosen file goes into the prompt as `@path` at the cursor."""
        from tui.app.screens.attach_picker import AttachPickerScreen

        def picked(path: str | None) -> None:
            if path:
                prompt = self.query_one(PromptInput)
                before = prompt.document.get_line(prompt.cursor_location[0])[: prompt.cursor_location[1]]
                prompt.insert(("" if not before or before[-1].isspace() else " ") + quote(path) + " ")
                prompt.focus()

        self.app.push_screen(AttachPickerScreen(), picked)

    def edit_in_editor(self) -> None:
        """ctrl+e: the prompt in $VISUAL/$EDITOR; its text comes back into the box (not sent)."""
        from tui.app.editor import edit_text

        prompt = self.query_one(PromptInput)
        edited = edit_text(self.app, prompt.text)
        if edited.text is None:
            self.app.notify(edited.problem, title="Editor", severity="warning", timeout=8)
        else:
            prompt.load_text(edited.text)
            prompt.move_cursor(prompt.document.end)
        prompt.focus()

    async def _start_answer(self, *, user_text: str | None, parent_id: Any) -> None:
        controller = StreamController(read_interval=READ_INTERVAL)
        answer = Answer(streaming=True)
        answer.on_drawn = lambda: self.draw_cost.done()  # the cost of the stream that is current
        answer.parent_id = parent_id if user_text is None else None
        await self.transcript.add_answer(answer)
        self.thinking.set_text("")
        self.tools.clear()
        stream_id = next(_ids)
        if user_text is None:
            self.leaf_id = parent_id  # a regenerated answer replaces the last one on show
        self.active = ActiveStream(stream_id, controller, answer)
        job = self._job(stream_id, controller, list(self.context), user_text=user_text, parent_id=parent_id)
        self._run(job)

    def _job(self, stream_id: int, controller: StreamController, messages: list[Message], **kwargs: Any) -> StreamJob:
        app = self.host
        store = app.store
        mcp = app.mcp if "tools" not in kwargs else None  # a rewrite runs no tools
        tools = kwargs.pop("tools", app.tools)
        if store is not None and self.cid is None and kwargs.get("user_text") is not None:
            self.cid = app.create_conversation(kwargs["user_text"], system=self.system, title=self.conversation_title)
            self.refresh_title()
        self.draw_cost = DrawCost()  # measured here on the UI thread, read by the worker's cadence
        return StreamJob(
            stream_id=stream_id,
            provider=app.provider,
            messages=messages,
            controller=controller,
            system=self.system,
            max_tokens=app.settings.max_tokens,
            temperature=app.settings.temperature,
            tools=tools,
            store=store if self.cid is not None else None,
            cid=self.cid,
            always_allowed=app.always_allowed_tools,
            conversation_allowed=self.allowed_here,
            mcp=mcp,
            clock=app.clock,
            draw_cost=self.draw_cost,
            expected_load_ms=app.warmup.expected_ms,
            **kwargs,
        )

    def _run(self, job: StreamJob) -> None:
        self.stats_view = StatsView(
            state=StreamState.CONNECTING, provider=self.host.provider_name, model=self.host.model_name
        )
        self.stats.stats = self.stats_view
        worker = StreamWorker(job, self)
        self.stream_worker = self.run_worker(
            worker.run, thread=True, group="stream", exit_on_error=False, name=f"stream-{job.stream_id}"
        )

    async def stop_stream(self, timeout: float = STOP_TIMEOUT) -> bool:
        """Cancel the running stream and wait until its worker has saved the partial answer.

        Quitting calls this, so leaving mid-answer keeps what arrived, marked cancelled, instead of an
        answer left `streaming` for the next start to call interrupted. False if it did not end in time.
        """
        if self.active is None or self.stream_worker is None:
            return True
        self.active.controller.cancel()
        try:
            await asyncio.wait_for(self.stream_worker.wait(), timeout)
        except TimeoutError:
            return False
        except Exception:  # the worker failed or was cancelled: it has ended all the same
            pass
        return True

    # -- control -------------------------------------------------------------------------------
    def pause_resume(self) -> None:
        if self.active is None:
            return
        controller = self.active.controller
        if controller.toggle_pause():
            self._show_state(controller.state)

    def cancel(self) -> bool:
        if self.active is None:
            return False
        controller = self.active.controller
        if controller.cancel():
            self._show_state(StreamState.CANCELLED)
        return True

    def _show_state(self, state: StreamState) -> None:
        """Control shows at once, not at the worker's next stats tick."""
        self.stats_view = replace(self.stats_view, state=state)
        self.stats.stats = self.stats_view

    async def new_chat(self) -> None:
        if self.active is not None:
            self.active.controller.cancel()
            self.active = None
        self.cid = None
        self.context = []
        self.allowed_here = set()
        self.last_user_id = None
        self.leaf_id = None
        await self.transcript.clear()
        self.thinking.set_text("")
        self.tools.clear()
        self.stats_view = StatsView(provider=self.host.provider_name, model=self.host.model_name)
        self.stats.stats = self.stats_view
        self.set_title(None)
        self.set_system(self.host.settings.system, save=False)
        self.query_one(PromptInput).focus()
        await self.show_welcome()

    def toggle_thinking(self) -> None:
        """Hide the thinking pane, or show it (in a narrow terminal an empty pane is hidden until asked for)."""
        thinking = self.thinking
        shown = not thinking.has_class("-collapsed") and (
            not self.has_class("-narrow") or not thinking.has_class("-empty") or thinking.has_class("-opened")
        )
        thinking.set_class(shown, "-collapsed")
        thinking.set_class(not shown, "-opened")

    # -- opening saved conversations -----------------------------------------------------------
    async def open_conversation(self, cid: int, message_id: int | None = None) -> bool:
        """Show a saved conversation from its end; or scrolled to `message_id` (a search hit), highlighted."""
        store = self.host.store
        if store is None:
            self.app.notify("History is not available in this session.", severity="warning")
            return False
        try:
            conversation = store.get_conversation(cid)
            if conversation is None:
                self.app.notify(f"No conversation with id {cid!r}.", severity="error")
                return False
            turns, context = load_thread(store, cid)
        except Exception as exc:
            self.app.notify(f"Could not open the conversation: {exc}", severity="error")
            return False
        await self.new_chat()
        self.cid = cid
        self.context = context
        self.set_title(conversation.title)
        self.set_system(conversation.system, save=False)
        await self._show_turns(turns)
        if message_id is not None:
            self.transcript.show_message(message_id)
        return True

    async def _show_turns(self, turns: list[Turn]) -> None:
        transcript = self.transcript
        assistants = iter([m for m in self.context if m.role == "assistant" and m.content])
        last: Answer | None = None
        for turn in turns:
            self.leaf_id = turn.message_id or self.leaf_id
            if turn.role == "user":
                await transcript.add_user(
                    turn.text, turn.message_id, turn.attachments, parent_id=turn.parent_id, branch=turn.branch
                )
                self.last_user_id = turn.message_id
                continue
            answer = Answer(
                turn.text,
                message_id=turn.message_id,
                thinking=turn.thinking,
                tool_rows=turn.tool_rows,
                references=turn.references,
                status=status_note(turn.status, None, turn.branch, turn.stop_reason),
                answered_by=turn.answered_by,
            )
            answer.parent_id = turn.parent_id
            answer.state, answer.stop_reason = turn.status, turn.stop_reason
            answer.parts_provider = self._parts_provider(answer)
            answer.context_message = next(assistants, None) if turn.text else None
            await transcript.add_answer(answer)
            last = answer
        if last is not None:
            self.show_answer_panes(last)
        transcript.follow()

    def _parts_provider(self, answer: Answer):
        """The saved answer's own text parts, so a selected part is exactly the stored part."""
        store = self.host.store

        def parts() -> list[str] | None:
            if store is None or not answer.message_id:
                return None
            try:
                return [part.content for part in store.text_parts(answer.message_id)] or None
            except Exception:
                return None

        return parts

    def show_answer_panes(self, answer: Answer) -> None:
        """The panes and the stats bar's note show the answer in view (the last, or the selected one)."""
        self.thinking.set_text(answer.thinking)
        self.tools.clear()
        self.tools.update_rows(answer.tool_rows)
        if self.active is None:  # before any stream, the start-up note (e.g. "loading model") stays
            idle = self.stats_view.state is StreamState.IDLE
            self.stats_view = replace(self.stats_view, note=answer.status or (self.host.warmup.note() if idle else ""))
            self.stats.stats = self.stats_view

    def on_transcript_selection_changed(self, message: Transcript.SelectionChanged) -> None:
        if message.answer is not None and self.active is None:
            self.show_answer_panes(message.answer)
        if message.user is not None and self.active is None:  # what can be done with a selected prompt
            keys = self.host.key_labels()
            edit, rerun = keys.get("edit_message", "e"), keys.get("regenerate", "ctrl+g")
            hint = f"prompt: {edit} edits it (new branch), {rerun} re-runs it"
            self.stats_view = replace(self.stats_view, note=hint)
            self.stats.stats = self.stats_view

    def show_provider(self) -> None:
        self.stats_view = replace(self.stats_view, provider=self.host.provider_name, model=self.host.model_name)
        self.stats.stats = self.stats_view
        self.call_later(self.show_welcome)  # an empty conversation names the new model

    # -- what the stream's worker posts -----------------------------------------------------------
    def _current(self, message: Any) -> ActiveStream | None:
        active = self.active
        return active if active is not None and active.stream_id == message.stream_id else None

    async def on_stream_delta(self, message: StreamDelta) -> None:
        active = self._current(message)
        if active is None:
            return
        if message.text and active.kind != "rewrite":
            self.draw_cost.start()  # done() when the transcript has drawn it (Answer.on_drawn)
        if message.thinking:
            if active.kind != "rewrite":  # a rewrite's reasoning is about the part, not the answer
                active.answer.thinking += message.thinking
            self.thinking.append(message.thinking)
        if message.text:
            if active.kind == "rewrite":
                await active.answer.append_part(message.text)
            else:
                await active.answer.append(message.text)

    def on_tool_activity(self, message: ToolActivity) -> None:
        active = self._current(message)
        if active is None:
            return
        active.answer.tool_rows = message.rows
        self.tools.update_rows(message.rows)
        for screen in self.app.screen_stack:  # a call open in full follows along live
            if isinstance(screen, ToolDetailScreen):
                screen.follow(message.rows)

    def on_tool_pane_opened(self, message: ToolPane.Opened) -> None:
        self.app.push_screen(ToolDetailScreen(message.row, copy=self._copy))

    def on_citations_update(self, message: CitationsUpdate) -> None:
        active = self._current(message)
        if active is not None and active.kind != "rewrite":
            active.answer.set_references(message.references)

    def on_stats_update(self, message: StatsUpdate) -> None:
        if self._current(message) is None:
            return
        self.stats_view = message.stats
        self.stats.stats = message.stats
        self.stats_ticks += 1

    def on_user_saved(self, message: UserSaved) -> None:
        active = self._current(message)
        if active is not None:
            self.last_user_id = self.leaf_id = message.message_id
            active.answer.parent_id = message.message_id
            if active.user is not None:
                active.user.message_id = message.message_id

    def on_confirm_tool(self, message: ConfirmTool) -> None:
        from tui.app.screens.confirm_tool import ConfirmToolScreen

        def answered(result: str | None) -> None:
            if not message.reply.done():
                message.reply.set_result(result or "deny")

        if self._current(message) is None:
            answered("deny")
            return
        self.app.push_screen(ConfirmToolScreen(message.tool_name, message.arguments, message.source), answered)

    async def on_stream_finished(self, message: StreamFinished) -> None:
        active = self._current(message)
        if active is None:
            return
        self.active = None
        outcome = message.outcome
        state = outcome.state
        note = outcome.error or self.stats_view.note
        if active.kind == "rewrite":
            await self._finish_rewrite(active, outcome)
        else:
            answer = active.answer
            text = outcome.text
            if active.kind == "continue":  # one answer: the partial, then what carried it on
                text = active.base_text + outcome.text
                self._end_continuation(answer, outcome, text)
            else:
                answer.message_id = outcome.message_id
                # the conversation's state first: drawing the answer's end may take a while, and a new
                # chat started meanwhile must not receive this answer's context or leaf
                self.context.extend(outcome.new_messages)
                answer.context_message = next(
                    (m for m in reversed(outcome.new_messages) if m.role == "assistant"), None
                )
            answer.parts_provider = self._parts_provider(answer)
            self.leaf_id = outcome.message_id or self.leaf_id
            if active.user is not None:  # an edited prompt: it now has siblings
                active.user.set_branch(self.branch_of(active.user))
            answer.state = final_status(state)
            answer.stop_reason = outcome.stop_reason
            answer.answered_by = answered_by(outcome.provider, outcome.model)
            branch = self.branch_of(answer)
            status = status_note(answer.state, outcome.error, branch, outcome.stop_reason)
            await answer.finish(text, status)
            if branch is not None and branch[1] > 1:  # the stats bar says which branch is on show
                note = " · ".join(n for n in (note, f"{branch_label(branch)} branch") if n)
        view = replace(self.stats_view, state=state, note=note)
        self.stats_view = view
        self.stats.stats = view
        if outcome.error:
            self.app.notify(outcome.error, title=f"Stream {state.value}", severity="error", timeout=8)
        if outcome.save_error:
            self.app.notify(outcome.save_error, title="History", severity="warning", timeout=8)
        self.set_timer(memory.SETTLE_DELAY, self.settle_memory)

    def settle_memory(self) -> None:
        """Collect and freeze (tui/app/memory.py) at a quiet moment: never while a stream is drawn,
        where the pause would show; the end of that stream schedules the next chance."""
        if self.active is None:
            memory.settle()

    # -- finished answers: part rewrite and undo, regenerate, branches, copy -------------------------
    def _selection(self) -> tuple[Any, int] | None:
        answer = self.transcript.selected_answer
        if answer is None or answer.selected is None or answer.streaming:
            self.app.notify("Select a part first: focus the transcript (tab) and use up/down.", severity="warning")
            return None
        return answer, answer.selected

    # -- rewrite ----------------------------------------------------------------------------------
    def rewrite_part(self) -> None:
        if self.active is not None:
            self.app.notify("Wait for the stream to end (or cancel it) before rewriting.", severity="warning")
            return
        selection = self._selection()
        if selection is None:
            return
        answer, index = selection
        from tui.app.screens.rewrite_prompt import RewritePromptScreen

        def chosen(instruction: str | None) -> None:
            if instruction is not None:
                self.call_later(self.start_rewrite, answer, index, instruction)

        self.app.push_screen(RewritePromptScreen(answer.parts[index]), chosen)

    async def start_rewrite(self, answer: Answer, index: int, instruction: str = "") -> None:
        if self.active is not None:
            return
        store = self.host.store if answer.message_id else None
        try:
            rewrite = PartRewrite(
                answer.parts,
                index,
                instruction=instruction,
                context=self._context_before(answer),
                store=store,
                message_id=answer.message_id,
            )
        except HistoryError as exc:
            self.app.notify(f"Cannot rewrite this part: {exc}", severity="warning")
            return
        controller = StreamController(read_interval=READ_INTERVAL)
        stream_id = next(rewrite_ids)
        self.active = ActiveStream(
            stream_id, controller, answer, kind="rewrite", part=index, old_part=rewrite.original, rewrite=rewrite
        )
        await answer.begin_part_rewrite(index)
        self.thinking.set_text("")  # the pane shows this stream's reasoning (not added to the answer's)
        self._run(
            self._job(stream_id, controller, rewrite.messages(), rewrite=rewrite, tools=[])
        )  # a rewrite is plain text: no tool rounds

    def _context_before(self, answer: Any) -> list[Message]:
        message = getattr(answer, "context_message", None)
        for position, item in enumerate(self.context):
            if item is message:
                return self.context[:position]
        return list(self.context)

    def _stored_part_id(self, answer: Any, index: int) -> int | None:
        store = self.host.store
        if store is None or not answer.message_id:
            return None
        try:
            parts = store.text_parts(answer.message_id)
        except HistoryError as exc:
            self.app.notify(f"History cannot find the parts of this answer: {exc}", severity="warning")
            return None
        return parts[index].id if index < len(parts) else None

    async def _finish_rewrite(self, active: ActiveStream, outcome: StreamOutcome) -> None:
        answer, index = active.answer, active.part
        assert index is not None
        replacement = active.rewrite.replacement if active.rewrite is not None else None
        if replacement is not None:
            self._undo.setdefault((id(answer), index), []).append(active.old_part)
            await answer.end_part_rewrite(index, replacement)
            self._sync_context(answer)
            self.app.notify(f"Part {index + 1} rewritten (u undoes).")
        else:
            await answer.end_part_rewrite(index, None)
            self.app.notify(f"Rewrite {outcome.state.value}: part {index + 1} is unchanged.", severity="warning")

    def _sync_context(self, answer: Any) -> None:
        message = getattr(answer, "context_message", None)
        if message is not None:
            message.content = answer.raw_text

    async def undo_rewrite(self) -> None:
        if self.active is not None:
            return
        selection = self._selection()
        if selection is None:
            return
        answer, index = selection
        stack = self._undo.get((id(answer), index), [])
        store = self.host.store
        part_id = self._stored_part_id(answer, index)
        restored: str | None = None
        if part_id is not None and store is not None:
            try:
                part = store.undo_part(part_id)
            except HistoryError as exc:
                self.app.notify(f"Undo failed: {exc}", severity="error")
                return
            restored = part.content if part is not None else None
            if stack:
                stack.pop()
        elif stack:
            restored = stack.pop()
        if restored is None:
            self.app.notify(f"Nothing to undo for part {index + 1}.", severity="warning")
            return
        await answer.set_part(index, restored)
        self._sync_context(answer)
        self.app.notify(f"Part {index + 1} restored.")

    # -- regenerate and branches --------------------------------------------------------------------
    async def regenerate(self) -> None:
        """A new answer to the last prompt, or to the selected prompt (re-run from there): a sibling of
        the answer it replaces on screen; the old one stays in history (ctrl+left/right, ctrl+b)."""
        if self.active is not None:
            self.app.notify("An answer is still streaming: escape cancels it.", severity="warning")
            return
        user = self.transcript.selected_user
        if user is not None:
            await self.rerun_from(user)
            return
        answers = self.transcript.answers
        last_user = max((i for i, m in enumerate(self.context) if m.role == "user"), default=None)
        if not answers or last_user is None:
            self.app.notify("Nothing to regenerate yet.", severity="warning")
            return
        last = answers[-1]
        parent = getattr(last, "parent_id", None) or self.last_user_id
        self.context = self.context[: last_user + 1]
        self.transcript.clear_selection()
        await self.transcript.remove_entry(last)
        await self._start_answer(user_text=None, parent_id=parent)

    async def rerun_from(self, user: UserMessage) -> None:
        """Answer `user`'s prompt again: what came after it leaves the screen (it stays in history)."""
        if self.active is not None or not await self._cut_at(user, keep=True):
            return
        self.leaf_id = self.last_user_id = user.message_id
        await self._start_answer(user_text=None, parent_id=user.message_id)

    def edit_message(self) -> None:
        """Edit the selected prompt; the edit is sent as a new branch from the same point."""
        if self.active is not None:
            self.app.notify("An answer is still streaming: escape cancels it.", severity="warning")
            return
        user = self.transcript.selected_user
        if user is None:
            self.app.notify(
                "Select a prompt first: focus the transcript (ctrl+o) and move to it with up/down.", severity="warning"
            )
            return
        from tui.app.screens.edit_prompt import EditPromptScreen

        def edited(text: str | None) -> None:
            if text is not None and text.strip():
                self.call_later(self.send_edited, user, text)

        self.app.push_screen(EditPromptScreen(user.prompt), edited)

    async def send_edited(self, user: UserMessage, text: str) -> None:
        """Send `text` in place of `user`'s prompt: a sibling of it in history (same parent)."""
        if self.active is not None or not await self._cut_at(user, keep=False):
            return
        parent: Any = user.parent_id
        if parent is None and self.cid is not None and self.host.store is not None:
            parent = ROOT  # the first prompt edited: a new root, not "after the current leaf"
        self.leaf_id = user.parent_id
        await self.send(text, parent_id=parent)

    async def _cut_at(self, user: UserMessage, *, keep: bool) -> bool:
        """Take the prompt `user` (`keep`: only what follows it) off the screen and out of the context."""
        transcript = self.transcript
        users = transcript.users
        places = [i for i, m in enumerate(self.context) if m.role == "user"]
        if user not in users or users.index(user) >= len(places):
            self.app.notify("That prompt is no longer in this conversation.", severity="warning")
            return False
        place = places[users.index(user)]
        self.context = self.context[: place + 1 if keep else place]
        transcript.clear_selection()
        start = transcript.entries.index(user) + (1 if keep else 0)
        for entry in transcript.entries[start:]:
            await transcript.remove_entry(entry)
        transcript.follow()
        return True

    def _answer_in_view(self) -> Answer | None:
        """The selected answer, else the last one."""
        answers = self.transcript.answers
        return self.transcript.selected_answer or (answers[-1] if answers else None)

    def branch_of(self, entry: Any) -> tuple[int, int] | None:
        return branch_position(self.host.store, entry.message_id)

    def _branch_candidates(self) -> list[Any]:
        """Where ctrl+left/right switches: the selected prompt; else the answer in view, then its prompt."""
        transcript = self.transcript
        if transcript.selected_user is not None:
            return [transcript.selected_user]
        answer = self._answer_in_view()
        if answer is None:
            return []
        entries = transcript.entries
        before = entries[: entries.index(answer)] if answer in entries else []
        prompt = next((e for e in reversed(before) if isinstance(e, UserMessage)), None)
        return [answer, prompt] if prompt is not None else [answer]

    async def switch_branch(self, step: int) -> None:
        if self.active is not None:
            return
        store = self.host.store
        candidates = [c for c in self._branch_candidates() if c.message_id]
        if store is None or not candidates or self.cid is None:
            self.app.notify("No other branches here (ctrl+g or e makes one).", severity="warning")
            return
        try:
            for entry in candidates:
                ids = store.sibling_ids(entry.message_id)
                if len(ids) > 1 and entry.message_id in ids:
                    break
            else:
                self.app.notify("No other branches here (ctrl+g or e makes one).", severity="warning")
                return
            target = ids[(ids.index(entry.message_id) + step) % len(ids)]
            store.set_current_leaf(self.cid, target, descend=True)
        except Exception as exc:  # a locked or damaged database: say so, keep the screen as it is
            self.app.notify(f"Could not switch branch: {exc}", severity="error")
            return
        await self._show_branch(target, select=isinstance(entry, UserMessage))

    async def _show_branch(self, message_id: int, *, select: bool = False) -> None:
        """Reopen the conversation on the branch now current; keep the transcript's focus and select
        the switched prompt, so ctrl+left/right can go on."""
        if self.cid is None:
            return
        focused = self.app.focused is self.transcript
        await self.open_conversation(self.cid)
        user = next((u for u in self.transcript.users if u.message_id == message_id), None)
        if focused or select:
            self.transcript.focus()
        if select and user is not None:
            self.transcript.select_user(user)

    # -- the branch tree -----------------------------------------------------------------------------
    def show_branch_tree(self) -> None:
        store = self.host.store
        if store is None or self.cid is None:
            message = (
                "There is no saved conversation yet: branches live in history."
                if store
                else ("History is not available in this session, so there are no branches to show.")
            )
            self.app.notify(message, severity="warning")
            return
        try:
            conversation = store.get_conversation(self.cid)
            messages = store.all_messages(self.cid)
            path = [m.id for m in store.thread(self.cid)]
        except Exception as exc:
            self.app.notify(f"Could not read the branches: {exc}", severity="error")
            return
        from tui.app.screens.branch_tree import BranchTreeScreen

        def chosen(message_id: int | None) -> None:
            if message_id is not None:
                self.call_later(self.show_branch_at, message_id)

        title = (conversation.title if conversation is not None else None) or ""
        self.app.push_screen(BranchTreeScreen(messages, path, title), chosen)

    async def show_branch_at(self, message_id: int) -> None:
        """Make the branch through `message_id` the one shown and continued (its newest leaf below it)."""
        store = self.host.store
        if self.active is not None:
            self.app.notify("Wait for the stream to end (or cancel it) before switching branch.", severity="warning")
            return
        if store is None or self.cid is None:
            return
        try:
            store.set_current_leaf(self.cid, message_id, descend=True)
        except Exception as exc:
            self.app.notify(f"Could not switch branch: {exc}", severity="error")
            return
        await self.open_conversation(self.cid, message_id)

    # -- continue ----------------------------------------------------------------------------------
    async def continue_answer(self) -> None:
        """Let the model carry on with a cancelled, interrupted or cut-off answer: the new text is
        appended to the same answer, on screen and in history."""
        if self.active is not None:
            self.app.notify("An answer is still streaming: escape cancels it.", severity="warning")
            return
        answers = self.transcript.answers
        answer = self.transcript.selected_answer or (answers[-1] if answers else None)
        problem = None
        if answer is None:
            problem = "Nothing to continue yet."
        elif answer is not answers[-1]:
            problem = "Only the last answer can be continued (an earlier one has answers after it)."
        elif not can_continue(answer.state, answer.stop_reason):
            problem = "This answer is complete: only a cancelled, interrupted or cut-off answer can be continued."
        elif not answer.raw_text.strip():
            problem = "This answer has no text to continue yet (ctrl+g regenerates it)."
        last_user = max((i for i, m in enumerate(self.context) if m.role == "user"), default=None)
        if problem is None and last_user is None:
            problem = "Nothing to continue: this conversation has no prompt."
        if problem is not None or answer is None or last_user is None:
            self.app.notify(problem or "Nothing to continue yet.", severity="warning")
            return
        messages = [*self.context[: last_user + 1], Message("assistant", answer.raw_text)]
        self.transcript.clear_selection()
        self.transcript.follow()
        controller = StreamController(read_interval=READ_INTERVAL)
        stream_id = next(_ids)
        self.active = ActiveStream(stream_id, controller, answer, kind="continue", base_text=answer.raw_text)
        answer.resume()
        self.thinking.set_text(answer.thinking)
        job = self._job(
            stream_id,
            controller,
            messages,
            continues=answer.message_id if self.host.store is not None else None,
            continue_answer=True,
        )
        self._run(job)

    def _end_continuation(self, answer: Answer, outcome: StreamOutcome, text: str) -> None:
        """The context ends with the whole answer (partial + continuation), once."""
        last_user = max((i for i, m in enumerate(self.context) if m.role == "user"), default=len(self.context) - 1)
        whole = Message("assistant", text, thinking=answer.thinking)
        rounds = outcome.new_messages if len(outcome.new_messages) > 1 else [whole]  # tool rounds: as they came
        self.context = [*self.context[: last_user + 1], *rounds]
        answer.context_message = next((m for m in reversed(rounds) if m.role == "assistant"), None)
        answer.message_id = outcome.message_id or answer.message_id

    # -- copy --------------------------------------------------------------------------------------
    def copy_part(self) -> None:
        """The selected part; of a code block, just its code (no fences, no language line)."""
        selection = self._selection()
        if selection is not None:
            answer, index = selection
            code = code_of(answer.parts[index])
            if code is not None:
                self._copy(code, f"the code of part {index + 1}")
            else:
                self._copy(answer.parts[index].strip(), f"part {index + 1}")

    def copy_answer(self) -> None:
        answer = self._answer_in_view()
        if answer is None or answer.streaming:
            self.app.notify("No finished answer to copy.", severity="warning")
            return
        self._copy(answer.raw_text, "the answer")

    def _copy(self, text: str, what: str) -> None:
        clean = sanitize(text)
        self.app.copy_to_clipboard(clean)
        self.app.notify(f"Copied {what} ({len(clean)} characters).")

    # -- the conversation's system prompt and title ----------------------------------------------------
    def set_system(self, system: str | None, *, save: bool = True) -> bool:
        """Use `system` (None or blank: none) from the next request on, show it at the top of the
        transcript, and (`save`) keep it with the saved conversation. False if history refused it."""
        system = system if system and system.strip() else None
        saved = True
        store = self.host.store
        if save and store is not None and self.cid is not None:
            try:
                store.set_system(self.cid, system)
            except HistoryError as exc:
                self.app.notify(f"The system prompt is used but was not saved: {exc}", severity="warning")
                saved = False
        self.system = system
        self.transcript.set_system_note(system, self.host.key_labels().get("edit_system", ""))
        return saved

    def edit_system(self) -> None:
        """f9: edit the system prompt in a dialog (empty removes it)."""
        from tui.app.screens.system_prompt import SystemPromptScreen

        def edited(text: str | None) -> None:
            if text is None:
                return
            if self.set_system(text):
                self.app.notify(
                    "System prompt saved: the next message is sent with it." if text else "System prompt removed."
                )

        self.app.push_screen(
            SystemPromptScreen(self.system or "", saved_in_history=self.host.store is not None), edited
        )

    def set_title(self, title: str | None) -> None:
        self.conversation_title = title
        self.stats.conversation_title = sanitize(title or "")

    def refresh_title(self) -> None:
        """The title as history has it now (named from the first prompt, or renamed in the sessions browser)."""
        store = self.host.store
        if store is None or self.cid is None:
            return
        try:
            conversation = store.get_conversation(self.cid)
        except HistoryError:
            return
        if conversation is not None:
            self.set_title(conversation.title)

    def rename_title(self) -> None:
        """f2: rename the open conversation (before its first message: the name it will be saved with)."""
        from tui.app.screens.text_prompt import TextPromptScreen

        def renamed(title: str | None) -> None:
            if title is None:
                return
            store = self.host.store
            if store is not None and self.cid is not None:
                try:
                    store.rename_conversation(self.cid, title)
                except HistoryError as exc:
                    self.app.notify(f"Could not rename the conversation: {exc}", severity="error")
                    return
            self.set_title(title)
            later = "" if self.cid is not None or store is None else " (saved with the first message)"
            self.app.notify(f"Renamed to “{sanitize(title)}”{later}.")

        current = self.conversation_title or ""
        self.app.push_screen(TextPromptScreen("Rename conversation", value=current, placeholder="New title"), renamed)

    # -- export ------------------------------------------------------------------------------------
    export_dir: Path | None = None  # where exports go (None: the session browser's default folder)

    def export_conversation(self) -> None:
        """Write the open conversation to a Markdown file (the history's export) and say where."""
        store = self.host.store
        if store is None:
            self.app.notify("History is off in this session, so there is nothing saved to export.", severity="warning")
            return
        if self.cid is None:
            self.app.notify("Nothing to export yet: send a message first.", severity="warning")
            return
        self._export(store, self.cid)

    @work(thread=True, group="export")
    def _export(self, store: Any, cid: int) -> None:
        from tui.app.screens.sessions import default_export_dir, write_export

        try:
            path = write_export(store, cid, self.export_dir or default_export_dir())
        except Exception as exc:  # HistoryError, OSError, ...: a message, never a crash
            self.app.call_from_thread(self.app.notify, f"Export failed: {exc}", title="Export", severity="error")
            return
        self.app.call_from_thread(self.app.notify, f"Exported the conversation to {path}", title="Export")
