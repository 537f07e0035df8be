"""What the app remembers between runs that is not configuration: the chosen Textual theme, and how long
the local model took to load last time (so the next load can say how far it is).

A small JSON file in the platform's data directory. It is written by the app, not the user, so a
corrupt, unreadable or foreign file is ignored (defaults are used and the next save replaces it): losing
a remembered theme is better than refusing to start.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from tui.config import APP_NAME


def default_state_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "state.json"


@dataclass
class AppState:
    theme: str | None = None
    model_load_ms: float | None = None
    path: Path = field(default_factory=default_state_path)
    last_error: str | None = None  # why the last load or save did not work, for a notification

    @classmethod
    def load(cls, path: str | Path | None = None) -> AppState:
        state = cls(path=Path(path) if path is not None else default_state_path())
        try:
            data = json.loads(state.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return state
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            state.last_error = f"{state.path}: ignored an unreadable state file ({exc.__class__.__name__})"
            return state
        if isinstance(data, dict) and isinstance(data.get("theme"), str) and data["theme"].strip():
            state.theme = data["theme"]
        load_ms = data.get("model_load_ms") if isinstance(data, dict) else None
        if isinstance(load_ms, (int, float)) and not isinstance(load_ms, bool) and 0 < load_ms < 3_600_000:
            state.model_load_ms = float(load_ms)
        return state

    def save(self) -> bool:
        """Write atomically (temp file + rename) so a crash mid-write cannot leave a half file.

        Returns False (and sets `last_error`) when the file cannot be written: the app goes on.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".state-", suffix=".json", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump({"theme": self.theme, "model_load_ms": self.model_load_ms}, handle)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            self.last_error = f"{self.path}: cannot save the app state ({exc.strerror or exc})"
            return False
        self.last_error = None
        return True
