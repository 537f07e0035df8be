"""What the chat screen needs of the app it runs in, stated once as a type.

The app (`RillApp`) owns what every screen shares: the provider, the history store, the settings, the
tools, the clock, the local model's warm-up. The chat screen reads these through `ChatScreen.host`,
typed by this protocol rather than by the app class, so the screen does not depend on the module that
builds it (no import cycle, not even for the type checker); tui/app/app.py checks that `RillApp`
satisfies it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from tui.app.model_warmup import ModelWarmup
from tui.config import Settings
from tui.history import HistoryStore
from tui.stream import Provider


class ChatHost(Protocol):
    settings: Settings
    provider: Provider
    store: HistoryStore | None
    tools: list[Any]
    clock: Callable[[], float]
    always_allowed_tools: set[str]
    initial_cid: int | None
    warmup: ModelWarmup

    @property
    def provider_name(self) -> str: ...

    @property
    def model_name(self) -> str: ...

    def key_labels(self) -> dict[str, str]: ...

    def create_conversation(
        self, first_prompt: str, *, system: str | None = None, title: str | None = None
    ) -> int | None: ...
