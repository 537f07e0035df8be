"""One local answer, computed on the model's worker thread, token by token, under stream control.

llama.cpp generation is blocking C work, so it runs off the event loop. The thread reports to the
provider through `emit(kind, payload)` (text / done / stopped / error), which the provider turns into
`StreamEvent`s on the loop.

The hook between tokens is a llama-cpp-python logits processor: it is called once per sampled token,
after the previous token was evaluated and before the next one is sampled, on this thread. That is
where pause *halts generation* (the thread parks there, so no token is computed while paused), where
the tokens are counted exactly (so usage is the model's real count, not an estimate, even though
streamed chunks carry none), and where cancel takes effect within one token (the model is made to
end its answer at once, then the generator is closed).
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from tui.stream.control import StreamController
from tui.stream.errors import StreamingError
from tui.stream.messages import ChatRequest, wire_messages
from tui.stream.providers.local_model import LoadedModel

Emit = Callable[[str, Any], bool]  # returns False once nobody is listening any more

_PARK_POLL = 0.05  # seconds between checks for "the consumer went away" while parked on pause
_MESSAGE_OVERHEAD = 6  # chat-template tokens around each message (<|im_start|>role\n ... <|im_end|>\n)


_running: weakref.WeakSet[Generation] = weakref.WeakSet()


@atexit.register
def _stop_all_at_exit() -> None:
    """Stop generations still running when the interpreter exits (a quit mid-answer): freeing the
    model while a daemon thread is inside llama.cpp would crash the process on its way out."""
    running = list(_running)
    for generation in running:
        generation.stop()
    for generation in running:
        generation.done.wait(2)


def to_llama_messages(request: ChatRequest) -> list[dict[str, str]]:
    """Chat messages for a plain chat template: tools are not offered, past tool use becomes text.
    A continuation's partial answer is the last message (see `Generation`: raw continuation)."""
    out: list[dict[str, str]] = []
    if request.system:
        out.append({"role": "system", "content": request.system})
    for message in wire_messages(request, prefill=True):
        if message.role == "tool":
            label = f"tool {message.name}" if message.name else "tool"
            out.append({"role": "user", "content": f"[{label} result]\n{message.content}"})
        elif message.role == "assistant":
            text = message.content
            for call in message.tool_calls:
                text += f"\n[called {call.name} with {call.arguments_raw or call.arguments}]"
            out.append({"role": "assistant", "content": text.strip()})
        else:
            out.append({"role": message.role, "content": message.text_with_context})
    return out


class Generation:
    """The thread side of one answer. Counters are public so tests and diagnostics can watch the work.

    `tokens`: tokens sampled so far (each one was computed by the model); `prompt_tokens`: prompt
    length as the model saw it; `parked`: set while the thread is halted by a pause; `done`: set when
    the work has finished (or was dropped before its turn). The `*_at` times are `time.perf_counter()`
    readings taken on the thread: first and latest token, and the end of the work.
    """

    def __init__(
        self,
        model: LoadedModel,
        messages: list[dict[str, str]],
        params: dict[str, Any],
        control: StreamController,
        emit: Emit,
        n_ctx: int,
        continue_answer: bool = False,
    ) -> None:
        self.model = model
        self.messages = messages
        # the last message is a partial answer: the model carries on from its last token (raw)
        self.continue_answer = continue_answer and bool(messages) and messages[-1]["role"] == "assistant"
        self.params = params
        self.control = control
        self.emit = emit
        self.n_ctx = n_ctx
        self.tokens = 0
        self.prompt_tokens: int | None = None
        self.chunks = 0
        self.finish_reason: str | None = None
        self.first_token_at: float | None = None
        self.last_token_at: float | None = None
        self.finished_at: float | None = None
        self.parked = threading.Event()
        self.done = threading.Event()
        self._stop = threading.Event()
        self._forced_end = False
        self._eos = model.llama.token_eos()
        self._job: Future[Any] | None = None

    # -- control from the event loop ---------------------------------------------------------
    def start(self) -> None:
        _running.add(self)
        self._job = self.model.worker.submit(self._run)

    def stop(self) -> None:
        """The consumer went away: stop at the next token (or never start, if still waiting)."""
        self._stop.set()
        if self._job is not None and self._job.cancel():  # it was still waiting for its turn
            self._finish()

    @property
    def halted(self) -> bool:
        return self._stop.is_set() or self.control.cancelled

    # -- the thread --------------------------------------------------------------------------
    def _run(self) -> None:
        """Runs on the model's worker thread, which serializes answers (see local_model)."""
        try:
            if self.halted:
                self.emit("stopped", self._usage())
                return
            self._generate()
        except Exception as exc:  # noqa: BLE001 - reported as an ERROR event, never a traceback
            self.emit("error", exc)
        finally:
            self._finish()

    def _finish(self) -> None:
        self.parked.clear()
        self.finished_at = time.perf_counter()
        self.done.set()
        _running.discard(self)

    def _generate(self) -> None:
        self._fit_context()
        self._wait_while_paused()
        if self.halted:
            self.emit("stopped", self._usage())
            return
        import llama_cpp

        processors = llama_cpp.LogitsProcessorList([self._between_tokens])
        if self.continue_answer:
            prompt, stop = self._continuation_prompt()
            chunks = self.model.llama.create_completion(
                prompt, stream=True, stop=stop, logits_processor=processors, **self.params
            )
        else:
            chunks = self.model.llama.create_chat_completion(
                messages=self.messages, stream=True, logits_processor=processors, **self.params
            )
        try:
            for chunk in chunks:
                choice = chunk["choices"][0]
                text = choice.get("text") if self.continue_answer else choice.get("delta", {}).get("content")
                if text:
                    self.chunks += 1
                    if not self.emit("text", text):
                        self._stop.set()
                if choice.get("finish_reason"):
                    self.finish_reason = choice["finish_reason"]
                if self.halted:
                    break
        finally:
            chunks.close()
        if self._forced_end or (self.halted and self.finish_reason is None):
            self.emit("stopped", self._usage())
        else:
            self.emit("done", {"usage": self._usage(), "stop_reason": self.finish_reason})

    def _continuation_prompt(self) -> tuple[str, Any]:
        """The conversation before the partial answer, formatted by the model's own chat template up
        to the start of the assistant's turn, then the partial answer itself with no end-of-turn: the
        model's next token continues it exactly."""
        from llama_cpp import llama_chat_format

        llama = self.model.llama
        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise StreamingError("the local model has no chat template, so it cannot continue an answer")
        eos, bos = llama.token_eos(), llama.token_bos()
        formatter = llama_chat_format.Jinja2ChatFormatter(
            template=template,
            eos_token=llama._model.token_get_text(eos) if eos != -1 else "",
            bos_token=llama._model.token_get_text(bos) if bos != -1 else "",
            stop_token_ids=[eos],
        )
        *before, partial = self.messages
        formatted = formatter(messages=before)  # type: ignore[arg-type]  # plain role/content dicts
        return formatted.prompt + partial["content"], formatted.stop

    def _between_tokens(self, input_ids: Any, scores: Any) -> Any:
        """Called by llama.cpp before each token is sampled (see the module docstring)."""
        if self.prompt_tokens is None:
            self.prompt_tokens = len(input_ids)
        self._wait_while_paused()
        if self.halted:
            self._forced_end = True
            scores[:] = float("-inf")  # only the end-of-answer token is left to choose
            scores[self._eos] = 0.0
            return scores
        self.tokens += 1
        self.last_token_at = time.perf_counter()
        if self.first_token_at is None:
            self.first_token_at = self.last_token_at
        return scores

    def _wait_while_paused(self) -> None:
        if not self.control.paused:
            return
        self.parked.set()
        try:
            while self.control.paused and not self.halted:
                self.control.wait_while_paused(_PARK_POLL)  # wakes at once on resume or cancel
        finally:
            self.parked.clear()

    def _usage(self) -> dict[str, int]:
        output = self.tokens
        if self.finish_reason == "stop" and not self._forced_end and output:
            output -= 1  # the end-of-answer token was sampled but is not part of the answer
        return {"input_tokens": self.prompt_tokens or 0, "output_tokens": output}

    def _fit_context(self) -> None:
        """Drop the oldest turns (never the system prompt or the last message) to fit the context,
        and shorten `max_tokens` to what is left, so a long chat keeps working instead of failing."""
        llama = self.model.llama
        sizes = [
            len(llama.tokenize(m["content"].encode("utf-8"), add_bos=False, special=False)) + _MESSAGE_OVERHEAD
            for m in self.messages
        ]
        wanted = self.params.get("max_tokens") or self.n_ctx // 4
        reserve = min(wanted, self.n_ctx // 2)
        while sum(sizes) + reserve > self.n_ctx:
            droppable = [i for i, m in enumerate(self.messages[:-1]) if m["role"] != "system"]
            if not droppable:
                break
            del self.messages[droppable[0]], sizes[droppable[0]]
        room = self.n_ctx - sum(sizes) - 8
        if room < 16:
            raise StreamingError(
                f"the message is too long for the local model's {self.n_ctx}-token context; "
                f"shorten it or use a hosted model"
            )
        self.params["max_tokens"] = max(1, min(wanted, room))
