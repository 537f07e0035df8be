"""The `rill` command: parse flags, load settings, hand off to the app, print mode or history commands.

    tui/cli/__init__.py   main(): the entry point (`rill`, `python -m tui`)
    tui/cli/args.py       every flag and the checks that make a bad value a usage error
    tui/cli/app_mode.py   `rill`: the full-screen app
    tui/cli/print_mode.py `rill -p PROMPT`: one streamed answer to stdout (+ print_session.py)
    tui/cli/history.py    `rill history | show ID | export ID`
    tui/cli/output.py     writing to stdout/stderr that a closed pipe or a full disk cannot crash

Exit status: 0 success, 1 the stream ended in an error or incomplete, 2 bad usage or configuration,
128+N when signal N (Ctrl-C, SIGTERM, SIGHUP) stopped the answer.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from tui.cli.args import SUBCOMMANDS, apply_flags, build_parser, url_problem
from tui.cli.output import say
from tui.config import ConfigError, load_settings

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            from tui.cli.history import run_subcommand

            return run_subcommand(argv[0], argv[1:])
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exit_:  # --help (0) or bad usage (2): argparse has printed why
            return int(exit_.code or 0)
        settings = load_settings(args.config)
        if args.preset is not None:
            settings = settings.with_preset(args.preset)  # an unknown name: exit 2 naming the known ones
        settings = apply_flags(settings, args)
        if settings.base_url and (problem := url_problem(settings.base_url)):
            raise ConfigError(
                f"the base URL {settings.base_url!r} (from {settings.config_path} or RILL_BASE_URL) "
                f"is not usable: {problem}"
            )
    except (ConfigError, OSError) as exc:  # OSError: a config folder this user may not look into
        say(sys.stderr, str(exc))
        return 2
    if args.prompt is not None:
        from tui.cli.print_mode import run_print_mode

        return run_print_mode(args, settings)
    if args.attach:
        say(sys.stderr, "--attach goes with -p; in the app, type @path in the prompt or press f3 to pick a file")
        return 2
    from tui.cli.app_mode import run_app

    return run_app(args, settings)
