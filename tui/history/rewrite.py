"""`stream(history, messages, ...)`: the library-level way to stream an answer or rewrite one part of it.

    # a new answer to the conversation's current thread, recorded progressively
    async for event in stream(store, cid, provider=provider): ...
    # rewrite part 2 of the latest answer; the old text becomes a revision (store.undo_part undoes it)
    s = stream(store, cid, provider=provider, rewrite=True, part_number=2, instruction="shorter")
    async for event in s: ...          # s.controller.pause()/cancel() work as for any StreamRun
    s.result.part                      # the part as it is now in history

The replacement streams through a `StreamRun`, so pause and cancel behave as everywhere else, and
it only replaces the part once the stream completed: a cancelled or failed rewrite leaves the
original untouched. There is one stream loop here for both jobs, not a copy for "rewrite".
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.history.errors import HistoryError
from tui.history.models import Part
from tui.history.parts import split_blocks
from tui.history.rows import as_id
from tui.stream.control import StreamController, StreamState
from tui.stream.events import StreamEvent
from tui.stream.messages import ChatRequest, Message
from tui.stream.run import StreamRun
from tui.stream.snapshot import MessageSnapshot

if TYPE_CHECKING:
    from tui.history.recorder import AnswerRecorder
    from tui.history.store import HistoryStore

DEFAULT_INSTRUCTION = "Improve it: clearer and more accurate, with the same meaning and the same kind of block."

REWRITE_PROMPT = """Rewrite one part of your previous answer.

Your whole previous answer, for context:
<answer>
{answer}
</answer>

The part to rewrite (part {number} of {count}):
<part>
{part}
</part>

Instruction: {instruction}

Reply with only the new text for that part, in Markdown, with no preamble and no comment: it replaces \
the part exactly where it stands. Keep its kind (a code block stays a fenced code block, a list stays a \
list, a heading stays a heading)."""


def rewrite_prompt(answer: str, parts: Sequence[str], index: int, instruction: str | None) -> str:
    return REWRITE_PROMPT.format(answer=answer.strip("\n"), number=index + 1, count=len(parts),
                                 part=parts[index].strip("\n"), instruction=(instruction or "").strip()
                                 or DEFAULT_INSTRUCTION)


_WRAPPED = re.compile(r"^\s*(`{3,}|~{3,})(markdown|md)?[ \t]*\n(.*)\n\1\s*$", re.S)


def fit_replacement(reply: str, original: str) -> str:
    """The model's reply shaped to stand where `original` stood: the original's surrounding blank
    lines kept (so the answer still joins up), and a reply the model wrapped in a ```markdown fence
    unwrapped unless the original part was itself a fenced block."""
    text = reply
    match = _WRAPPED.match(text)
    if match and not original.lstrip().startswith(("```", "~~~")):
        text = match.group(3)
    body = text.strip("\r\n")
    lead = original[: len(original) - len(original.lstrip("\r\n"))]
    trail = original[len(original.rstrip("\r\n")):]
    return lead + body + trail


@dataclass
class StreamResult:
    state: StreamState
    text: str  # what the model streamed (for a rewrite: the reply before fitting)
    snapshot: MessageSnapshot
    message_id: int | None = None  # the recorded answer, or the answer whose part was rewritten
    part: Part | None = None  # rewrite: the part as history now holds it (the original if not replaced)
    replaced: bool = False
    error: HistoryError | None = None  # a history write that failed (the text is still in `text`)


class HistoryStream:
    """One answer or part rewrite: iterate it for the events; `result` once it has ended."""

    def __init__(self, history: HistoryStore | None, request: ChatRequest, provider: Any, *,
                 controller: StreamController | None, processors: Iterable[Any],
                 recorder: AnswerRecorder | None = None, target: Part | None = None,
                 target_message_id: int | None = None, instruction: str | None = None,
                 write_history: bool = True) -> None:
        self.history = history
        self.request = request
        self.provider = provider
        self.controller = controller or StreamController()
        self.processors = list(processors)
        self.recorder = recorder
        self.target = target  # rewrite: the part being replaced
        self.target_message_id = target_message_id
        self.instruction = instruction
        self.write_history = write_history
        self.run: StreamRun | None = None
        self.result: StreamResult | None = None

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        return self.events()

    async def events(self) -> AsyncIterator[StreamEvent]:
        self.run = StreamRun.from_provider(self.provider, self.request, controller=self.controller,
                                           processors=self.processors)
        events = self.run.events()
        try:
            async for event in events:
                if self.recorder is not None:
                    self.recorder.feed(event)
                yield event
        finally:
            if not self.run.state.terminal:  # the consumer stopped early: that is a cancel
                self.controller.cancel()
            await events.aclose()
            self._finish()

    async def wait(self, on_event=None) -> StreamResult:
        """Run to the end (calling `on_event(event)` for each event) and return the result."""
        async for event in self:
            if on_event is not None:
                on_event(event)
        assert self.result is not None
        return self.result

    def _finish(self) -> None:
        if self.result is not None:
            return
        run = self.run
        state = run.state if run.state.terminal else StreamState.CANCELLED
        result = StreamResult(state=state, text=run.snapshot.text, snapshot=run.snapshot,
                              message_id=self.target_message_id, part=self.target)
        if self.recorder is not None:
            self.recorder.finish(state, run.stats)
            result.message_id = self.recorder.message_id
            result.error = self.recorder.error
        elif self.target is not None and self.write_history and state is StreamState.COMPLETED \
                and result.text.strip():
            try:
                result.part = self.history.replace_part(
                    self.target.id, fit_replacement(result.text, self.target.content), self.instruction)
                result.replaced = True
            except HistoryError as exc:
                result.error = exc
        self.result = result


def stream(history: HistoryStore | None, messages: Any, *, provider: Any, rewrite: bool = False,
           write_history: bool = True, part_number: int = 0, instruction: str | None = None,
           message_id: Any = None, model: str | None = None, system: str | None = None,
           max_tokens: int | None = None, controller: StreamController | None = None,
           processors: Iterable[Any] = ()) -> HistoryStream:
    """Stream an answer (`rewrite=False`) or a replacement for text part `part_number` of an answer.

    `messages` is a conversation id (its current thread in `history` is the context) or a list of
    `Message`s. With a conversation id and `write_history`, a new answer is recorded after the current
    leaf (add the user's prompt with `history.add_message` first); with a list, a new conversation is
    made holding those messages and the answer. For a rewrite the answer is `message_id`, else the
    last assistant message of the thread or list; `part_number` counts its text parts from 0 (-1:
    the last). `write_history=False` streams without touching the database.
    """
    cid = as_id(messages) if not isinstance(messages, (list, tuple)) else None
    if cid is None and not isinstance(messages, (list, tuple)):
        raise HistoryError(f"no conversation with id {messages}", "missing")
    if (cid is not None or write_history) and history is None:
        raise HistoryError("this needs a history store (or pass write_history=False with a list of messages)",
                           "missing")
    conversation = history.get_conversation(cid) if cid is not None else None
    if cid is not None and conversation is None:
        raise HistoryError(f"no conversation with id {messages} in {history.path}", "missing")
    system = system if system is not None else (conversation.system if conversation else None)
    options = {"model": model, "system": system, "max_tokens": max_tokens}
    if rewrite:
        return _rewrite(history, messages, cid, provider, write_history, part_number, instruction, message_id,
                        options, controller, processors)
    chat = history.to_chat_messages(cid) if cid is not None else list(messages)
    recorder = None
    if write_history:
        if cid is None:
            created = history.create_conversation(provider=getattr(provider, "name", None), model=model,
                                                  system=system)
            for message in chat:
                history.add_message(created.id, message.role, message.content, thinking=message.thinking,
                                    tool_calls=message.tool_calls, tool_call_id=message.tool_call_id,
                                    name=message.name, is_error=message.is_error)
            cid = created.id
        recorder = history.answer_recorder(cid, None, provider=getattr(provider, "name", None), model=model)
    return HistoryStream(history, ChatRequest(messages=chat, **options), provider, controller=controller,
                         processors=processors, recorder=recorder, write_history=write_history)


def _rewrite(history, messages, cid, provider, write_history, part_number, instruction, message_id, options,
             controller, processors) -> HistoryStream:
    if cid is not None or message_id is not None:
        answer = _stored_answer(history, cid, message_id)
        context = history.to_chat_messages(answer.conversation_id, answer.parent_id) if answer.parent_id else []
        stored_parts = answer.text_parts
        texts = [p.content for p in stored_parts]
        full = answer.text
        target_message_id = answer.id
    else:
        chat = list(messages)
        last = max((i for i, m in enumerate(chat) if m.role == "assistant"), default=None)
        if last is None:
            raise HistoryError("there is no answer to rewrite (no assistant message)", "missing")
        context, full = chat[:last], chat[last].content
        texts, stored_parts, target_message_id = split_blocks(full), [], None
        if write_history:
            raise HistoryError("to rewrite a part in history, pass a conversation id or message_id", "missing")
    if not texts:
        raise HistoryError("that answer has no text to rewrite", "missing")
    index = part_number + len(texts) if part_number < 0 else part_number
    if not 0 <= index < len(texts):
        raise HistoryError(f"there is no part {part_number} (the answer has {len(texts)} parts, "
                           f"numbered 0 to {len(texts) - 1})", "missing")
    prompt = rewrite_prompt(full, texts, index, instruction)
    request = ChatRequest(messages=[*context, Message(role="user", content=prompt)], **options)
    target = stored_parts[index] if stored_parts else Part(id=0, message_id=0, position=index, kind="text",
                                                           content=texts[index])
    return HistoryStream(history, request, provider, controller=controller, processors=processors,
                         target=target, target_message_id=target_message_id, instruction=instruction,
                         write_history=write_history and bool(stored_parts))


def _stored_answer(history, cid, message_id):
    if message_id is not None:
        answer = history.get_message(message_id)
        if answer is None or (cid is not None and answer.conversation_id != cid):
            raise HistoryError(f"no message {message_id} in conversation {cid}", "missing")
        return answer
    for stored in reversed(history.thread(cid)):
        if stored.role == "assistant":
            return stored
    raise HistoryError(f"conversation {cid} has no answer to rewrite", "missing")
