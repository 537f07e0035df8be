"""`tui.history`: conversations in one SQLite file (sqlite-utils), saved while answers stream.

    from tui.history import HistoryStore, HistoryError
    store = HistoryStore(settings.db_path)
    conversation = store.create_conversation(provider="scripted")
    prompt = store.add_message(conversation.id, "user", "Hello")
    rec = store.answer_recorder(conversation.id, prompt.id, provider="scripted")
    async for event in run: rec.feed(event)
    rec.finish(run.state, run.stats)

Import from here; the modules behind it are private and may move.
"""

from tui.history.errors import HistoryError
from tui.history.exchange import Exchange
from tui.history.messages import ROOT
from tui.history.models import Conversation, ConversationSummary, Part, SearchHit, StoredMessage
from tui.history.parts import split_blocks
from tui.history.recorder import AnswerRecorder
from tui.history.rewrite import HistoryStream, StreamResult, stream
from tui.history.store import HistoryStore
from tui.history.titles import make_title

__all__ = [
    "ROOT", "AnswerRecorder", "Conversation", "ConversationSummary", "Exchange", "HistoryError", "HistoryStore", "Part",
    "HistoryStream", "SearchHit", "StoredMessage", "StreamResult", "make_title", "split_blocks", "stream",
]
