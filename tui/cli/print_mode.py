"""`rill -p PROMPT`: one prompt, one streamed answer, for scripts and pipes.

The shape is the one every consumer of `tui.stream` follows: build the provider and the request,
wrap them in a `StreamRun`, and hand each event to a list of consumers (objects with `feed(event)`
and `finish(run)`). Printing text, printing JSON and reporting problems are consumers; saving the
exchange to history or running tools are added the same way, without touching the loop.

Exit status: 0 the answer completed; 1 it ended in an error, was cut off or was cancelled (Ctrl-C);
2 bad usage (empty prompt, unknown provider, missing API key). Problems are one line on stderr,
never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from typing import Any, Protocol, TextIO

from tui.config import Settings
from tui.cli.print_session import PrintSession, SessionError
from tui.stream.control import StreamController, StreamState
from tui.stream.errors import ConfigurationError, RillStreamError
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.messages import ChatRequest, Message
from tui.stream.providers import Provider, get_provider
from tui.stream.run import StreamRun
from tui.stream.snapshot import MessageSnapshot

EXIT_OK, EXIT_STREAM, EXIT_USAGE = 0, 1, 2
_CUT_OFF = {"length", "max_tokens", "max_output_tokens"}

# escape sequences (CSI, OSC) and control characters other than newline and tab: model text must
# never drive the terminal
_UNSAFE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class UsageError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Consumer(Protocol):
    def feed(self, event: StreamEvent) -> None: ...

    def finish(self, run: StreamRun) -> None: ...


def terminal_safe(text: str) -> str:
    return _UNSAFE.sub("", text)


# -- consumers --------------------------------------------------------------------------------------
class TextPrinter:
    """Answer text to `out` as it arrives; thinking and tool calls to `err`."""

    def __init__(self, out: TextIO, err: TextIO, *, show_thinking: bool = True) -> None:
        self.out, self.err = out, err
        self.show_thinking = show_thinking
        self._clean_out = _cleaner(out)
        self._clean_err = _cleaner(err)
        self._last_text = ""
        self._thinking_open = False

    def feed(self, event: StreamEvent) -> None:
        kind = event.type
        if kind is StreamEventType.DELTA:
            self._close_thinking()
            self._last_text = event.content
            self.out.write(self._clean_out(event.content))
            self.out.flush()
        elif kind is StreamEventType.THINKING and self.show_thinking:
            self._thinking_open = True
            self.err.write(self._clean_err(event.content))
            self.err.flush()
        elif kind is StreamEventType.TOOL_CALL:
            self._close_thinking()
            arguments = json.dumps(event.meta("arguments") or {}, ensure_ascii=False)
            self.err.write(self._clean_err(f"[tool call] {event.meta('name')}({arguments}) id={event.meta('id')}")
                           + "\n")
            self.err.flush()

        elif kind is StreamEventType.TOOL_RESULT:
            status = "failed" if event.meta("is_error") else "result"
            summary = " ".join(event.content.split())[:200]
            self.err.write(self._clean_err(f"[tool {status}] {event.meta('name')}: {summary}") + "\n")
            self.err.flush()

    def _close_thinking(self) -> None:
        if self._thinking_open:
            self._thinking_open = False
            self.err.write("\n")
            self.err.flush()

    def finish(self, run: StreamRun) -> None:
        self._close_thinking()
        if self._last_text and not self._last_text.endswith("\n"):
            self.out.write("\n")  # keep the shell prompt off the answer's last line
        self.out.flush()


class JsonPrinter:
    """Nothing while streaming; then exactly one JSON object (the corpus' expected.json shape).

    With tools an exchange has several model rounds; the object describes the whole exchange: all
    answer text and tool calls in order, usage summed over the rounds, the last round's stop reason.
    Call indexes restart in each round, so they are shifted to stay distinct.
    """

    _CALL_EVENTS = frozenset({StreamEventType.TOOL_CALL_START, StreamEventType.TOOL_CALL_DELTA,
                              StreamEventType.TOOL_CALL, StreamEventType.TOOL_RESULT})

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.snapshot = MessageSnapshot()
        self._round = 1
        self._offsets = {1: 0}  # round -> index of its first tool call in the whole exchange
        self._usage: dict[int, dict[str, int]] = {}

    def feed(self, event: StreamEvent) -> None:
        kind = event.type
        if kind is StreamEventType.END and event.meta("final") is False:
            self._round = event.meta("round", self._round) + 1
            self._offsets[self._round] = len(self.snapshot.tool_calls)
            return
        if kind in self._CALL_EVENTS:
            offset = self._offsets.get(event.meta("round", self._round), 0)
            event = StreamEvent(kind, event.content, event.index + offset, event.metadata, event.timestamp)
        elif kind is StreamEventType.METADATA and event.meta("usage") is not None:
            self._usage[self._round] = dict(event.meta("usage"))
        self.snapshot.apply(event)

    def finish(self, run: Any) -> None:
        result = self.snapshot.to_dict()
        if len(self._usage) > 1:
            result["usage"] = {key: sum(u.get(key) or 0 for u in self._usage.values())
                               for key in ("input_tokens", "output_tokens")}
        self.out.write(json.dumps(result, ensure_ascii=False) + "\n")
        self.out.flush()


class StatusReporter:
    """Retries while connecting, then how the stream ended, as one line each on `err`."""

    def __init__(self, err: TextIO) -> None:
        self.err = err

    def feed(self, event: StreamEvent) -> None:
        if event.type is StreamEventType.METADATA and event.meta("status") == "loading model":
            self._say(f"loading the local model {event.meta('model_path')} …")
        elif event.type is StreamEventType.METADATA and event.meta("retry"):
            self._say(f"retrying in {event.meta('delay'):.1f} s (attempt {event.meta('retry')} of "
                      f"{event.meta('max_retries', '?')}): {event.meta('reason')}")

    def finish(self, run: StreamRun) -> None:
        snapshot, state = run.snapshot, run.state
        if snapshot.refusal:  # not answer text (so not on stdout), but a person must see it
            self._say(f"the model refused: {snapshot.refusal}")
        if state is StreamState.CANCELLED:
            self._say("cancelled; the partial answer is kept above")
        elif snapshot.error:
            error = snapshot.error.get("exception")
            if isinstance(error, RillStreamError):
                self._say(error.message)
            else:
                kind = snapshot.error.get("type")
                self._say(f"the provider reported an error{f' ({kind})' if kind else ''}: {snapshot.error.get('message')}")
        elif not snapshot.complete:
            self._say("the answer is incomplete: the stream ended before the provider's end marker")
        elif snapshot.stop_reason in _CUT_OFF:
            self._say(f"the answer was cut off at the token limit (stop reason {snapshot.stop_reason}); "
                      "raise --max-tokens for more")

    def _say(self, line: str) -> None:
        self.err.write("rill: " + " ".join(terminal_safe(line).split()) + "\n")
        self.err.flush()


def _cleaner(stream: TextIO):
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return terminal_safe if tty else (lambda text: text)


# -- building ---------------------------------------------------------------------------------------
def read_prompt(prompt: str, stdin: TextIO) -> str:
    if prompt == "-":
        try:
            prompt = stdin.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the prompt from stdin ({exc})") from None
    if not prompt.strip():
        raise UsageError("the prompt is empty: give it after -p, or use -p - and pipe it in")
    return prompt


def build_provider(settings: Settings) -> Provider:
    name = settings.resolve_provider()
    try:
        return get_provider(name, **settings.provider_options())
    except ImportError as exc:
        raise ConfigurationError(f"the {name} provider is not available ({exc}); "
                                 "install its extra or choose another --provider") from None


def build_consumers(args: Any, out: TextIO, err: TextIO) -> list[Consumer]:
    printer = JsonPrinter(out) if args.json else TextPrinter(out, err, show_thinking=not args.no_thinking)
    return [printer, StatusReporter(err)]


# -- running ----------------------------------------------------------------------------------------
def run_print_mode(args: Any, settings: Settings, *, stdin: TextIO | None = None, stdout: TextIO | None = None,
                   stderr: TextIO | None = None) -> int:
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    session = None
    try:
        prompt = read_prompt(args.prompt, stdin)
        provider = build_provider(settings)
        session = PrintSession.open(args, settings, prompt, provider, stdin=stdin, err=stderr)
    except (UsageError, ConfigurationError, SessionError) as exc:
        stderr.write(f"rill: {exc.message}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:  # Ctrl-C while typing or piping the prompt
        stderr.write("rill: cancelled\n")
        return EXIT_STREAM
    consumers = build_consumers(args, stdout, stderr) + session.consumers
    try:
        return asyncio.run(stream_answer(provider, session.request, consumers, session=session))
    except KeyboardInterrupt:  # the instant before the stream's own Ctrl-C handling is in place
        stderr.write("rill: cancelled\n")
        return EXIT_STREAM
    finally:
        session.close()


async def stream_answer(provider: Provider, request: ChatRequest, consumers: list[Consumer],
                        controller: StreamController | None = None, session: PrintSession | None = None) -> int:
    """Run one exchange through the consumers; Ctrl-C cancels it cleanly. Returns the exit status.

    With tools to run, the exchange is a `ChatStream` (model rounds with tool calls in between);
    otherwise one `StreamRun`. Both deliver the same events and end in the same states.
    """
    controller = controller or StreamController()
    if session is not None and session.runs_tools:
        run: Any = session.chat_stream(provider, controller)
    else:
        run = StreamRun.from_provider(provider, request, controller=controller)
    with _sigint_cancels(controller):
        try:
            async for event in run.events():
                for consumer in consumers:
                    consumer.feed(event)
        except BrokenPipeError:  # `rill -p ... | head`: the reader left; stop quietly
            controller.cancel()
            _silence_stdout()
            return EXIT_STREAM
        finally:
            await provider.aclose()
    try:
        for consumer in consumers:
            consumer.finish(run)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_STREAM
    return EXIT_OK if run.state is StreamState.COMPLETED else EXIT_STREAM


@contextlib.contextmanager
def _sigint_cancels(controller: StreamController):
    """Ctrl-C cancels the stream (partial output kept); a second Ctrl-C leaves at once."""
    loop = asyncio.get_running_loop()

    def on_sigint() -> None:
        if controller.cancelled:
            os._exit(130)
        controller.cancel()

    try:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
