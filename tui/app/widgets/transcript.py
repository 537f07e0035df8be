"""The conversation: user prompts and answers, following the end of the stream.

Following uses Textual's scroll anchor: new content keeps the view at the bottom until the user
scrolls up (which releases the anchor); scrolling back to the bottom re-engages it. The transcript
also owns the part selection (which answer, which part), moved by the app's select_prev_part /
select_next_part actions, and reports it upward with `SelectionChanged`.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message

from tui.app.widgets.answer_view import AnswerView
from tui.app.widgets.user_message import UserMessage
from tui.app.widgets.welcome import Welcome


class Transcript(VerticalScroll, can_focus=True, inherit_bindings=False):
    # Not VerticalScroll's up/down: once the transcript can scroll, those would win over the app's
    # (remappable) select_prev_part / select_next_part. Moving the selection scrolls to the part;
    # paging and home/end still scroll.
    BINDINGS = [
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("home", "scroll_home", show=False),
        Binding("end", "scroll_end", show=False),
    ]

    class SelectionChanged(Message):
        def __init__(self, answer: AnswerView | None, part: int | None) -> None:
            super().__init__()
            self.answer = answer
            self.part = part

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.selected_answer: AnswerView | None = None

    def on_mount(self) -> None:
        self.anchor()

    @property
    def answers(self) -> list[AnswerView]:
        return list(self.query_children(AnswerView))

    @property
    def following(self) -> bool:
        return self.is_anchored and not self._anchor_released

    def follow(self) -> None:
        """Jump to the end and follow again (a new prompt was sent)."""
        self.anchor()

    async def add_user(self, text: str) -> UserMessage:
        await self._drop_welcome()
        widget = UserMessage(text, classes="user-message")
        await self.mount(widget)
        return widget

    async def add_answer(self, answer: AnswerView) -> AnswerView:
        await self._drop_welcome()
        await self.mount(answer)
        return answer

    async def clear(self) -> None:
        self.selected_answer = None
        await self.remove_children()

    async def show_welcome(self, text: str) -> None:
        """The hint an empty conversation shows (replaced by the first message)."""
        if self.query_children(UserMessage) or self.answers:
            return
        await self._drop_welcome()
        await self.mount(Welcome(text))

    async def _drop_welcome(self) -> None:
        welcome = self.query_children(Welcome)
        if welcome:
            await welcome.remove()

    # -- selection ------------------------------------------------------------------------------
    @property
    def selected_part(self) -> int | None:
        return self.selected_answer.selected if self.selected_answer is not None else None

    async def move_selection(self, step: int) -> bool:
        """Move over all parts of all finished answers; False when there is nowhere to go."""
        answers = [a for a in self.answers if not a.streaming]
        if not answers:
            return False
        current = self.selected_answer
        if current not in answers or current.selected is None:
            answer = answers[-1]
            parts = await answer.ensure_parts()
            return self._select(answer, len(parts) - 1 if step < 0 else 0)
        index = current.selected + step
        position = answers.index(current)
        parts = await current.ensure_parts()
        while not 0 <= index < len(parts):
            position += 1 if step > 0 else -1
            if not 0 <= position < len(answers):
                return False
            current = answers[position]
            parts = await current.ensure_parts()
            index = 0 if step > 0 else len(parts) - 1
        return self._select(current, index)

    def _select(self, answer: AnswerView, index: int) -> bool:
        if self.selected_answer is not None and self.selected_answer is not answer:
            self.selected_answer.select(None)
        self.selected_answer = answer
        answer.select(index)
        if answer.parts:
            self.scroll_to_widget(answer.part_widget(index), animate=False)
        self.post_message(self.SelectionChanged(answer, index))
        return True

    def clear_selection(self) -> None:
        if self.selected_answer is not None:
            self.selected_answer.select(None)
        self.selected_answer = None
