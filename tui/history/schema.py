"""The database schema as an ordered list of small upgrade functions, one per version.

On open, every version above the one recorded in `migrations` is applied in order, each in the same
transaction as the row that records it, so an older file is upgraded in place and a crash mid-upgrade
leaves the old version intact. A file recording a version this rill does not know was written by a
newer rill and is refused rather than guessed at.

The tables are plain on purpose (`sqlite3 rill.db 'select * from conversations'` and Datasette work):
conversations, messages (a tree through parent_id), parts, part_revisions, stats, attachments, server_tools
and citations (what the provider's own tools did and the sources an answer cites), migrations, and the
companion full-text tables messages_fts (message text) and conversations_fts (titles).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

import sqlite_utils

from tui.history.errors import HistoryError


def _v1_core(db: sqlite_utils.Database) -> None:
    """Conversations, messages as a tree, parts, revisions of rewritten parts, per-answer stats."""
    db.execute("""
        CREATE TABLE conversations (
            id INTEGER PRIMARY KEY,
            title TEXT,
            provider TEXT,
            model TEXT,
            system TEXT,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            archived INTEGER NOT NULL DEFAULT 0,
            current_leaf_id INTEGER REFERENCES messages(id) ON DELETE SET NULL
        )""")
    db.execute("""
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'complete',
            provider TEXT,
            model TEXT,
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE parts (
            id INTEGER PRIMARY KEY,
            message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL,
            content TEXT NOT NULL DEFAULT '',
            tool_name TEXT,
            tool_call_id TEXT,
            arguments TEXT,
            is_error INTEGER NOT NULL DEFAULT 0
        )""")
    db.execute("""
        CREATE TABLE part_revisions (
            id INTEGER PRIMARY KEY,
            part_id INTEGER NOT NULL REFERENCES parts(id) ON DELETE CASCADE,
            content TEXT NOT NULL,
            instruction TEXT,
            created TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE stats (
            message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
            first_token_ms REAL,
            duration_ms REAL,
            input_tokens INTEGER,
            output_tokens INTEGER,
            tokens_per_second REAL,
            tokens_estimated INTEGER,
            stop_reason TEXT,
            provider TEXT,
            model TEXT
        )""")
    db.execute("CREATE INDEX conversations_updated ON conversations(archived, updated DESC, id DESC)")
    db.execute("CREATE INDEX messages_conversation ON messages(conversation_id, id)")
    db.execute("CREATE INDEX messages_parent ON messages(parent_id)")
    db.execute("CREATE INDEX messages_status ON messages(status) WHERE status = 'streaming'")
    db.execute("CREATE UNIQUE INDEX parts_message ON parts(message_id, position)")
    db.execute("CREATE INDEX part_revisions_part ON part_revisions(part_id, id)")


def _v2_search(db: sqlite_utils.Database) -> None:
    """Full-text search: message text (kept in sync by the store on every save) and titles (triggers)."""
    db.execute(
        "CREATE VIRTUAL TABLE messages_fts USING fts5(text, conversation_id UNINDEXED, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    db.execute("CREATE VIRTUAL TABLE conversations_fts USING fts5(title, tokenize = 'unicode61 remove_diacritics 2')")
    db.execute("INSERT INTO conversations_fts(rowid, title) SELECT id, coalesce(title, '') FROM conversations")
    db.execute("""
        INSERT INTO messages_fts(rowid, text, conversation_id)
        SELECT m.id, group_concat(p.content, ''), m.conversation_id
        FROM messages m JOIN (SELECT * FROM parts WHERE kind = 'text' ORDER BY message_id, position) p
          ON p.message_id = m.id
        GROUP BY m.id""")
    db.execute("""CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
        INSERT INTO conversations_fts(rowid, title) VALUES (new.id, coalesce(new.title, '')); END""")
    db.execute("""CREATE TRIGGER conversations_fts_title AFTER UPDATE OF title ON conversations BEGIN
        UPDATE conversations_fts SET title = coalesce(new.title, '') WHERE rowid = new.id; END""")
    db.execute("""CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
        DELETE FROM conversations_fts WHERE rowid = old.id; END""")
    db.execute("""CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        DELETE FROM messages_fts WHERE rowid = old.id; END""")


def _v3_writer(db: sqlite_utils.Database) -> None:
    """Who is writing a `streaming` answer (so opening the file while another rill streams does not
    mark its live answer interrupted), and the error an answer ended with."""
    messages = db.table("messages")
    messages.add_column("writer_pid", int)
    messages.add_column("error", str)


def _v5_hosted_tools(db: sqlite_utils.Database) -> None:
    """Tools the provider ran itself (web search, file search, code interpreter) and the sources an
    answer cites: rows of their own, one per call and one per citation, in arrival order."""
    db.execute("""
        CREATE TABLE server_tools (
            id INTEGER PRIMARY KEY,
            message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            call_id TEXT,
            name TEXT NOT NULL,
            status TEXT NOT NULL,
            query TEXT,
            result_count INTEGER,
            results TEXT,
            error TEXT,
            duration_ms REAL
        )""")
    db.execute("""
        CREATE TABLE citations (
            id INTEGER PRIMARY KEY,
            message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            number INTEGER NOT NULL,
            type TEXT,
            url TEXT,
            title TEXT,
            file_id TEXT,
            filename TEXT,
            cited_text TEXT,
            start_index INTEGER,
            end_index INTEGER
        )""")
    db.execute("CREATE UNIQUE INDEX server_tools_message ON server_tools(message_id, position)")
    db.execute("CREATE UNIQUE INDEX citations_message ON citations(message_id, position)")


def _v4_attachments(db: sqlite_utils.Database) -> None:
    """Files sent with a user message, whole, so a conversation can be sent again from history alone:
    `content` is the text of a text file (readable with any SQLite tool) or the bytes of an image;
    `sha256` identifies the file without reading it."""
    db.execute("""
        CREATE TABLE attachments (
            id INTEGER PRIMARY KEY,
            message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            media_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            content BLOB NOT NULL
        )""")
    db.execute("CREATE UNIQUE INDEX attachments_message ON attachments(message_id, position)")


MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("core tables", _v1_core),
    ("full-text search", _v2_search),
    ("streaming writer and error", _v3_writer),
    ("attachments", _v4_attachments),
    ("hosted tools and citations", _v5_hosted_tools),
]
LATEST = len(MIGRATIONS)


def now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")


def current_version(db: sqlite_utils.Database) -> int:
    if "migrations" not in db.table_names():
        return 0
    row = db.execute("SELECT max(version) FROM migrations").fetchone()
    return row[0] or 0


def migrate(db: sqlite_utils.Database, path: str, upto: int = LATEST) -> int:
    """Bring the file to version `upto` (the newest by default); returns the version found before.

    Runs inside `BEGIN IMMEDIATE`, so two processes opening an old file at once upgrade it once.
    """
    conn = db.conn
    version = current_version(db)
    if version == upto:
        return version
    _check(db, path, version)
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = current_version(db)  # another process may have upgraded it while we waited
        _check(db, path, version)
        if "migrations" not in db.table_names():
            db.execute(
                "CREATE TABLE migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)"
            )
        for number in range(version + 1, upto + 1):
            name, upgrade = MIGRATIONS[number - 1]
            upgrade(db)
            db.execute("INSERT INTO migrations(version, name, applied) VALUES (?, ?, ?)", [number, name, now()])
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return version


def _check(db: sqlite_utils.Database, path: str, version: int) -> None:
    if version > LATEST:
        raise HistoryError(
            f"the history database {path} was written by a newer rill (schema version {version}, this rill "
            f"knows up to {LATEST}); upgrade rill or pass --db PATH to use another file",
            "newer",
        )
    if version == 0 and [t for t in db.table_names() if not t.startswith("sqlite_")]:
        raise HistoryError(
            f"{path} is a SQLite database but not a rill history (it has other tables); "
            f"pass --db PATH to use another file",
            "foreign",
        )
