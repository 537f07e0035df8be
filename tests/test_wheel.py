"""A normal install works: build the wheel, install it into a fresh virtual environment, run it there.

Marked `wheel` (deselect with `-m "not wheel"`): it builds with `pip wheel --no-deps`, creates a venv
without system site-packages, installs the wheel and its dependencies from the package index (pip's
cache makes this quick after the first time), then checks, with that venv's Python and with no
PYTHONPATH pointing at this checkout, that the app starts headless and shows its welcome (so its
stylesheets load from the installed package) and that `rill -p` answers with the scripted provider.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.wheel

ROOT = Path(__file__).resolve().parents[1]
BUILD_INPUTS = ("pyproject.toml", "README.md", "tui", "styles")  # what the wheel is built from
INSTALL_TIMEOUT = 600  # seconds; a cold pip cache downloads the dependencies once

SMOKE = """
import asyncio
import time

import tui
from tui.app.app import RillApp
from tui.config import Settings


async def main() -> None:
    app = RillApp(Settings(provider="scripted"))
    async with app.run_test(size=(110, 32)) as pilot:
        transcript = app.chat.transcript
        deadline = time.monotonic() + 30
        while "scripted-demo" not in transcript.visible_text() and time.monotonic() < deadline:
            await pilot.pause(0.05)
        print("package:", tui.__file__)
        print("styles:", *app.css_path)
        # what the screen shows, not what the app meant to show: the welcome drawn with the stylesheets
        print("welcome:", " ".join(transcript.visible_text().split()) or "MISSING")


asyncio.run(main())
"""


def clean_env(home: Path) -> dict[str, str]:
    """The user's environment minus anything that would import this checkout or another venv."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not k.startswith("RILL_")
    }
    env.update(XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"))
    return env


def run(command: list[str], env: dict[str, str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel_install(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(the wheel, the fresh venv, a scratch home) — built and installed once for this module."""
    work = tmp_path_factory.mktemp("wheel")
    env = clean_env(work)
    source = work / "source"  # a copy, so the build leaves no build/ or egg-info in the checkout
    source.mkdir()
    for name in BUILD_INPUTS:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(origin, source / name)
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(source)],
        env,
        work,
        timeout=INSTALL_TIMEOUT,
    )
    [wheel] = (work / "dist").glob("rill-*.whl")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)], env, work)
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], env, work, timeout=INSTALL_TIMEOUT)
    return wheel, venv, work


def test_the_wheel_ships_the_stylesheets_and_py_typed(wheel_install):
    wheel, _, _ = wheel_install
    names = set(zipfile.ZipFile(wheel).namelist())
    sheets = sorted(path.name for path in (ROOT / "styles").glob("*.tcss"))
    assert sheets and {f"tui/styles/{name}" for name in sheets} <= names
    assert "tui/py.typed" in names
    assert not any(name.startswith(("styles/", "tests/")) for name in names)


def test_the_installed_app_starts_headless_and_shows_its_welcome(wheel_install):
    _, venv, work = wheel_install
    script = work / "smoke.py"
    script.write_text(SMOKE, encoding="utf-8")
    done = run([str(venv / "bin" / "python"), str(script)], clean_env(work), work)
    lines = dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)
    assert lines["package"].startswith(str(venv))  # the installed package, not this checkout
    assert all(path.startswith(str(venv)) and path.endswith(".tcss") for path in lines["styles"].split())
    assert "scripted/scripted-demo" in lines["welcome"]
    assert "Traceback" not in done.stderr


def test_the_installed_rill_command_answers_in_print_mode(wheel_install):
    _, venv, work = wheel_install
    done = run([str(venv / "bin" / "rill"), "-p", "hello", "--provider", "scripted"], clean_env(work), work)
    assert "Streaming, the rill way" in done.stdout
    assert "Traceback" not in done.stderr
    assert (work / "data" / "rill" / "rill.db").is_file()  # the exchange was saved where the data dir says
