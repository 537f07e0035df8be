"""What one `rill -p` exchange is about besides streaming: the conversation it continues, where it is
saved, and which tools the model may call.

Kept out of print_mode.py so that file stays about streaming and printing. A history problem never
costs the answer: when the database cannot be used the answer is still streamed and printed, with a
one-line warning that it was not saved. Only asking for a conversation that cannot be read
(`--cid`, `-c`) is a usage error, because then the prompt would be sent without its context.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from tui.builtin_tools import enabled_tools
from tui.cli.output import TextOut, say
from tui.config import Settings
from tui.history import Exchange, HistoryError, HistoryStore
from tui.stream.attachments import Attachment
from tui.stream.chat import DEFAULT_MAX_ROUNDS, Chat, ChatStream
from tui.stream.control import StreamController, StreamState
from tui.stream.messages import ChatRequest, Message, ToolCall
from tui.stream.providers import Provider
from tui.stream.sanitize import one_line, safe_json
from tui.stream.tools import Tool, as_tool


class SessionError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PrintSession:
    def __init__(
        self,
        request: ChatRequest,
        tools: list[Tool],
        *,
        runs_tools: bool,
        store: HistoryStore | None,
        exchange: Exchange | None,
        stdin: TextIO | None,
        err: TextOut,
    ) -> None:
        self.request = request
        self.tools = tools
        self.runs_tools = runs_tools and bool(tools)
        self.store = store
        self.exchange = exchange
        self.stdin = stdin
        self.err = err
        self.consumers: list[Any] = [exchange] if exchange is not None else []
        self._controller: StreamController | None = None

    @classmethod
    def open(
        cls,
        args: Any,
        settings: Settings,
        prompt: str,
        provider: Provider,
        *,
        stdin: TextIO | None,
        err: TextOut,
        attachments: Sequence[Attachment] = (),
    ) -> PrintSession:
        try:
            tools = [as_tool(fn) for fn in enabled_tools(settings.tools)]
        except ValueError as exc:
            raise SessionError(f"{settings.config_path}: {exc}") from None
        cid = getattr(args, "cid", None)
        continue_latest = bool(getattr(args, "continue_latest", False))
        no_history = bool(getattr(args, "no_history", False))
        continuing = bool(cid or continue_latest)
        store = _open_store(settings, err, required=continuing, saving=not no_history)
        messages = [Message("user", prompt, attachments=list(attachments))]
        system = settings.system
        exchange = None
        if store is not None and not no_history:
            try:
                exchange = Exchange.start(
                    store,
                    prompt,
                    cid=cid,
                    continue_latest=continue_latest,
                    provider=provider.name,
                    model=provider.model,
                    system=settings.system,
                    err=err,
                    attachments=attachments,
                )
            except HistoryError as exc:
                if continuing:
                    store.close()
                    raise SessionError(exc.message) from None
                say(err, f"history is unavailable, this answer will not be saved: {exc.message}")
            else:
                messages, system = exchange.messages, exchange.system
        elif store is not None:  # --no-history with -c/--cid: read the context, save nothing
            conversation = store.get_conversation(cid) if cid else store.latest_conversation()
            if cid and conversation is None:
                store.close()
                raise SessionError(f"no conversation with id {cid} in {store.path} (see `rill history`)")
            if conversation is not None:
                messages = store.to_chat_messages(conversation.id) + messages
                system = settings.system if settings.system is not None else conversation.system
        request = ChatRequest(
            messages=messages,
            system=system,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            tools=[tool.spec for tool in tools],
        )
        return cls(
            request,
            tools,
            runs_tools=not getattr(args, "no_tools", False),
            store=store,
            exchange=exchange,
            stdin=stdin,
            err=err,
        )

    def chat_stream(self, provider: Provider, controller: StreamController) -> ChatStream:
        """The exchange: with no tools to run (none enabled, or --no-tools) it is one model round,
        and tool calls the model makes anyway are reported, not run."""
        self._controller = controller
        chat = Chat(
            self.request.messages,
            provider=provider,
            system=self.request.system,
            max_tokens=self.request.max_tokens,
            temperature=self.request.temperature,
            tools=self.tools,
        )
        return chat.complete_stream(
            controller=controller, confirm=self.confirm, max_rounds=DEFAULT_MAX_ROUNDS if self.runs_tools else 1
        )

    async def confirm(self, call: ToolCall, tool: Tool) -> bool:
        """Ask on the terminal before a tool that needs consent; with nobody to ask, the answer is no.
        The question shows the model's arguments escaped (`consent_question`), and a cancel (Ctrl-C)
        while it waits is a no."""
        if not _interactive(self.stdin, self.err) or self.stdin is None:
            say(self.err, f"{one_line(call.name)} needs your consent and there is no terminal to ask: denied")
            return False
        self.err.write(consent_question(call))
        self.err.flush()
        answer = await _read_line(self.stdin, self._controller)
        if answer is None:
            self.err.write("\n")
            return False
        return answer.strip().lower() in ("y", "yes")

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def consent_question(call: ToolCall) -> str:
    """The arguments exactly as the tool gets them, with each control or bidi character shown as its
    JSON escape: nothing in them can move the cursor or reorder what the person approves."""
    return f"rill: allow {one_line(call.name)}({safe_json(call.arguments)})? [y/N] "


async def _read_line(stdin: TextIO, controller: StreamController | None) -> str | None:
    """A line from the terminal, or None when the exchange is cancelled first. Read in the event
    loop (no thread is left blocked on the terminal after a cancel)."""
    loop = asyncio.get_running_loop()
    line: asyncio.Future[str] = loop.create_future()
    fd = stdin.fileno()

    def readable() -> None:
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        if not line.done():
            line.set_result(data.decode("utf-8", "replace"))

    cancelled = asyncio.Event()

    def on_change(state: StreamState) -> None:
        if state is StreamState.CANCELLED or (controller is not None and controller.cancelled):
            loop.call_soon_threadsafe(cancelled.set)

    if controller is not None and controller.cancelled:
        return None
    remove = controller.add_listener(on_change) if controller is not None else (lambda: None)
    loop.add_reader(fd, readable)
    waiter = asyncio.ensure_future(cancelled.wait())
    either: set[asyncio.Future[Any]] = {line, waiter}
    try:
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    finally:
        loop.remove_reader(fd)
        waiter.cancel()
        remove()
    return line.result() if line.done() else None


def _open_store(settings: Settings, err: TextOut, *, required: bool, saving: bool) -> HistoryStore | None:
    if not (required or saving):
        return None
    try:
        return HistoryStore(settings.db_path)
    except HistoryError as exc:
        if required:
            raise SessionError(exc.message) from None
        say(err, f"history is unavailable, this answer will not be saved: {exc.message}")
        return None


def _interactive(stdin: TextIO | None, err: TextOut) -> bool:
    try:
        return stdin is sys.stdin and stdin.isatty() and err.isatty()
    except (AttributeError, ValueError):
        return False
