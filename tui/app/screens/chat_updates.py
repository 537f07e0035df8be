"""The chat screen's handlers for what a stream's worker posts: text, thinking, tool rows, stats, end.

A mixin of `ChatScreen` (kept apart so each file stays about one idea, like chat_parts.py): each
handler checks the message belongs to the stream that is current, then hands the data down to the
widgets; the end of a stream finishes the answer (or the rewritten part) and notifies any error.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tui.app import memory
from tui.app.active import ActiveStream
from tui.app.conversation import status_note
from tui.app.messages import ConfirmTool, StatsUpdate, StreamDelta, StreamFinished, ToolActivity, UserSaved
from tui.stream import StreamState


class StreamUpdates:
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

    def on_confirm_tool(self, message: ConfirmTool) -> None:
        from tui.app.screens.confirm_tool import ConfirmToolScreen

        def answered(result: str | None) -> None:
            if not message.reply.done():
                message.reply.set_result(result or "deny")

        if self._current(message) is None:
            answered("deny")
            return
        self.app.push_screen(ConfirmToolScreen(message.tool_name, message.arguments), answered)

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
            answer.message_id = outcome.message_id
            answer.parts_provider = self._parts_provider(answer)
            # the conversation's state first: drawing the answer's end may take a while, and a new chat
            # started meanwhile must not receive this answer's context or leaf
            self.context.extend(outcome.new_messages)
            self.leaf_id = outcome.message_id or self.leaf_id
            answer.context_message = next((m for m in reversed(outcome.new_messages)
                                           if m.role == "assistant"), None)
            branch = self.branch_of(answer)
            status = status_note(state.value if state is not StreamState.COMPLETED else "complete", outcome.error,
                                 branch)
            await answer.finish(outcome.text, status)
            if branch is not None and branch[1] > 1:  # the stats bar says which branch is on show
                note = " · ".join(n for n in (note, f"branch {branch[0]}/{branch[1]}") if n)
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
