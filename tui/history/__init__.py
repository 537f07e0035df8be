"""`tui.history`: conversations in one SQLite file (sqlite-utils), saved while answers stream.

    from tui.history import AnswerRecorder, HistoryStore, HistoryError
    from tui.stream import consume
    store = HistoryStore(settings.db_path)
    conversation = store.create_conversation(provider="scripted")
    prompt = store.add_message(conversation.id, "user", "Hello")
    recorder = AnswerRecorder(store, conversation.id, prompt.id, provider="scripted")
    await consume(run, [recorder])      # a StreamConsumer: begin / feed(event) / finish(run)

Part rewrites go through `PartRewrite` (the one rewrite service) or `stream(..., rewrite=True)`.
Import from here; the modules behind it are private and may move.
"""

from tui.history.answer_fold import AnswerFold
from tui.history.errors import HistoryError
from tui.history.exchange import Exchange
from tui.history.models import (
    AnswerState,
    Conversation,
    ConversationSummary,
    Part,
    PartRow,
    SavedAnswer,
    SearchHit,
    StoredMessage,
)
from tui.history.parts import split_blocks
from tui.history.recorder import AnswerRecorder
from tui.history.rewrite import HistoryStream, PartRewrite, StreamResult, fit_replacement, stream
from tui.history.store import HistoryStore
from tui.history.titles import make_title
from tui.history.tree import ROOT

__all__ = [
    "ROOT",
    "AnswerFold",
    "AnswerRecorder",
    "AnswerState",
    "Conversation",
    "ConversationSummary",
    "Exchange",
    "HistoryError",
    "HistoryStore",
    "HistoryStream",
    "Part",
    "PartRewrite",
    "PartRow",
    "SavedAnswer",
    "SearchHit",
    "StoredMessage",
    "StreamResult",
    "fit_replacement",
    "make_title",
    "split_blocks",
    "stream",
]
