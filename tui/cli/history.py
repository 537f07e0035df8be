"""`rill history`, `rill show ID`, `rill export ID`: the history from the command line.

Exit status: 0 success, 1 a history problem (missing conversation, damaged or locked database) or
output that could not be written, 2 bad usage or configuration. Text that came from a model is
printed through the one sanitizer (`tui.stream.sanitize`: it must never drive the terminal); JSON
keeps every character, escaped; configured secrets are redacted from both. A database in a folder
that cannot be written (WAL needs side files there) is opened read-only, since these commands only
read (`export -o` writes its file, not the database).
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tui.cli.args import subcommand_parser
from tui.cli.output import emit, say
from tui.config import ConfigError, load_settings
from tui.history import HistoryError, HistoryStore
from tui.stream.sanitize import one_line, safe_json, sanitize
from tui.stream.secrets import redact


def clean(text: str) -> str:
    """Model text as it may be printed: sanitized, no secret in it."""
    return redact(sanitize(text))


def dump_json(value: Any) -> str:
    return redact(safe_json(value, indent=2))


def run_subcommand(name: str, argv: Sequence[str]) -> int:
    try:
        args = subcommand_parser(name).parse_args(list(argv))
    except SystemExit as exit_:  # --help (0) or bad usage (2): argparse has printed why
        return int(exit_.code or 0)
    try:
        settings = load_settings(args.config)
    except (ConfigError, OSError) as exc:  # OSError: a config folder this user may not look into
        if not args.db or args.config:
            say(sys.stderr, str(exc))
            return 2
        settings = None  # the database is given: a broken default config file does not matter here
    path = Path(args.db).expanduser() if args.db else settings.db_path if settings else Path()
    out = io.StringIO()
    if not path.exists():
        if name != "history":
            say(sys.stderr, f"no conversation with id {args.id}: {path} does not exist yet")
            return 1
        out.write("[]\n" if args.json else f"No conversations yet ({path} does not exist).\n")
        return emit(out.getvalue())
    try:
        with open_for_reading(path) as store:
            if name == "history":
                _history(store, args, out)
            elif store.get_conversation(args.id) is None:
                say(sys.stderr, f"no conversation with id {args.id} in {path} (see `rill history`)")
                return 1
            elif name == "show":
                out.write(
                    dump_json(store.export_json(args.id)) + "\n" if args.json else clean(store.export_markdown(args.id))
                )
            elif args.output:
                return _export_to_file(store, args)
            else:
                out.write(
                    dump_json(store.export_json(args.id)) + "\n"
                    if args.format == "json"
                    else clean(store.export_markdown(args.id))
                )
    except HistoryError as exc:
        say(sys.stderr, str(exc))
        return 1
    return emit(out.getvalue())


def open_for_reading(path: Path) -> HistoryStore:
    """The store at `path`; read-only when it cannot be opened for writing (a read-only folder or file)."""
    try:
        return HistoryStore(path)
    except HistoryError as exc:
        if exc.kind not in ("readonly", "cantopen"):
            raise
        return HistoryStore(path, readonly=True)


def _history(store: HistoryStore, args: argparse.Namespace, out: io.StringIO) -> None:
    if args.search is not None:
        hits = store.search(args.search, limit=args.limit)
        if args.json:
            out.write(dump_json([vars(hit) for hit in hits]) + "\n")
        elif not hits:
            out.write(f"Nothing matches {one_line(args.search)!r}.\n")
        for hit in hits if not args.json else []:
            where = f"{hit.conversation_id}" + (f"#{hit.message_id}" if hit.message_id else "")
            out.write(f"{where:>10}  {_cell(hit.title or 'Untitled')[:40]:40}  {_cell(hit.snippet)}\n")
        return
    rows = store.list_conversations(limit=args.limit)
    if args.json:
        out.write(dump_json([vars(row) for row in rows]) + "\n")
        return
    if not rows:
        out.write("No conversations yet.\n")
        return
    out.write(f"{'ID':>6}  {'UPDATED':16}  {'MSGS':>4}  {'MODEL':20}  TITLE\n")
    for row in rows:
        model = "/".join(x for x in (row.provider, row.model) if x)
        out.write(
            f"{row.id:>6}  {row.updated[:16].replace('T', ' '):16}  {row.message_count:>4}  "
            f"{_cell(model)[:20]:20}  {_cell(row.title or 'Untitled')}\n"
        )


def _cell(text: str) -> str:
    return redact(one_line(text))


def _export_to_file(store: HistoryStore, args: argparse.Namespace) -> int:
    """The export as data (every character kept, secrets redacted); an existing file only with --force."""
    if args.format == "json":
        text = safe_json(store.export_json(args.id), indent=2) + "\n"
    else:
        text = store.export_markdown(args.id)
    target = Path(args.output).expanduser()
    try:
        with target.open("w" if args.force else "x", encoding="utf-8") as file:
            file.write(redact(text))
    except FileExistsError:
        say(sys.stderr, f"{args.output} exists; pass --force to overwrite it, or choose another -o FILE")
        return 1
    except OSError as exc:
        say(sys.stderr, f"cannot write {args.output}: {exc.strerror or exc}")
        return 1
    say(sys.stderr, f"exported conversation {args.id} to {args.output}")
    return 0
