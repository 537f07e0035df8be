"""Chat actions on finished answers: part rewrite and undo, regenerate, branches, copy.

A mixin of `ChatScreen` (kept apart so each file stays about one idea): these read the transcript's
selection, start rewrite/regenerate streams through the screen's own `_run`, and talk to history.
"""

from __future__ import annotations

import itertools
from typing import Any

from tui.app.active import ActiveStream
from tui.app.messages import StreamOutcome
from tui.app.sanitize import sanitize
from tui.app.stream_worker import READ_INTERVAL, rewritten_part
from tui.stream import Message, StreamController, StreamState

rewrite_ids = itertools.count(1_000_000)

# The part is quoted between <part> tags, as tui.history.rewrite does (and the scripted demo reads).
REWRITE_PROMPT = (
    "Rewrite part {number} of your previous answer, quoted below. {instruction}"
    "Reply with the replacement text only (Markdown), nothing before or after it.\n\n"
    "<part>\n{part}\n</part>"
)


def trailing_space(text: str) -> str:
    return text[len(text.rstrip()):]


class PartActions:
    """Needs: self.app, self.active, self.transcript, self.context, self.cid, self._run, self._job."""

    _undo: dict[tuple[int, int], list[str]]

    def _selection(self) -> tuple[Any, int] | None:
        answer = self.transcript.selected_answer
        if answer is None or answer.selected is None or answer.streaming:
            self.app.notify("Select a part first: focus the transcript (tab) and use up/down.",
                            severity="warning")
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

    async def start_rewrite(self, answer: Any, index: int, instruction: str = "") -> None:
        if self.active is not None:
            return
        part = answer.parts[index]
        instruction = instruction.strip()
        request = list(self._context_before(answer))
        request.append(Message("assistant", answer.raw_text))
        request.append(Message("user", REWRITE_PROMPT.format(
            number=index + 1, part=part.strip(),
            instruction=f"Instruction: {instruction}\n" if instruction else "")))
        part_id = self._stored_part_id(answer, index)
        controller = StreamController(read_interval=READ_INTERVAL)
        stream_id = next(rewrite_ids)
        suffix = trailing_space(part)
        self.active = ActiveStream(stream_id, controller, answer, kind="rewrite", part=index, old_part=part,
                                   suffix=suffix)
        await answer.begin_part_rewrite(index)
        self.thinking.set_text("")  # the pane shows this stream's reasoning (not added to the answer's)
        self._run(self._job(stream_id, controller, request, rewrite_part_id=part_id, rewrite_suffix=suffix,
                            tools=[]))  # a rewrite is plain text: no tool rounds

    def _context_before(self, answer: Any) -> list[Message]:
        message = getattr(answer, "context_message", None)
        for position, item in enumerate(self.context):
            if item is message:
                return self.context[:position]
        return list(self.context)

    def _stored_part_id(self, answer: Any, index: int) -> str | None:
        store = self.app.store
        if store is None or not answer.message_id:
            return None
        try:
            parts = store.text_parts(answer.message_id)
        except Exception as exc:
            self.app.notify(f"History cannot find the parts of this answer: {exc}", severity="warning")
            return None
        return parts[index].id if index < len(parts) else None

    async def _finish_rewrite(self, active: ActiveStream, outcome: StreamOutcome) -> None:
        answer, index = active.answer, active.part
        if outcome.state is StreamState.COMPLETED and outcome.text.strip():
            self._undo.setdefault((id(answer), index), []).append(active.old_part)
            await answer.end_part_rewrite(index, rewritten_part(outcome.text, active.suffix))
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
        part_id = self._stored_part_id(answer, index)
        restored: str | None = None
        if part_id is not None:
            try:
                part = self.app.store.undo_part(part_id)
            except Exception as exc:
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
        if self.active is not None:
            self.app.notify("An answer is still streaming: escape cancels it.", severity="warning")
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

    def branch_of(self, answer: Any) -> tuple[int, int] | None:
        store = self.app.store
        if store is None or not answer.message_id:
            return None
        try:
            ids = [m.id for m in store.siblings(answer.message_id)]
        except Exception:
            return None
        return (ids.index(answer.message_id) + 1, len(ids)) if answer.message_id in ids else None

    async def switch_branch(self, step: int) -> None:
        if self.active is not None:
            return
        store = self.app.store
        answer = self.transcript.selected_answer or (self.transcript.answers or [None])[-1]
        if store is None or answer is None or not answer.message_id or self.cid is None:
            self.app.notify("No other branches of this answer (ctrl+g makes one).", severity="warning")
            return
        try:
            ids = [m.id for m in store.siblings(answer.message_id)]
            if len(ids) < 2 or answer.message_id not in ids:
                self.app.notify("This answer has no other branches (ctrl+g makes one).", severity="warning")
                return
            target = ids[(ids.index(answer.message_id) + step) % len(ids)]
            store.set_current_leaf(self.cid, target, descend=True)
        except Exception as exc:  # a locked or damaged database: say so, keep the screen as it is
            self.app.notify(f"Could not switch branch: {exc}", severity="error")
            return
        await self.open_conversation(self.cid)

    # -- copy --------------------------------------------------------------------------------------
    def copy_part(self) -> None:
        selection = self._selection()
        if selection is not None:
            answer, index = selection
            self._copy(answer.parts[index].strip(), f"part {index + 1}")

    def copy_answer(self) -> None:
        answer = self.transcript.selected_answer or (self.transcript.answers or [None])[-1]
        if answer is None or answer.streaming:
            self.app.notify("No finished answer to copy.", severity="warning")
            return
        self._copy(answer.raw_text, "the answer")

    def _copy(self, text: str, what: str) -> None:
        clean = sanitize(text)
        self.app.copy_to_clipboard(clean)
        self.app.notify(f"Copied {what} ({len(clean)} characters).")
