"""The one part-rewrite service, and `stream(history, messages, ...)`, the library-level way to use it.

A `PartRewrite` is one rewrite of one text part of an answer. It builds the request (the whole answer
for context, the part quoted between `<part>` tags, the instruction), and it is a `StreamConsumer`:
drive the stream of `rewrite.chat(provider)` through it (with `consume`, a `StreamManager`, or a
loop of your own that also feeds your UI) and, once the stream completed, it fits the reply into
the part's place (the part's surrounding blank lines kept, a ```markdown wrapper removed) and
replaces the part in history; the old text becomes a revision, so `undo()` (or
`HistoryStore.undo_part`) puts it back. A cancelled or failed rewrite, or an empty reply, changes
nothing. The app, print mode and the library all rewrite through it.

    rewrite = PartRewrite.from_history(store, cid, part_number=2, instruction="shorter")
    async with rewrite.chat(provider).complete_stream(controller=controller) as s:
        await consume(s, [rewrite, my_screen_consumer])
    rewrite.replacement                # the new text of the part (None: unchanged)
    rewrite.undo()                     # the old text is back, in history too

    # or, in one call: a new answer or a part rewrite, recorded in history
    async for event in stream(store, cid, provider=provider, rewrite=True, part_number=2): ...

The stream is a `ChatStream` with no tools, which is exactly one `StreamRun`, so pause and cancel
behave as everywhere else. There is one stream loop for answers and rewrites, not a copy.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncGenerator, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.history.errors import HistoryError
from tui.history.models import Conversation, Part, StoredMessage
from tui.history.parts import split_blocks
from tui.history.recorder import AnswerRecorder
from tui.history.rows import as_id
from tui.history.store import HistoryStore
from tui.stream.chat import Chat, ChatStream
from tui.stream.consumer import ConsumedStream, StreamConsumer, relay
from tui.stream.control import StreamController, StreamState
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.messages import ChatRequest, Message
from tui.stream.run import Processor
from tui.stream.snapshot import MessageSnapshot

if TYPE_CHECKING:
    from tui.stream.providers import Provider

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
    return REWRITE_PROMPT.format(
        answer=answer.strip("\n"),
        number=index + 1,
        count=len(parts),
        part=parts[index].strip("\n"),
        instruction=(instruction or "").strip() or DEFAULT_INSTRUCTION,
    )


_WRAPPED = re.compile(r"^\s*(`{3,}|~{3,})(markdown|md)?[ \t]*\n(.*)\n\1\s*$", re.S)


def fit_replacement(reply: str, original: str) -> str:
    """The model's reply shaped to stand where `original` stood: the original's leading blank lines
    and trailing white space (its separator from the next part) kept, so the answer still joins
    up, and a reply the model wrapped in a ```markdown fence unwrapped unless the original part was
    itself a fenced block."""
    text = reply
    match = _WRAPPED.match(text)
    if match and not original.lstrip().startswith(("```", "~~~")):
        text = match.group(3)
    body = text.strip("\r\n").rstrip()
    lead = original[: len(original) - len(original.lstrip("\r\n"))]
    trail = original[len(original.rstrip()) :]
    return lead + body + trail


class PartRewrite:
    """One rewrite of text part `index` (from 0; -1 is the last) of an answer made of `parts`.

    `context` is the conversation before the answer. With `store` and `message_id` the stored
    answer's part is replaced on completion (a revision is kept); without them the rewrite only
    computes `replacement`. See the module doc.
    """

    def __init__(
        self,
        parts: Sequence[str],
        index: int,
        *,
        instruction: str | None = None,
        context: Iterable[Message] = (),
        store: HistoryStore | None = None,
        message_id: Any = None,
    ) -> None:
        self.parts = list(parts)
        if not self.parts:
            raise HistoryError("that answer has no text to rewrite", "missing")
        position = index + len(self.parts) if index < 0 else index
        if not 0 <= position < len(self.parts):
            raise HistoryError(
                f"there is no part {index} (the answer has {len(self.parts)} parts, "
                f"numbered 0 to {len(self.parts) - 1})",
                "missing",
            )
        self.index = position
        self.instruction = (instruction or "").strip() or None
        self.context = list(context)
        self.store = store
        self.message_id = as_id(message_id)
        # the outcome (set by finish)
        self.state: StreamState | None = None
        self.replacement: str | None = None  # the new text of the part; None: unchanged
        self.part: Part | None = None  # the part as history holds it after the replacement
        self.error: HistoryError | None = None  # the replacement could not be saved (it is still in `replacement`)
        self._reply: list[str] = []

    @classmethod
    def from_history(
        cls,
        store: HistoryStore,
        cid: Any = None,
        *,
        message_id: Any = None,
        part_number: int = 0,
        instruction: str | None = None,
        save: bool = True,
    ) -> PartRewrite:
        """A rewrite of a stored answer: `message_id`, else the last answer of conversation `cid`'s
        current thread; its context is the thread before it. `save=False` leaves history as it is."""
        answer = _stored_answer(store, as_id(cid), message_id)
        context = store.to_chat_messages(answer.conversation_id, answer.parent_id) if answer.parent_id else []
        return cls(
            [p.content for p in answer.text_parts],
            part_number,
            instruction=instruction,
            context=context,
            store=store if save else None,
            message_id=answer.id,
        )

    # -- the request -------------------------------------------------------------------------
    @property
    def original(self) -> str:
        """The part's text before this rewrite."""
        return self.parts[self.index]

    @property
    def answer(self) -> str:
        return "".join(self.parts)

    @property
    def prompt(self) -> str:
        return rewrite_prompt(self.answer, self.parts, self.index, self.instruction)

    def messages(self) -> list[Message]:
        return [*self.context, Message(role="user", content=self.prompt)]

    def chat(
        self,
        provider: Provider | str,
        *,
        model: str | None = None,
        system: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Chat:
        """The rewrite as a `Chat` with no tools: `chat.complete_stream()` is one plain round."""
        return Chat(
            self.messages(),
            provider=provider,
            model=model,
            system=system,
            max_tokens=max_tokens,
            temperature=temperature,
        )

    def request(
        self,
        *,
        model: str | None = None,
        system: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> ChatRequest:
        return ChatRequest(
            messages=self.messages(), model=model, system=system, max_tokens=max_tokens, temperature=temperature
        )

    # -- the consumer protocol ---------------------------------------------------------------
    @property
    def text(self) -> str:
        """The reply received so far (before fitting)."""
        return "".join(self._reply)

    @property
    def replaced(self) -> bool:
        """History now holds the replacement."""
        return self.part is not None and self.replacement is not None

    def begin(self, stream: ConsumedStream, /) -> None:
        self._reply.clear()
        self.state, self.part, self.error = None, None, None

    def feed(self, event: StreamEvent, /) -> None:
        if event.type is StreamEventType.DELTA:
            self._reply.append(event.content)

    def finish(self, stream: ConsumedStream, /) -> None:
        """Completed with some text: fit it into the part's place and save it (a revision kept)."""
        self.state = stream.final_state or stream.state
        text = self.text
        if self.state is not StreamState.COMPLETED or not text.strip():
            return
        self.replacement = fit_replacement(text, self.original)
        if self.store is None or self.message_id is None:
            return
        try:
            stored = self.store.text_parts(self.message_id)
            if self.index >= len(stored):
                raise HistoryError(f"history has no part {self.index + 1} of answer {self.message_id}", "missing")
            self.part = self.store.replace_part(stored[self.index].id, self.replacement, self.instruction)
        except HistoryError as exc:
            self.error = exc

    def undo(self) -> str | None:
        """Put the part's previous text back (in history too, when it was saved there); returns it,
        or None when there is nothing to undo. Raises HistoryError when history cannot be written."""
        if self.replacement is None:
            return None
        old = self.original
        if self.part is not None and self.store is not None:
            restored = self.store.undo_part(self.part.id)
            if restored is None:
                return None
            old, self.part = restored.content, None
        self.replacement = None
        return old


# -- stream(history, messages, ...) -----------------------------------------------------------
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

    def __init__(
        self,
        chat: Chat,
        consumer: AnswerRecorder | PartRewrite | None,
        *,
        controller: StreamController | None,
        processors: Iterable[Processor],
    ) -> None:
        self.chat = chat
        self.consumer = consumer
        self.controller = controller or StreamController()
        self.processors = list(processors)
        self.stream: ChatStream | None = None
        self.result: StreamResult | None = None

    @property
    def rewrite(self) -> PartRewrite | None:
        return self.consumer if isinstance(self.consumer, PartRewrite) else None

    def __aiter__(self) -> AsyncGenerator[StreamEvent, None]:
        return self.events()

    async def events(self) -> AsyncGenerator[StreamEvent, None]:
        self.stream = self.chat.complete_stream(controller=self.controller, processors=self.processors)
        consumers: list[StreamConsumer] = [self.consumer] if self.consumer is not None else []
        try:
            async with contextlib.aclosing(relay(self.stream, consumers)) as events:
                async for event in events:
                    yield event
        finally:  # the relay has closed the stream and finished the consumer, also after a `break`
            self._finish(self.stream)

    async def wait(self, on_event: Any = None) -> StreamResult:
        """Run to the end (calling `on_event(event)` for each event) and return the result."""
        async for event in self:
            if on_event is not None:
                on_event(event)
        assert self.result is not None
        return self.result

    def _finish(self, stream: ChatStream) -> None:
        state = stream.final_state or StreamState.CANCELLED
        result = StreamResult(state=state, text=stream.text, snapshot=stream.snapshot)
        consumer = self.consumer
        if isinstance(consumer, AnswerRecorder):
            result.message_id, result.error = consumer.message_id, consumer.error
        elif isinstance(consumer, PartRewrite):
            result.message_id, result.error = consumer.message_id, consumer.error
            result.part = consumer.part if consumer.part is not None else _original_part(consumer)
            result.replaced = consumer.replaced
        self.result = result


def _original_part(rewrite: PartRewrite) -> Part:
    return Part(id=0, message_id=rewrite.message_id or 0, position=rewrite.index, kind="text", content=rewrite.original)


def stream(
    history: HistoryStore | None,
    messages: Any,
    *,
    provider: Provider | str,
    rewrite: bool = False,
    write_history: bool = True,
    part_number: int = 0,
    instruction: str | None = None,
    message_id: Any = None,
    model: str | None = None,
    system: str | None = None,
    max_tokens: int | None = None,
    controller: StreamController | None = None,
    processors: Iterable[Processor] = (),
) -> HistoryStream:
    """Stream an answer (`rewrite=False`) or a replacement for text part `part_number` of an answer.

    `messages` is a conversation id (its current thread in `history` is the context) or a list of
    `Message`s. With a conversation id and `write_history`, a new answer is recorded after the current
    leaf (add the user's prompt with `history.add_message` first); with a list, a new conversation is
    made holding those messages and the answer. For a rewrite the answer is `message_id`, else the
    last assistant message of the thread or list; `part_number` counts its text parts from 0 (-1:
    the last). `write_history=False` streams without touching the database.
    """
    listed = isinstance(messages, (list, tuple))
    cid = None if listed else as_id(messages)
    if cid is None and not listed:
        raise HistoryError(f"no conversation with id {messages}", "missing")
    store = history
    if store is None and (cid is not None or write_history):
        raise HistoryError(
            "this needs a history store (or pass write_history=False with a list of messages)", "missing"
        )
    conversation: Conversation | None = None
    if cid is not None and store is not None:
        conversation = store.get_conversation(cid)
        if conversation is None:
            raise HistoryError(f"no conversation with id {messages} in {store.path}", "missing")
    system = system if system is not None else (conversation.system if conversation else None)
    name = provider if isinstance(provider, str) else provider.name

    def chat_of(thread: list[Message]) -> Chat:
        return Chat(thread, provider=provider, model=model, system=system, max_tokens=max_tokens)

    if rewrite:
        if store is not None and (cid is not None or message_id is not None):
            part_rewrite = PartRewrite.from_history(
                store, cid, message_id=message_id, part_number=part_number, instruction=instruction, save=write_history
            )
        else:
            if write_history:
                raise HistoryError("to rewrite a part in history, pass a conversation id or message_id", "missing")
            thread = list(messages)
            last = max((i for i, m in enumerate(thread) if m.role == "assistant"), default=None)
            if last is None:
                raise HistoryError("there is no answer to rewrite (no assistant message)", "missing")
            part_rewrite = PartRewrite(
                split_blocks(thread[last].content), part_number, instruction=instruction, context=thread[:last]
            )
        return HistoryStream(
            chat_of(part_rewrite.messages()), part_rewrite, controller=controller, processors=processors
        )
    thread = store.to_chat_messages(cid) if store is not None and cid is not None else list(messages)
    recorder = None
    if write_history and store is not None:
        if cid is None:
            created = store.create_conversation(provider=name, model=model, system=system)
            for message in thread:
                store.add_message(
                    created.id,
                    message.role,
                    message.content,
                    thinking=message.thinking,
                    tool_calls=message.tool_calls,
                    tool_call_id=message.tool_call_id,
                    name=message.name,
                    is_error=message.is_error,
                )
            cid = created.id
        recorder = AnswerRecorder(store, cid, None, provider=name, model=model)
    return HistoryStream(chat_of(thread), recorder, controller=controller, processors=processors)


def _stored_answer(store: HistoryStore, cid: int | None, message_id: Any) -> StoredMessage:
    if message_id is not None:
        answer = store.get_message(message_id)
        if answer is None or (cid is not None and answer.conversation_id != cid):
            raise HistoryError(f"no message {message_id} in conversation {cid}", "missing")
        return answer
    if cid is not None:
        for stored in reversed(store.thread(cid)):
            if stored.role == "assistant":
                return stored
    raise HistoryError(f"conversation {cid} has no answer to rewrite", "missing")
