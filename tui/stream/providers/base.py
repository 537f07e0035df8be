"""What every provider is: something that turns a `ChatRequest` into `StreamEvent`s."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from tui.stream.attachments import Attachment, refuse_images
from tui.stream.control import StreamController
from tui.stream.events import StreamEvent
from tui.stream.hosted import HostedToolSetting, parse_hosted_tools
from tui.stream.messages import ChatRequest


@dataclass(frozen=True)
class ModelInfo:
    """One model a provider offers (`Provider.list_models`).

    `id` is what goes into the `model` setting; `detail` is a short description for a picker (size,
    owner, context); `path` is the file for the local provider (it becomes `model_path`).
    """

    id: str
    detail: str = ""
    path: str | None = None


def human_size(size: Any) -> str:
    """Bytes as a short size for a model list ("1.9 GB"); "" when it is not a number."""
    if not isinstance(size, (int, float)) or isinstance(size, bool) or size <= 0:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


class Provider(ABC):
    name: ClassVar[str] = ""
    default_model: ClassVar[str] = ""
    key_env: ClassVar[str | None] = None  # the environment variable holding the API key, if it takes one
    base_url_env: ClassVar[str | None] = None  # ... and the one holding the base URL
    settings_options: ClassVar[tuple[str, ...]] = ("model",)  # the user's settings this provider takes
    # the tools its API runs itself that `hosted_tools` may name: name -> what its arguments are ("": none)
    hosted_tool_names: ClassVar[dict[str, str]] = {}
    reads_images: ClassVar[bool] = True  # False: a prompt with an image attached is refused before sending

    def __init__(self, *, model: str | None = None, hosted_tools: list[str] | None = None, **options: Any) -> None:
        self.model = model or self.default_model
        self.options = options
        self.hosted_tools: list[HostedToolSetting] = parse_hosted_tools(self.name, hosted_tools, self.hosted_tool_names)

    @abstractmethod
    def stream(self, request: ChatRequest, control: StreamController | None = None) -> AsyncIterator[StreamEvent]:
        """Yield the events of one answer, ending with END (complete or not).

        Failures become an ERROR event followed by END rather than an exception, so text that
        arrived before the failure is never lost. `control` is only needed by providers that
        generate in-process (pause must halt generation there).
        """

    async def list_models(self) -> list[ModelInfo]:
        """The models this provider offers, sorted by id.

        A listing that fails raises a `RillStreamError` whose `message` is one line saying what happened
        and what to do (no key, HTTP 401, server down, an answer that is not a model list). The base
        class knows only its own model; the providers ask their server (or look for files).
        """
        return [ModelInfo(self.model)] if self.model else []

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
