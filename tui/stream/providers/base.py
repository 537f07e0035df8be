"""What every provider is: something that turns a `ChatRequest` into `StreamEvent`s."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable
from typing import Any, ClassVar

from tui.stream.attachments import Attachment, refuse_images
from tui.stream.control import StreamController
from tui.stream.events import StreamEvent
from tui.stream.messages import ChatRequest


class Provider(ABC):
    name: ClassVar[str] = ""
    default_model: ClassVar[str] = ""
    key_env: ClassVar[str | None] = None  # the environment variable holding the API key, if it takes one
    base_url_env: ClassVar[str | None] = None  # ... and the one holding the base URL
    settings_options: ClassVar[tuple[str, ...]] = ("model",)  # the user's settings this provider takes
    reads_images: ClassVar[bool] = True  # False: a prompt with an image attached is refused before sending

    def __init__(self, *, model: str | None = None, **options: Any) -> None:
        self.model = model or self.default_model
        self.options = options

    @abstractmethod
    def stream(self, request: ChatRequest, control: StreamController | None = None) -> AsyncIterator[StreamEvent]:
        """Yield the events of one answer, ending with END (complete or not).

        Failures become an ERROR event followed by END rather than an exception, so text that
        arrived before the failure is never lost. `control` is only needed by providers that
        generate in-process (pause must halt generation there).
        """

    def check_ready(self) -> None:
        """Raise `ConfigurationError` when the provider cannot work at all (a missing package or file)."""
        return None

    async def aclose(self) -> None:  # noqa: B027 - optional: most providers hold nothing to release
        """Release connections or models held by the provider."""

    def check_attachments(self, attachments: Iterable[Attachment]) -> None:
        """Raise `AttachmentError` when this provider cannot send these files (images without vision)."""
        if not self.reads_images:
            refuse_images(f"the {self.name} provider ({self.describe()})", attachments)

    def describe(self) -> str:
        return f"{self.name}/{self.model}" if self.model else self.name

    def model_for(self, request: ChatRequest) -> str:
        return request.model or self.model
