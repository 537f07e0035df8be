"""The `rill` command: parse flags, load settings, hand off to the app, print mode or history commands.

Exit status: 0 success, 1 the stream ended in an error or incomplete, 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tui.config import ConfigError, Settings, load_settings

SUBCOMMANDS = ("history", "show", "export")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rill",
        description="A terminal chat client for streaming LLMs. With no -p, opens the full-screen app.",
        epilog="Subcommands: rill history [--search TEXT] [--limit N] [--json] | rill show ID | "
               "rill export ID [--format md|json]",
    )
    parser.add_argument("-p", "--print", dest="prompt", metavar="PROMPT",
                        help="print mode: stream the answer to PROMPT to stdout ('-' reads stdin)")
    add_connection_flags(parser)
    parser.add_argument("--system", help="system prompt")
    parser.add_argument("--max-tokens", type=int, help="cap on the answer's tokens")
    parser.add_argument("--no-tools", action="store_true", help="report tool calls instead of running them")
    parser.add_argument("--json", action="store_true", help="print mode: print one JSON object at the end")
    parser.add_argument("--no-thinking", action="store_true", help="print mode: hide thinking (stderr)")
    parser.add_argument("--no-history", action="store_true", help="do not save this exchange")
    parser.add_argument("-c", "--continue", dest="continue_latest", action="store_true",
                        help="continue the latest conversation")
    parser.add_argument("--cid", help="continue (or open) the conversation with this id")
    return parser


def add_connection_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--provider", help="openai, openai-responses, anthropic, ollama, local, scripted")
    parser.add_argument("--model", help="model name (provider default if omitted)")
    parser.add_argument("--base-url", help="API base URL (any OpenAI-compatible server for --provider openai)")
    parser.add_argument("--model-path", help="local provider: path to a GGUF model file")
    parser.add_argument("--read-timeout", type=float, help="seconds without a byte before giving up")
    parser.add_argument("--db", help="history database file")
    parser.add_argument("--config", help="config file (TOML)")


def apply_flags(settings: Settings, args: argparse.Namespace) -> Settings:
    for flag, attr in (("provider", "provider"), ("model", "model"), ("base_url", "base_url"),
                       ("model_path", "model_path"), ("db", "db"), ("system", "system"),
                       ("max_tokens", "max_tokens"), ("read_timeout", "read_timeout")):
        value = getattr(args, flag, None)
        if value is not None:
            setattr(settings, attr, value)
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            from tui.cli.history import run_subcommand

            return run_subcommand(argv[0], argv[1:])
        args = build_parser().parse_args(argv)
        settings = apply_flags(load_settings(args.config), args)
    except ConfigError as exc:
        print(f"rill: {exc}", file=sys.stderr)
        return 2
    if args.prompt is not None:
        from tui.cli.print_mode import run_print_mode

        return run_print_mode(args, settings)
    from tui.cli.app_mode import run_app

    return run_app(args, settings)
