"""One error type for everything that can go wrong with the history file, with a message a user can act on.

SQLite reports problems as terse codes ("database is locked", "file is not a database"); the app and
the CLI show `HistoryError.message` as is, so the translation to "what happened and what to do" lives
here, once. `kind` lets callers branch without parsing text.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tui.stream.secrets import redact  # the one redaction function; the recorder imports it from here


class HistoryError(Exception):
    """A history database problem; `str(error)` is a one-line message naming the file and the fix."""

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind  # corrupt, locked, readonly, full, cantopen, newer, foreign, error


_CODES = {
    "SQLITE_CORRUPT": "corrupt",
    "SQLITE_NOTADB": "corrupt",
    "SQLITE_BUSY": "locked",
    "SQLITE_LOCKED": "locked",
    "SQLITE_READONLY": "readonly",
    "SQLITE_PERM": "readonly",
    "SQLITE_FULL": "full",
    "SQLITE_CANTOPEN": "cantopen",
}

_TEXT = (
    ("not a database", "corrupt"),
    ("malformed", "corrupt"),
    ("locked", "locked"),
    ("busy", "locked"),
    ("readonly", "readonly"),
    ("read-only", "readonly"),
    ("disk is full", "full"),
    ("unable to open", "cantopen"),
)


def classify(exc: BaseException) -> str:
    code = getattr(exc, "sqlite_errorname", "") or ""
    for prefix, kind in _CODES.items():
        if code.startswith(prefix):
            return kind
    text = str(exc).lower()
    for needle, kind in _TEXT:
        if needle in text:
            return kind
    return "error"


def translate(exc: BaseException, path: str | Path, timeout: float = 5.0) -> HistoryError:
    """A `HistoryError` for a sqlite3 (or OS) error met while using the database at `path`."""
    if isinstance(exc, HistoryError):
        return exc
    kind = (
        classify(exc)
        if isinstance(exc, sqlite3.Error)
        else ("readonly" if isinstance(exc, PermissionError) else "cantopen")
    )
    detail = str(exc) or type(exc).__name__
    where = f"the history database {path}"
    if kind == "corrupt":
        text = (
            f"{where} is damaged or is not a rill database ({detail}); move it aside "
            f"(rill then starts a new one) or pass --db PATH to use another file"
        )
    elif kind == "locked":
        text = (
            f"{where} is locked by another program (waited {timeout:g} s); close the program "
            f"holding it (a database browser?) and try again"
        )
    elif kind == "readonly":
        text = f"{where} is read-only ({detail}); fix its permissions or pass --db PATH to use another file"
    elif kind == "full":
        text = (
            f"the disk is full: could not save to {where}; free some space and try again "
            f"(what was saved before is intact)"
        )
    elif kind == "cantopen":
        text = f"cannot open {where} ({detail}); check that its folder exists and is writable, or pass --db PATH"
    else:
        text = f"{where}: {detail}"
    return HistoryError(text, kind)


__all__ = ["HistoryError", "classify", "redact", "translate"]
