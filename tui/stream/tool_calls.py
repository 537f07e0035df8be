"""Answering one tool call of a model: find the tool, ask for consent if it needs it, run it, and
give up at once if the exchange is cancelled meanwhile.

Kept apart from `ChatStream` (which decides *when* calls run) so the rules for *how* one runs (unknown
tool, consent, cancellation while a tool works) are in one small place.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

from tui.stream.control import StreamController
from tui.stream.errors import ToolExecutionAbortError
from tui.stream.messages import ToolCall
from tui.stream.tools import Tool, ToolResult

Confirm = Callable[[ToolCall, Tool], "bool | Awaitable[bool]"]
DENIED = "the user denied this call"


async def execute_call(
    call: ToolCall,
    tools: list[Tool],
    *,
    controller: StreamController,
    changed: asyncio.Event,
    confirm: Confirm | None = None,
    started: Callable[[], None] | None = None,
) -> ToolResult | None:
    """The result for the model, or None if the exchange was cancelled before it was ready.

    `changed` is set on every controller state change (so a cancel wakes this at once). A sync tool
    cannot be interrupted: on cancel its thread finishes on its own and the result is dropped; an
    async tool is cancelled. `ToolExecutionAbortError` from the tool or the hook propagates.
    `started` is called when the tool begins to run, after any consent: its duration starts there.
    """
    tool = next((t for t in tools if t.name == call.name), None)
    if tool is None:
        known = ", ".join(t.name for t in tools) or "none"
        return ToolResult(f"unknown tool {call.name!r}; available tools: {known}", True)
    if tool.requires_confirmation:
        allowed = await ask(confirm, call, tool)
        if controller.cancelled:
            return None
        if not allowed:
            return ToolResult(DENIED, True)
    if started is not None:
        started()
    task = asyncio.ensure_future(tool.run(call.arguments))
    while not task.done():
        changed.clear()
        if controller.cancelled:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return None
        waiter = asyncio.ensure_future(changed.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
    return task.result()


async def ask(confirm: Confirm | None, call: ToolCall, tool: Tool) -> bool:
    """The confirm hook's answer; no hook, or a hook that fails, means no."""
    if confirm is None:
        return False  # nobody to ask: a tool that needs consent does not run
    try:
        answer = confirm(call, tool)
        if inspect.isawaitable(answer):
            answer = await answer
    except ToolExecutionAbortError:
        raise
    except Exception:
        return False
    return bool(answer)
