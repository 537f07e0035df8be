"""One prompt and its streamed answer saved to history: the piece print mode (`rill -p`) plugs in.

    exchange = Exchange.start(store, prompt, cid=args.cid, continue_latest=args.continue_latest,
                              provider=provider.name, model=settings.model, system=settings.system, err=stderr)
    request = ChatRequest(messages=exchange.messages, system=exchange.system, ...)
    consumers.append(exchange)            # a StreamConsumer (begin / feed / finish), like the printers

`start` picks the conversation (`cid`, else the latest with `continue_latest`, else a new one), saves
the prompt after its current leaf, and returns the thread as request messages. While the answer
streams it is recorded progressively; a failed save is reported as one line on `err` at the end
(the answer was printed anyway) and kept in `error`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from tui.history.errors import HistoryError
from tui.history.models import Conversation, StoredMessage
from tui.history.recorder import AnswerRecorder
from tui.history.store import HistoryStore
from tui.stream.attachments import Attachment
from tui.stream.consumer import ConsumedStream
from tui.stream.events import StreamEvent
from tui.stream.messages import Message


class Reporter(Protocol):
    """Where a failed save is said: a text stream (stderr, or print mode's own sink)."""

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


class Exchange:
    def __init__(
        self,
        store: HistoryStore,
        conversation: Conversation,
        prompt: StoredMessage,
        messages: list[Message],
        recorder: AnswerRecorder,
        err: Reporter | None = None,
    ) -> None:
        self.store = store
        self.conversation = conversation
        self.prompt = prompt
        self.messages = messages
        self.system = conversation.system
        self.recorder = recorder
        self.err = err
        self.error: HistoryError | None = None

    @classmethod
    def start(
        cls,
        store: HistoryStore,
        prompt: str,
        *,
        cid: Any = None,
        continue_latest: bool = False,
        provider: str | None = None,
        model: str | None = None,
        system: str | None = None,
        err: Reporter | None = None,
        attachments: Sequence[Attachment] = (),
    ) -> Exchange:
        """Raises HistoryError (kind "missing" for an unknown `cid`) before anything is streamed."""
        conversation = None
        if cid is not None:
            conversation = store.get_conversation(cid)
            if conversation is None:
                raise HistoryError(f"no conversation with id {cid} in {store.path} (see `rill history`)", "missing")
        elif continue_latest:
            conversation = store.latest_conversation()
        if conversation is None:
            conversation = store.create_conversation(provider=provider, model=model, system=system)
        elif system is not None and system != conversation.system:
            conversation.system = system  # this request's system prompt wins; the stored one is kept
        saved = store.add_message(conversation.id, "user", prompt, attachments=attachments)
        messages = store.to_chat_messages(conversation.id)
        recorder = AnswerRecorder(store, conversation.id, saved.id, provider=provider, model=model)
        exchange = cls(store, conversation, saved, messages, recorder, err)
        exchange.system = conversation.system
        return exchange

    @property
    def message_id(self) -> int | None:
        return self.recorder.message_id

    # -- the consumer protocol ---------------------------------------------------------------
    def begin(self, stream: ConsumedStream, /) -> None:
        self.recorder.begin(stream)

    def feed(self, event: StreamEvent, /) -> None:
        self.recorder.feed(event)

    def finish(self, stream: ConsumedStream, /) -> None:
        self.recorder.finish(stream)
        self.error = self.recorder.error
        if self.error is not None and self.err is not None:
            self.err.write(f"rill: the answer was not saved to history: {self.error}\n")
            self.err.flush()
