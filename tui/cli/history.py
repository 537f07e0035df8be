"""`rill history`, `rill show ID`, `rill export ID`: the history from the command line.

Exit status: 0 success, 1 a history problem (missing conversation, damaged or locked database),
2 bad usage or configuration. Text that came from a model is printed with control characters and
escape sequences removed (it must never drive the terminal); JSON keeps every character, escaped.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from tui.config import ConfigError, load_settings
from tui.history import HistoryError, HistoryStore

_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_C1 = re.compile(r"[\x7f-\x9f]")


def clean(text: str) -> str:
    """Model text made safe for a terminal: escape sequences and control characters dropped."""
    return _ESCAPES.sub("", text)


def dump_json(value) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)  # still valid JSON, same data


def _parser(name: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"rill {name}")
    if name == "history":
        parser.description = "List conversations, newest first, or search them."
        parser.add_argument("--search", metavar="TEXT", help="full-text search of messages and titles")
        parser.add_argument("--limit", type=int, default=20, metavar="N", help="at most N rows (default 20)")
        parser.add_argument("--json", action="store_true", help="print JSON")
    else:
        parser.add_argument("id", metavar="ID", help="conversation id (see `rill history`)")
        if name == "show":
            parser.description = "Print one conversation (its current branch)."
            parser.add_argument("--json", action="store_true", help="print JSON (every branch)")
        else:
            parser.description = "Export one conversation as Markdown or JSON."
            parser.add_argument("--format", choices=("md", "json"), default="md")
            parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument("--db", metavar="PATH", help="history database file")
    parser.add_argument("--config", metavar="FILE", help="config file (TOML)")
    return parser


def run_subcommand(name: str, argv: Sequence[str]) -> int:
    try:
        args = _parser(name).parse_args(list(argv))
    except SystemExit as exit_:  # --help (0) or bad usage (2): argparse has printed why
        return int(exit_.code or 0)
    try:
        path = Path(args.db).expanduser() if args.db else load_settings(args.config).db_path
    except ConfigError as exc:
        print(f"rill: {exc}", file=sys.stderr)
        return 2
    if not path.exists():
        if name == "history":
            print("[]" if args.json else f"No conversations yet ({path} does not exist).")
            return 0
        print(f"rill: no conversation with id {args.id}: {path} does not exist yet", file=sys.stderr)
        return 1
    try:
        with HistoryStore(path) as store:
            if name == "history":
                return _history(store, args)
            if store.get_conversation(args.id) is None:
                print(f"rill: no conversation with id {args.id} in {path} (see `rill history`)", file=sys.stderr)
                return 1
            if name == "show":
                print(dump_json(store.export_json(args.id)) if args.json else clean(store.export_markdown(args.id)),
                      end="" if not args.json else "\n")
                return 0
            return _export(store, args)
    except HistoryError as exc:
        print(f"rill: {exc}", file=sys.stderr)
        return 1


def _history(store: HistoryStore, args: argparse.Namespace) -> int:
    limit = max(1, args.limit)
    if args.search is not None:
        hits = store.search(args.search, limit=limit)
        if args.json:
            print(dump_json([vars(hit) for hit in hits]))
        elif not hits:
            print(f"Nothing matches {args.search!r}.")
        for hit in hits if not args.json else []:
            snippet = " ".join(clean(hit.snippet).split())
            where = f"{hit.conversation_id}" + (f"#{hit.message_id}" if hit.message_id else "")
            print(f"{where:>10}  {clean(hit.title or 'Untitled')[:40]:40}  {snippet}")
        return 0
    rows = store.list_conversations(limit=limit)
    if args.json:
        print(dump_json([vars(row) for row in rows]))
        return 0
    if not rows:
        print("No conversations yet.")
        return 0
    print(f"{'ID':>6}  {'UPDATED':16}  {'MSGS':>4}  {'MODEL':20}  TITLE")
    for row in rows:
        model = "/".join(x for x in (row.provider, row.model) if x)
        print(f"{row.id:>6}  {row.updated[:16].replace('T', ' '):16}  {row.message_count:>4}  "
              f"{clean(model)[:20]:20}  {clean(row.title or 'Untitled')}")
    return 0


def _export(store: HistoryStore, args: argparse.Namespace) -> int:
    if args.format == "json":
        text = json.dumps(store.export_json(args.id), indent=2, ensure_ascii=False) + "\n"
    else:
        text = store.export_markdown(args.id)
    if args.output:
        try:
            Path(args.output).expanduser().write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"rill: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"Exported conversation {args.id} to {args.output}", file=sys.stderr)
        return 0
    sys.stdout.write(dump_json(json.loads(text)) + "\n" if args.format == "json" else clean(text))
    return 0
