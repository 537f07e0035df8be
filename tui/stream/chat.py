"""`Chat` (a conversation value) and `ChatStream` (one streamed exchange with automatic tool rounds).

An exchange is one or more rounds: the model streams; if it asks for tools they run, their results
go back, and the model streams on, up to `max_rounds` model calls. Each round is a `StreamRun` (the
one pipeline) under one shared `StreamController`, so pause and cancel apply to the whole exchange,
tool execution included, and one `StreamStats` covers it all. With no tools an exchange is exactly
one round: the same events, snapshot, stats and end states as a single `StreamRun` (a tool call the
model makes anyway is kept in the answer, not run), so a program needs one path for both.

A `ChatStream` is a `DrivenStream`: `consume(stream, consumers)` drives handlers, the history
recorder or any `StreamConsumer` through it, like a `StreamRun`.

The exchange is pulled, never pushed: every view (`events()`, `content`, `content_delta`,
`thinking`, `thinking_delta`, `await stream.chat`) reads the same single cursor, so views can be
used one after the other and nothing is seen twice or lost. A view only yields what it is about and
skips (drains) the rest: iterate `content_delta` without `thinking_delta` and the thinking is still
recorded, never blocking. The thinking views stop where the answer starts. Leaving `content`,
`content_delta` or `events()` early (a `break`) cancels the exchange; `await stream.chat` then
raises `StreamIncompleteError` while `stream.snapshot` keeps the partial answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from functools import partial
from typing import Any

from tui.stream.chat_views import ChatView, answer_begins
from tui.stream.control import StreamController, StreamState
from tui.stream.errors import StreamIncompleteError, ToolExecutionAbortError
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.messages import ChatRequest, Message, ToolCall
from tui.stream.run import DEFAULT_BUFFER_LIMIT, Processor, StreamRun
from tui.stream.snapshot import MessageSnapshot
from tui.stream.stats import StreamStats
from tui.stream.tool_calls import DENIED, Confirm, execute_call
from tui.stream.tools import Tool, ToolResult, as_tool

DEFAULT_MAX_ROUNDS = 8
ToolStarted = Callable[[ToolCall, int], None]  # a call's tool begins to run: (the call, its index in the round)
__all__ = ["DENIED", "Chat", "ChatStream", "DEFAULT_MAX_ROUNDS"]
_E = StreamEventType


class Chat:
    """Messages plus what to send them to (provider, model, system prompt, tools). Methods that
    change a chat return a new one; the original is never modified."""

    def __init__(
        self,
        messages: Iterable[Message] = (),
        *,
        provider: Any,
        model: str | None = None,
        system: str | None = None,
        tools: Iterable[Tool | Callable[..., Any]] = (),
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> None:
        if isinstance(provider, str):
            from tui.stream.providers import get_provider

            provider = get_provider(provider)
        self.messages: list[Message] = list(messages)
        self.provider = provider
        self.model = model
        self.system = system
        self.tools: list[Tool] = [as_tool(t) for t in tools]
        names = [t.name for t in self.tools]
        if len(set(names)) != len(names):
            raise ValueError(f"two tools share a name: {sorted(n for n in names if names.count(n) > 1)[0]}")
        self.max_tokens = max_tokens
        self.temperature = temperature

    @classmethod
    def from_request(
        cls, request: ChatRequest, *, provider: Any, tools: Iterable[Tool | Callable[..., Any]] = ()
    ) -> Chat:
        """The chat a request describes (messages, model, system, limits), with runnable `tools`
        (a request only names its tools; pass none and the exchange is one plain round)."""
        return cls(
            request.messages,
            provider=provider,
            model=request.model,
            system=request.system,
            tools=tools,
            max_tokens=request.max_tokens,
            temperature=request.temperature,
        )

    def _copy(self, **changes: Any) -> Chat:
        values = dict(
            messages=self.messages,
            provider=self.provider,
            model=self.model,
            system=self.system,
            tools=self.tools,
            max_tokens=self.max_tokens,
            temperature=self.temperature,
        )
        values.update(changes)
        return Chat(values.pop("messages"), **values)

    def with_tools(self, tools: Iterable[Tool | Callable[..., Any]]) -> Chat:
        return self._copy(tools=[*self.tools, *tools])

    def with_message(self, message: Message | str, role: str = "user") -> Chat:
        """A new chat with one more message (a string becomes a `role` message, user by default)."""
        if isinstance(message, str):
            message = Message(role=role, content=message)  # type: ignore[arg-type]
        return self._copy(messages=[*self.messages, message])

    @property
    def last_message(self) -> Message | None:
        return self.messages[-1] if self.messages else None

    @property
    def text(self) -> str:
        """The last assistant message's text ("" when there is none)."""
        for message in reversed(self.messages):
            if message.role == "assistant":
                return message.content
        return ""

    def tool(self, name: str) -> Tool | None:
        return next((t for t in self.tools if t.name == name), None)

    def request(self, messages: list[Message] | None = None) -> ChatRequest:
        return ChatRequest(
            messages=list(self.messages if messages is None else messages),
            model=self.model,
            system=self.system,
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            tools=[t.spec for t in self.tools],
        )

    def complete_stream(
        self,
        *,
        controller: StreamController | None = None,
        confirm: Confirm | None = None,
        max_rounds: int = DEFAULT_MAX_ROUNDS,
        processors: Iterable[Processor] = (),
        stats: StreamStats | None = None,
        buffer_limit: int = DEFAULT_BUFFER_LIMIT,
        on_tool_start: ToolStarted | None = None,
        continue_answer: bool = False,
    ) -> ChatStream:
        """The exchange as a stream (see the module doc); with no tools, exactly one `StreamRun`.

        `on_tool_start(call, index)` is called when a call's tool begins to run (after the person
        allowed it, if it asks first). `continue_answer`: the chat ends with a partial assistant answer
        (cancelled, interrupted, cut at max_tokens) and the model carries on from its end; the events
        are the new text only, and the answer in `new_messages` is the whole one (partial +
        continuation)."""
        return ChatStream(
            self,
            controller=controller,
            confirm=confirm,
            max_rounds=max_rounds,
            processors=processors,
            stats=stats,
            buffer_limit=buffer_limit,
            on_tool_start=on_tool_start,
            continue_answer=continue_answer,
        )

    async def complete(self, **kwargs: Any) -> Chat:
        """Run the exchange to its end and return the resulting chat."""
        async with self.complete_stream(**kwargs) as stream:
            return await stream.chat

    def __repr__(self) -> str:
        return f"Chat({len(self.messages)} messages, provider={getattr(self.provider, 'name', self.provider)!r})"


class ChatStream:
    """One exchange in progress; see the module doc. Use as `async with chat.complete_stream() as s`."""

    def __init__(
        self,
        chat: Chat,
        *,
        controller: StreamController | None = None,
        confirm: Confirm | None = None,
        max_rounds: int = DEFAULT_MAX_ROUNDS,
        processors: Iterable[Processor] = (),
        stats: StreamStats | None = None,
        buffer_limit: int = DEFAULT_BUFFER_LIMIT,
        on_tool_start: ToolStarted | None = None,
        continue_answer: bool = False,
    ) -> None:
        if max_rounds < 1:
            raise ValueError("max_rounds must be at least 1")
        last = chat.last_message
        if continue_answer and (last is None or last.role != "assistant" or not last.content.strip()):
            raise ValueError("nothing to continue: the chat must end with an assistant answer that has text")
        self.continue_answer = continue_answer
        self._chat = chat
        self.controller = controller or StreamController()
        self.confirm = confirm
        self.max_rounds = max_rounds
        self.processors = list(processors)
        self.buffer_limit = buffer_limit
        self.on_tool_start = on_tool_start
        self.stats = stats or StreamStats()  # the whole exchange (a custom clock: pass your own)
        self.snapshot = MessageSnapshot()  # the current round's answer
        self.round = 0
        self.rounds_exhausted = False  # the model still wanted tools when max_rounds was reached
        self.new_messages: list[Message] = []  # assistant and tool messages added by this exchange
        self._content = ""
        self._thinking = ""
        self._pushback: list[StreamEvent] = []
        self._driver = self._drive()
        self._lock = asyncio.Lock()
        self._finished = False
        self._final_state: StreamState | None = None
        self._abort: BaseException | None = None

    # -- control and state -------------------------------------------------------------------
    @property
    def state(self) -> StreamState:
        return self.controller.state

    def pause(self) -> bool:
        return self.controller.pause()

    def resume(self) -> bool:
        return self.controller.resume()

    def cancel(self) -> bool:
        return self.controller.cancel()

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def final_state(self) -> StreamState | None:
        """How the exchange ended (None while it runs): COMPLETED, CANCELLED, FAILED or INTERRUPTED."""
        return self._final_state

    @property
    def chat_so_far(self) -> Chat:
        """The starting chat plus the messages this exchange has added so far (whole rounds)."""
        before = self._chat.messages
        if self.continue_answer and self.new_messages:  # the first new answer is the partial, carried on
            before = before[:-1]
        return self._chat._copy(messages=[*before, *self.new_messages])

    async def __aenter__(self) -> ChatStream:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the exchange (cancelling it if unfinished) and close its connection."""
        if not self._finished:
            self.controller.cancel()
        await self._driver.aclose()
        if self._final_state is None:  # closed before it began: nothing was streamed
            self._finished = True
            self._final_state = StreamState.CANCELLED
            self.stats.start()
            self.stats.finish()

    # -- views -------------------------------------------------------------------------------
    def events(self) -> ChatView[StreamEvent]:
        """Every event of every round, TOOL_RESULT events included. END events carry `round` and
        `final` (True only on the exchange's last END)."""
        return ChatView(self, lambda e: e)

    @property
    def content_delta(self) -> ChatView[str]:
        return ChatView(self, lambda e: e.content if e.type is _E.DELTA else None)

    @property
    def content(self) -> ChatView[str]:
        """The answer text so far (all rounds), after each delta."""
        return ChatView(self, lambda e: self._content if e.type is _E.DELTA else None)

    @property
    def thinking_delta(self) -> ChatView[str]:
        return ChatView(
            self, lambda e: e.content if e.type is _E.THINKING else None, stop=answer_begins, cancel_on_abandon=False
        )

    @property
    def thinking(self) -> ChatView[str]:
        """The thinking so far, after each thinking delta, until the answer begins."""
        return ChatView(
            self,
            lambda e: self._thinking if e.type is _E.THINKING else None,
            stop=answer_begins,
            cancel_on_abandon=False,
        )

    @property
    def text(self) -> str:
        """The answer text received so far, all rounds."""
        return self._content

    @property
    def chat(self) -> Awaitable[Chat]:
        """`await stream.chat`: finish the exchange (draining it) and return the new Chat."""
        return self._final_chat()

    async def _final_chat(self) -> Chat:
        while await self.next_event() is not None:
            pass
        if self._abort is not None:
            raise self._abort
        state = self.state
        if state is StreamState.CANCELLED:
            raise StreamIncompleteError(
                "the stream was cancelled before it finished; the partial answer is in stream.snapshot"
            )
        if state is not StreamState.COMPLETED:
            error = (self.snapshot.error or {}).get("exception")
            if isinstance(error, BaseException):
                raise error
            message = (self.snapshot.error or {}).get("message") or "the stream ended before it was complete"
            raise StreamIncompleteError(message)
        return self.chat_so_far

    # -- the cursor --------------------------------------------------------------------------
    async def next_event(self) -> StreamEvent | None:
        """The exchange's one cursor: the next event (None at the end). Every view reads it, so
        what one view consumed the next does not see again."""
        async with self._lock:
            if self._pushback:
                return self._pushback.pop()
            if self._finished:
                if self._abort is not None:
                    raise self._abort
                return None
            try:
                return await self._driver.__anext__()
            except StopAsyncIteration:
                return None

    def push_back(self, event: StreamEvent) -> None:
        """Return an event to the cursor: the next `next_event()` gives it again (a view that stops
        before an event it does not own hands it back)."""
        self._pushback.append(event)

    async def _drive(self) -> AsyncGenerator[StreamEvent, None]:
        controller = self.controller
        loop = asyncio.get_running_loop()
        changed = asyncio.Event()

        def on_change(state: StreamState) -> None:
            try:
                loop.call_soon_threadsafe(changed.set)
            except RuntimeError:
                pass

        remove = controller.add_listener(on_change)
        messages = list(self._chat.messages)
        runs_tools = bool(self._chat.tools)  # no tools: one round, like a single StreamRun
        final = StreamState.COMPLETED
        try:
            for number in range(1, self.max_rounds + 1):
                if number > 1:
                    self.stats.new_round()
                self.round = number
                request = self._chat.request(messages)
                request.continue_answer = self.continue_answer and number == 1
                run = StreamRun.from_provider(
                    self._chat.provider,
                    request,
                    controller=controller,
                    processors=self.processors,
                    stats=self.stats,
                    finalize=False,
                    buffer_limit=self.buffer_limit,
                )
                self.snapshot = run.snapshot
                events = run.events()
                try:
                    async for event in events:
                        if event.type is _E.END:
                            more = (
                                run.snapshot.complete
                                and bool(run.snapshot.tool_calls)
                                and runs_tools
                                and not controller.cancelled
                            )
                            event = StreamEvent(
                                _E.END,
                                event.content,
                                event.index,
                                {
                                    **(event.metadata or {}),
                                    "round": number,
                                    "final": not (more and number < self.max_rounds),
                                },
                                event.timestamp,
                            )
                        elif event.type is _E.DELTA:
                            self._content += event.content
                        elif event.type is _E.THINKING:
                            self._thinking += event.content
                        yield event
                finally:
                    await run.aclose()
                final = run.final_state or StreamState.FAILED
                if final is not StreamState.COMPLETED:
                    break
                answer = run.snapshot.to_message()
                if request.continue_answer:  # one answer: the partial and what carried it on
                    carried = messages.pop()
                    answer.content = carried.content + answer.content
                    answer.thinking = carried.thinking + answer.thinking
                messages.append(answer)
                self.new_messages.append(answer)
                if not answer.tool_calls or not runs_tools:
                    break
                if number == self.max_rounds:
                    self.rounds_exhausted = True
                    for call in answer.tool_calls:
                        self._add_result(
                            messages,
                            call,
                            ToolResult(f"not run: the limit of {self.max_rounds} model calls was reached", True),
                        )
                    break
                for index, call in enumerate(answer.tool_calls):
                    while controller.paused and not controller.cancelled:  # pause holds results back too
                        changed.clear()
                        if controller.paused and not controller.cancelled:
                            await changed.wait()
                    if controller.cancelled:
                        break
                    result = await execute_call(
                        call,
                        self._chat.tools,
                        controller=controller,
                        changed=changed,
                        confirm=self.confirm,
                        started=partial(self.on_tool_start, call, index) if self.on_tool_start else None,
                    )
                    if result is None:  # cancelled while the tool ran
                        break
                    event = StreamEvent(
                        _E.TOOL_RESULT,
                        result.content,
                        index,
                        {
                            "id": call.id,
                            "name": call.name,
                            "is_error": result.is_error,
                            "duration_ms": result.duration_ms,
                            "round": number,
                        },
                    )
                    run.snapshot.apply(event)
                    self._add_result(messages, call, result)
                    yield event
                if controller.cancelled:
                    final = StreamState.CANCELLED
                    break
        except ToolExecutionAbortError as exc:
            self._abort = exc
            final = StreamState.FAILED
            self.snapshot.apply(StreamEvent(_E.ERROR, exc.message, metadata={"type": exc.type, "error": exc}))
            raise
        finally:
            remove()
            self._finished = True
            self.stats.finish()
            self._final_state = StreamState.CANCELLED if controller.cancelled else final
            controller.mark(self._final_state)

    def _add_result(self, messages: list[Message], call: ToolCall, result: ToolResult) -> None:
        message = Message(
            role="tool", content=result.content, tool_call_id=call.id, name=call.name, is_error=result.is_error
        )
        messages.append(message)
        self.new_messages.append(message)
