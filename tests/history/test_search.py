"""Full-text search: ranked, with snippets, over text and titles, safe for any typed input."""

from __future__ import annotations

import sqlite3

from tui.history.search import fts_query


def _conversation(store, title, *texts):
    conv = store.create_conversation(title=title)
    ids = [store.add_message(conv.id, "assistant" if n % 2 else "user", text).id for n, text in enumerate(texts)]
    return conv, ids


def test_hits_are_ranked_with_snippets(store):
    _, (weak,) = _conversation(store, "misc", "a long note that mentions kafka once among many other words " * 3)
    _, (strong,) = _conversation(store, "misc 2", "kafka kafka kafka streams")
    hits = store.search("kafka")
    assert [h.message_id for h in hits] == [strong, weak]
    assert hits[0].rank <= hits[1].rank
    assert "[kafka]" in hits[0].snippet
    assert hits[0].title == "misc 2"


def test_titles_are_searched_too(store):
    conv, _ = _conversation(store, "Postgres tuning", "nothing relevant here")
    hits = store.search("postgres")
    assert [(h.conversation_id, h.message_id) for h in hits] == [(conv.id, None)]
    assert hits[0].snippet == "[Postgres] tuning"
    store.rename_conversation(conv.id, "MySQL tuning")
    assert store.search("postgres") == []
    assert store.search("mysql")[0].conversation_id == conv.id


def test_prefixes_and_diacritics_match(store):
    _, (mid,) = _conversation(store, "t", "Café streaming résumé")
    assert [h.message_id for h in store.search("stream")] == [mid]
    assert [h.message_id for h in store.search("cafe resume")] == [mid]
    assert [h.message_id for h in store.search("cafe resu")] == [mid]


def test_any_typed_text_is_safe(store):
    _conversation(store, "t", 'he said "hi" - then OR NOT (x)*')
    for query in ['"', "-", "(", "a OR", "NOT", "*", "'; DROP TABLE messages; --", "", "   ", "x:y", "^"]:
        store.search(query)  # no exception
    assert store.search("") == []
    assert fts_query('a "b" c-d') == '"a" "b" "c" "d"*'
    assert fts_query("word") == '"word"*'


def test_all_words_must_match(store):
    _, (both,) = _conversation(store, "t", "rust async runtime")
    _conversation(store, "u", "rust borrow checker")
    assert [h.message_id for h in store.search("rust async")] == [both]


def test_limit(store):
    for n in range(5):
        _conversation(store, f"c{n}", "common word")
    assert len(store.search("common", limit=3)) == 3


def test_companion_table_is_queryable_by_hand(store, db_path):
    _, (mid,) = _conversation(store, "t", "findable text")
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'findable'").fetchall() == [(mid,)]
    conn.close()


def test_very_common_words_rank_the_newest_matches(store, monkeypatch):
    from tui.history import search as search_module

    monkeypatch.setattr(search_module, "RANK_WINDOW", 3)
    conv = store.create_conversation(title="t")
    ids = [store.add_message(conv.id, "user", "common " * (1 if n < 5 else 2)).id for n in range(8)]
    hits = store.search("common")
    assert {h.message_id for h in hits if h.message_id} == set(ids[5:])  # only the 3 newest are ranked
    assert len(store.search("common", limit=2)) == 2
