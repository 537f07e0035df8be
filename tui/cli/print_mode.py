"""`rill -p PROMPT`: one prompt, one streamed answer, for scripts and pipes.

The shape is the one every consumer of `tui.stream` follows: build the provider and the exchange
(a `ChatStream`: one model round, or several with tool calls in between), and hand each event to a
list of consumers (objects with `feed(event)` and `finish(run)`). Printing text, printing JSON,
reporting problems and saving the exchange to history are consumers; they are fed in order and
finished in reverse order (the history is saved first, then the output is completed).

Output is never a way for the model to drive the terminal: text is sanitized (`tui.stream.sanitize`)
whether stdout is a terminal, a pipe or a file, and `--json` escapes every control character. No
configured secret is printed (`tui.stream.secrets.redact`). A stdout that is closed, full or left by
its reader does not stop the exchange from being saved (`output.Sink`).

Exit status: 0 the answer completed; 1 it ended in an error or was cut off, or the answer could not
be printed; 2 bad usage (empty prompt, unknown provider, missing API key); 128+N when signal N
(Ctrl-C, SIGTERM, SIGHUP) stopped it: the partial answer is kept, printed and saved as cancelled.
Problems are one line on stderr, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any, Protocol, TextIO

from tui.cli.output import Sink, TextOut, say
from tui.cli.print_session import PrintSession, SessionError
from tui.cli.signals import Stopped, StopSignals
from tui.config import Settings, make_provider
from tui.stream.attachments import load_attachments
from tui.stream.control import StreamController, StreamState
from tui.stream.errors import ConfigurationError, RillStreamError, ToolExecutionAbortError
from tui.stream.events import HOSTED_TOOL_TYPES, StreamEvent, StreamEventType
from tui.stream.hosted import INCOMPLETE, RUNNING, Citation, ServerToolCall, add_citation, fold_hosted_event, references
from tui.stream.providers import Provider
from tui.stream.sanitize import StreamSanitizer, one_line, safe_json
from tui.stream.secrets import redact
from tui.stream.snapshot import MessageSnapshot

EXIT_OK, EXIT_STREAM, EXIT_USAGE = 0, 1, 2
_CUT_OFF = {"length", "max_tokens", "max_output_tokens"}
_CONTENT = frozenset(
    {
        StreamEventType.DELTA,
        StreamEventType.THINKING,
        StreamEventType.TOOL_CALL_START,
        StreamEventType.TOOL_CALL,
        StreamEventType.ERROR,
        StreamEventType.END,
    }
)


class UsageError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Consumer(Protocol):
    def feed(self, event: StreamEvent) -> None: ...

    def finish(self, run: Any) -> None: ...


# -- consumers --------------------------------------------------------------------------------------
class TextPrinter:
    """Answer text to `out` as it arrives; thinking and tool calls to `err`. Both sanitized, always."""

    def __init__(self, out: TextOut, err: TextOut, *, show_thinking: bool = True) -> None:
        self.out, self.err = out, err
        self.show_thinking = show_thinking
        self._text, self._thinking = StreamSanitizer(), StreamSanitizer()
        self._last_text = ""
        self._thinking_open = False
        self._citations: list[Citation] = []
        self._hosted: dict[str, ServerToolCall] = {}
        self._reported: set[str] = set()

    def feed(self, event: StreamEvent) -> None:
        kind = event.type
        if kind is StreamEventType.DELTA:
            self._close_thinking()
            if len(self._reported) < len(self._hosted):
                self._report_hosted(everything=False)
            self._write(self.out, self._text.feed(event.content))
        elif kind is StreamEventType.THINKING and self.show_thinking:
            self._thinking_open = True
            self._write(self.err, self._thinking.feed(event.content))
        elif kind is StreamEventType.TOOL_CALL:
            self._close_thinking()
            arguments = json.dumps(event.meta("arguments") or {}, ensure_ascii=False)
            self._write(
                self.err, one_line(f"[tool call] {event.meta('name')}({arguments}) id={event.meta('id')}") + "\n"
            )
        elif kind is StreamEventType.TOOL_RESULT:
            status = "failed" if event.meta("is_error") else "result"
            self._write(self.err, one_line(f"[tool {status}] {event.meta('name')}: {event.content}")[:240] + "\n")
        elif kind in HOSTED_TOOL_TYPES:
            fold_hosted_event(self._hosted, event, event.timestamp)
        elif kind is StreamEventType.CITATION:
            add_citation(self._citations, event.metadata or {})

    def _write(self, stream: TextOut, text: str) -> None:
        if text:
            if stream is self.out:
                self._last_text = text
            stream.write(text)
            stream.flush()

    def _report_hosted(self, *, everything: bool) -> None:
        """One line per provider-run call on `err`, once it has ended (its results known)."""
        for key, call in self._hosted.items():
            if key in self._reported or (call.status == RUNNING and not everything):
                continue
            self._reported.add(key)
            about = f"{call.name or 'hosted tool'}{f' {call.query!r}' if call.query else ''}"
            status = call.summary() if call.status != RUNNING else INCOMPLETE
            self._write(self.err, one_line(f"[hosted] {about}: {status}")[:240] + "\n")

    def _close_thinking(self) -> None:
        if self._thinking_open:
            self._thinking_open = False
            self._write(self.err, self._thinking.flush() + "\n")

    def finish(self, run: Any) -> None:
        self._close_thinking()
        self._report_hosted(everything=True)
        self._write(self.out, self._text.flush())
        if self._last_text and not self._last_text.endswith("\n"):
            self._write(self.out, "\n")  # keep the shell prompt off the answer's last line
        if self._citations:  # the sources go with the notes on stderr: stdout stays the answer
            lines = [one_line(f"[{c.number}] {c.label}") for c in references(self._citations)]
            self._write(self.err, "Sources:\n" + "\n".join(lines) + "\n")


class JsonPrinter:
    """Nothing while streaming; then exactly one JSON object (the corpus' expected.json shape).

    With tools an exchange has several model rounds; the object describes the whole exchange: all
    answer text and tool calls in order, usage summed over the rounds, the last round's stop reason.
    Call indexes restart in each round, so they are shifted to stay distinct.
    """

    _CALL_EVENTS = frozenset(
        {
            StreamEventType.TOOL_CALL_START,
            StreamEventType.TOOL_CALL_DELTA,
            StreamEventType.TOOL_CALL,
            StreamEventType.TOOL_RESULT,
        }
    )

    def __init__(self, out: TextOut) -> None:
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
            result["usage"] = {
                key: sum(u.get(key) or 0 for u in self._usage.values()) for key in ("input_tokens", "output_tokens")
            }
        self.out.write(redact(safe_json(result)) + "\n")
        self.out.flush()


class StatusReporter:
    """What the stream is doing before it answers, and how it ended, on `err`.

    Retries and "loading model" are one line each. Other waiting statuses (a provider's METADATA
    `status`: waiting for a first byte, say) are shown only on a terminal, as one line rewritten in
    place and erased when the answer begins. Every line is sanitized and redacted.
    """

    def __init__(self, err: TextOut, out: TextOut | None = None) -> None:
        self.err = err
        self.out = out  # a reader that left stdout on purpose (`| head`) needs no "cancelled" line
        self._live = False  # a status line is on screen, without its newline

    def feed(self, event: StreamEvent) -> None:
        if event.type is StreamEventType.METADATA:
            status = event.meta("status")
            if status == "loading model":
                self._say(f"loading the local model {event.meta('model_path')} …")
            elif event.meta("retry"):
                self._say(
                    f"retrying in {event.meta('delay'):.1f} s (attempt {event.meta('retry')} of "
                    f"{event.meta('max_retries', '?')}): {event.meta('reason')}"
                )
            elif isinstance(status, str) and status and status != "model loaded":
                self._show(status)
        elif event.type in _CONTENT:
            self._erase()

    def finish(self, run: Any) -> None:
        self._erase()
        snapshot, state = run.snapshot, run.state
        if snapshot.refusal:  # not answer text (so not on stdout), but a person must see it
            self._say(f"the model refused: {snapshot.refusal}")
        if state is StreamState.CANCELLED:
            if not getattr(self.out, "reader_left", False):
                self._say("cancelled; the partial answer is kept above")
        elif snapshot.error:
            error = snapshot.error.get("exception")
            if isinstance(error, RillStreamError):
                self._say(error.message)
            else:
                kind = snapshot.error.get("type")
                self._say(
                    f"the provider reported an error{f' ({kind})' if kind else ''}: {snapshot.error.get('message')}"
                )
        elif not snapshot.complete:
            self._say("the answer is incomplete: the stream ended before the provider's end marker")
        elif snapshot.stop_reason in _CUT_OFF:
            self._say(
                f"the answer was cut off at the token limit (stop reason {snapshot.stop_reason}); "
                "raise --max-tokens for more"
            )

    def _show(self, status: str) -> None:
        if self.err.isatty():
            self.err.write(f"\r\x1b[Krill: {redact(one_line(status))} …")
            self.err.flush()
            self._live = True

    def _erase(self) -> None:
        if self._live:
            self._live = False
            self.err.write("\r\x1b[K")
            self.err.flush()

    def _say(self, line: str) -> None:
        self._erase()
        say(self.err, redact(one_line(line)))


# -- building ---------------------------------------------------------------------------------------
def valid_text(text: str) -> tuple[str, bool]:
    """`text` made encodable as UTF-8: bytes that were not UTF-8 (they arrive as lone surrogates from
    the command line or stdin) become U+FFFD. The flag says whether anything was replaced."""
    try:
        text.encode("utf-8")
        return text, False
    except UnicodeEncodeError:
        pass
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace"), True


def read_prompt(prompt: str, stdin: TextIO | None, err: TextOut | None = None) -> str:
    if prompt == "-":
        if stdin is None:
            raise UsageError("stdin is closed, so -p - has no prompt to read: give the prompt after -p")
        try:
            prompt = stdin.read()
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise UsageError(f"cannot read the prompt from stdin ({exc})") from None
    prompt, replaced = valid_text(prompt)
    if replaced:
        say(err, "the prompt is not valid UTF-8; the bytes that are not were replaced by U+FFFD (�)")
    if not prompt.strip():
        raise UsageError("the prompt is empty: give it after -p, or use -p - and pipe it in")
    return prompt


def build_consumers(args: Any, out: TextOut, err: TextOut) -> list[Consumer]:
    """The status line first (it erases itself before anything else writes), then the printer."""
    printer: Consumer = JsonPrinter(out) if args.json else TextPrinter(out, err, show_thinking=not args.no_thinking)
    return [StatusReporter(err, out), printer]


# -- running ----------------------------------------------------------------------------------------
def run_print_mode(
    args: Any,
    settings: Settings,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    stdin = stdin if stdin is not None else sys.stdin
    err = Sink(stderr if stderr is not None else sys.stderr, "stderr")
    controller = StreamController()
    out = Sink(stdout if stdout is not None else sys.stdout, "stdout", err=err, on_gone=controller.cancel)
    with StopSignals() as signals:
        session = None
        try:
            prompt = read_prompt(args.prompt, stdin, err)
            if settings.system is not None:
                settings.system = valid_text(settings.system)[0]
            attachments = load_attachments(getattr(args, "attach", None) or [])
            provider = make_provider(settings)
            provider.check_attachments(attachments)
            session = PrintSession.open(args, settings, prompt, provider, stdin=stdin, err=err, attachments=attachments)
            signals.stop_raising()
        except (UsageError, ConfigurationError, SessionError) as exc:
            say(err, exc.message)
            return EXIT_USAGE
        except Stopped as stop:  # a signal while typing or piping the prompt: nothing was sent
            say(err, f"cancelled ({stop})")
            return 128 + stop.signum
        consumers = build_consumers(args, out, err) + session.consumers
        try:
            status = asyncio.run(stream_answer(session, provider, consumers, controller, signals=signals))
        finally:
            session.close()
    if signals.exit_status is not None:
        return signals.exit_status
    return EXIT_STREAM if out.failed else status


async def stream_answer(
    session: PrintSession,
    provider: Provider,
    consumers: list[Consumer],
    controller: StreamController | None = None,
    *,
    signals: StopSignals | None = None,
) -> int:
    """Run one exchange through the consumers; a stop signal cancels it cleanly. Returns the exit status.

    The exchange is always a `ChatStream`: with no tools to run it is one model round.
    """
    controller = controller or StreamController()
    if signals is not None:
        signals.attach(controller, asyncio.get_running_loop())
    stream = session.chat_stream(provider, controller)
    try:
        async for event in stream.events():
            for consumer in consumers:
                consumer.feed(event)
    except ToolExecutionAbortError:  # a tool ended the exchange: its message is the snapshot's error
        pass
    finally:
        if signals is not None:
            signals.detach()
        await stream.aclose()
        await provider.aclose()
    for consumer in reversed(consumers):  # the history first: a failing printer cannot cost the save
        consumer.finish(stream)
    return EXIT_OK if stream.state is StreamState.COMPLETED else EXIT_STREAM
