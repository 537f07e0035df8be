"""Composing the prompt in the person's own editor ($VISUAL, else $EDITOR), the app suspended meanwhile.

`edit_text` writes the prompt to a temporary file, runs the editor on it while the app gives the
terminal back (`App.suspend`), and returns the new text, or says why there is none: no editor set,
an editor that cannot be started, a non-zero exit. The caller keeps the prompt as it was then. In a
headless app (tests) there is no terminal to give back, and the editor runs without suspending.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.app import SuspendNotSupported


@dataclass(frozen=True)
class Edited:
    text: str | None  # None: keep the prompt as it is
    problem: str = ""  # why there is no new text (empty when the editor was simply not set up)


def editor_command(environ: Any = os.environ) -> list[str] | None:
    for name in ("VISUAL", "EDITOR"):
        value = (environ.get(name) or "").strip()
        if value:
            try:
                return shlex.split(value)
            except ValueError:
                return [value]
    return None


def edit_text(app: Any, text: str) -> Edited:
    command = editor_command()
    if not command:
        return Edited(None, "No editor: set $VISUAL or $EDITOR (for example EDITOR=nano) to compose in one.")
    handle, name = tempfile.mkstemp(prefix="rill-prompt-", suffix=".md")
    path = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        try:
            status = _run(app, [*command, str(path)])
        except FileNotFoundError:
            return Edited(None, f"The editor {command[0]!r} was not found (check $VISUAL / $EDITOR).")
        except OSError as exc:
            return Edited(None, f"The editor {command[0]!r} could not start: {exc.strerror or exc}.")
        except SuspendNotSupported:
            return Edited(None, "This terminal cannot hand over to an editor (the app cannot suspend here).")
        if status != 0:
            return Edited(None, f"The editor exited with status {status}; the prompt is unchanged.")
        edited = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return Edited(None, f"Could not use a temporary file for the editor: {exc.strerror or exc}.")
    finally:
        path.unlink(missing_ok=True)
    return Edited(edited[:-1] if edited.endswith("\n") else edited)  # editors end the file with a newline


def _run(app: Any, argv: list[str]) -> int:
    if app.is_headless:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, check=False).returncode
    with app.suspend():
        return subprocess.run(argv, check=False).returncode
