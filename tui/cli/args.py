"""Every flag of the `rill` command and its subcommands, and the checks that make a bad value a usage error.

A value argparse cannot use (`--read-timeout nan`, `--max-tokens -5`, `rill show ²`, a base URL with
port 181910) stops the command before anything starts: argparse prints the usage and one line naming the
flag and the value, and the exit status is 2. The checks are `type=` functions, so each is written once.
"""

from __future__ import annotations

import argparse
import urllib.parse
from collections.abc import Callable
from typing import Any

from tui.config import ConfigError, Settings, check_setting

SUBCOMMANDS = ("history", "show", "export")
MAX_ID = 2**63 - 1  # SQLite's largest integer: no conversation id can be larger


# -- value checks (argparse `type=` functions) -------------------------------------------------------
def setting(key: str, flag: str) -> Callable[[str], Any]:
    """The check for a flag that sets a config setting: the config's own rule for that setting
    (`tui.config.check_setting`), so a flag, the file and the environment accept the same values."""

    def check(text: str) -> Any:
        try:
            return check_setting(key, text, name=flag, from_text=True)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return check


def positive_int(text: str) -> int:
    """Counts: a whole number of 1 or more, written in ASCII digits."""
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number of 1 or more")
    return int(text)


def conversation_id(text: str) -> int:
    """A conversation id as `rill history` shows it: ASCII digits, within SQLite's integer range."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
        raise argparse.ArgumentTypeError(f"{text!r} is not a conversation id (a number `rill history` shows)")
    return int(text)


def base_url(text: str) -> str:
    """An http(s) URL with a host and, if any, a port that exists."""
    problem = url_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r} is not a usable base URL: {problem}")
    return text


def url_problem(text: str) -> str | None:
    """Why `text` cannot be a provider's base URL, or None when it can."""
    try:
        parts = urllib.parse.urlsplit(text)
        port = parts.port  # raises ValueError for a port outside 0-65535 or not a number
    except ValueError as exc:  # "Port out of range 0-65535", ...
        return str(exc)[:1].lower() + str(exc)[1:]
    if parts.scheme not in ("http", "https"):
        return "it must start with http:// or https://"
    if not parts.hostname:
        return "it names no host"
    if port == 0:
        return "port 0 is not a port a server listens on"
    return None


# -- the parsers ------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rill",
        description="A terminal chat client for streaming LLMs. With no -p, opens the full-screen app.",
        epilog="Subcommands: rill history [--search TEXT] [--limit N] [--json] | rill show ID | "
        "rill export ID [--format md|json] [-o FILE [--force]]",
    )
    parser.add_argument(
        "-p",
        "--print",
        dest="prompt",
        metavar="PROMPT",
        help="print mode: stream the answer to PROMPT to stdout ('-' reads stdin)",
    )
    add_connection_flags(parser)
    parser.add_argument(
        "--attach",
        action="append",
        metavar="FILE",
        help="print mode: send FILE with the prompt (repeatable): text as context, PNG/JPEG/GIF/WebP as images",
    )
    parser.add_argument(
        "--preset", metavar="NAME", help="start from the config's [presets.NAME] (flags given here still win)"
    )
    parser.add_argument("--system", help="system prompt")
    parser.add_argument("--max-tokens", type=setting("max_tokens", "--max-tokens"), help="cap on the answer's tokens")
    parser.add_argument("--no-tools", action="store_true", help="report tool calls instead of running them")
    parser.add_argument("--json", action="store_true", help="print mode: print one JSON object at the end")
    parser.add_argument("--no-thinking", action="store_true", help="print mode: hide thinking (stderr)")
    parser.add_argument("--no-history", action="store_true", help="do not save this exchange")
    parser.add_argument(
        "-c", "--continue", dest="continue_latest", action="store_true", help="continue the latest conversation"
    )
    parser.add_argument("--cid", type=conversation_id, help="continue (or open) the conversation with this id")
    return parser


def add_connection_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--provider", help="openai, openai-responses, anthropic, ollama, local, scripted")
    parser.add_argument("--model", help="model name (provider default if omitted)")
    parser.add_argument(
        "--base-url", type=base_url, help="API base URL (any OpenAI-compatible server for --provider openai)"
    )
    parser.add_argument("--model-path", help="local provider: path to a GGUF model file")
    parser.add_argument(
        "--read-timeout", type=setting("read_timeout", "--read-timeout"), help="seconds without a byte before giving up"
    )
    parser.add_argument("--db", help="history database file")
    parser.add_argument("--config", help="config file (TOML)")


def subcommand_parser(name: str) -> argparse.ArgumentParser:
    """`rill history`, `rill show ID`, `rill export ID`."""
    parser = argparse.ArgumentParser(prog=f"rill {name}")
    if name == "history":
        parser.description = "List conversations, newest first, or search them."
        parser.add_argument("--search", metavar="TEXT", help="full-text search of messages and titles")
        parser.add_argument("--limit", type=positive_int, default=20, metavar="N", help="at most N rows (default 20)")
        parser.add_argument("--json", action="store_true", help="print JSON")
    else:
        parser.add_argument("id", metavar="ID", type=conversation_id, help="conversation id (see `rill history`)")
        if name == "show":
            parser.description = "Print one conversation (its current branch)."
            parser.add_argument("--json", action="store_true", help="print JSON (every branch)")
        else:
            parser.description = "Export one conversation as Markdown or JSON."
            parser.add_argument("--format", choices=("md", "json"), default="md")
            parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
            parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    parser.add_argument("--db", metavar="PATH", help="history database file")
    parser.add_argument("--config", metavar="FILE", help="config file (TOML)")
    return parser


def apply_flags(settings: Settings, args: argparse.Namespace) -> Settings:
    for flag, attr in (
        ("provider", "provider"),
        ("model", "model"),
        ("base_url", "base_url"),
        ("model_path", "model_path"),
        ("db", "db"),
        ("system", "system"),
        ("max_tokens", "max_tokens"),
        ("read_timeout", "read_timeout"),
    ):
        value = getattr(args, flag, None)
        if value is not None:
            setattr(settings, attr, value)
    return settings
