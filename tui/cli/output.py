"""Writing to stdout and stderr that a closed pipe, a closed descriptor or a full disk cannot crash.

- `Sink` wraps one output stream for print mode. A reader that leaves (`rill -p ... | head`) is a
  `BrokenPipeError`: the sink goes quiet and calls `on_gone` (print mode cancels the stream, so the
  server stops generating). Any other write error (`>/dev/full`, a closed descriptor) is said once on
  stderr and the sink drops the rest, so the exchange still ends normally and is saved.
- `emit(text)` writes a history command's whole output the same way and returns its exit status.
- `silence_stdout()` points file descriptor 1 at /dev/null, so the interpreter's final flush of a
  dead stdout cannot print "Exception ignored ... BrokenPipeError".
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Protocol, TextIO

_READER_LEFT = "the reader left"


class TextOut(Protocol):
    """What the printers write to: a text stream (a `TextIO`, a `Sink`, an `io.StringIO`)."""

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...

    def isatty(self) -> bool: ...


def silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def say(err: TextOut | None, line: str) -> None:
    """One `rill: ...` line on stderr; a stderr that cannot be written to is not an error of its own."""
    if err is None:
        return
    try:
        err.write(f"rill: {line}\n")
        err.flush()
    except (OSError, ValueError):
        pass


class Sink:
    """One output stream of print mode (see the module doc)."""

    def __init__(
        self,
        stream: TextIO | TextOut | None,
        name: str,
        *,
        err: TextOut | None = None,
        on_gone: Callable[[], object] | None = None,
    ) -> None:
        self.stream = stream
        self.name = name
        self.err = err
        self.on_gone = on_gone
        self.failed: str | None = None  # why nothing more is written, once something failed
        if stream is None:
            self._fail(f"{name} is closed")

    def write(self, text: str) -> int:
        if self.failed is None and self.stream is not None and text:
            try:
                self.stream.write(text)
            except (OSError, ValueError) as exc:
                self._error(exc)
        return len(text)

    def flush(self) -> None:
        if self.failed is None and self.stream is not None:
            try:
                self.stream.flush()
            except (OSError, ValueError) as exc:
                self._error(exc)

    @property
    def reader_left(self) -> bool:
        return self.failed == _READER_LEFT

    def isatty(self) -> bool:
        try:
            return self.failed is None and self.stream is not None and self.stream.isatty()
        except (AttributeError, OSError, ValueError):
            return False

    def _error(self, exc: BaseException) -> None:
        if isinstance(exc, BrokenPipeError):
            self.failed = _READER_LEFT
            if self.stream is sys.stdout:
                silence_stdout()
            if self.on_gone is not None:
                self.on_gone()
            return
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        self._fail(f"cannot write to {self.name} ({reason})")
        if self.stream is sys.stdout:
            silence_stdout()

    def _fail(self, reason: str) -> None:
        self.failed = reason
        if self.err is not None and self.err is not self:
            say(
                self.err,
                f"{reason}: the rest of the answer is not printed (it is still saved to history unless --no-history)",
            )


def emit(text: str, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Write a command's output; 0, or 1 when it could not be written (a message says why, except
    for a reader that left on purpose, like `| head`)."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    if out is None:
        say(err, "stdout is closed: nothing to print to")
        return 1
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        silence_stdout()
        return 1
    except (OSError, ValueError) as exc:
        silence_stdout()
        say(err, f"cannot write to stdout ({getattr(exc, 'strerror', None) or exc})")
        return 1
    return 0
