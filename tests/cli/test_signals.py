"""StopSignals: the first two stop signals are noted (the exchange then ends and saves); a third leaves at once."""

from __future__ import annotations

import os
import signal

import pytest

from tui.cli.signals import StopSignals


def child_status(times: int) -> tuple[int, bytes]:
    """Exit status and stderr of a child that receives SIGINT `times` times while set up like print mode."""
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 99
        try:
            os.dup2(err_w, 2)
            with StopSignals() as signals:
                signals.stop_raising()  # the exchange is set up, as in print mode
                for _ in range(times):
                    os.kill(os.getpid(), signal.SIGINT)
                code = signals.exit_status or 0
        finally:
            os._exit(code)
    os.close(err_w)
    with os.fdopen(err_r, "rb") as err:
        errors = err.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), errors


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_two_signals_are_noted_and_a_third_leaves_at_once():
    assert child_status(2) == (130, b"")  # handled: print mode goes on to save and report, then exits 130
    assert child_status(3) == (130, b"\nrill: stopped at once\n")
