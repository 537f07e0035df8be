"""The configured MCP servers, run for the app, print mode and `rill mcp list`: start, list, call, stop.

All the protocol is the official SDK's (`mcp.Client` over `stdio_client` or `streamable_http_client`).
The hub owns one thread with its own asyncio loop, where every server's session lives, so:

- starting never delays the caller: `start()` returns at once and each server starts on its own;
- the app's stream workers (each in its own thread and loop) and print mode call tools the same way,
  `await hub.call(...)` from any loop: the call runs in the hub's loop, and cancelling the awaiting
  task cancels the call there (the SDK tells the server);
- stopping is one place, `close()`: each server is shut down the SDK's way (stdin closed, then
  terminated, every wait bounded), then the thread ends.

A server is `disabled`, `starting`, `ready`, `failed` (it could not start; `error` says why),
`crashed` (it stopped after it was ready; restarted at the next `tools()`) or `stopped`.
Its stderr, and a line from rill at each change of state, go to its log file (`log_path`), never to
the terminal.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import shlex
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import anyio
import mcp_types
from mcp import Client, MCPError, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tui import __version__
from tui.config import McpServerSettings, McpSettings
from tui.mcp.results import result_text
from tui.stream.tools import ToolResult

CLIENT_INFO = mcp_types.Implementation(name="rill", version=__version__)
CLOSE_TIMEOUT = 10.0  # seconds close() waits for the servers to stop
MAX_TOOL_PAGES = 100  # tools/list pages read from one server (a paginator that never ends cannot hang)
ACTIVE = frozenset({"starting", "ready"})


@dataclass
class McpServer:
    """One configured server and what is known about it now (read from any thread)."""

    name: str
    settings: McpServerSettings
    log_path: Path
    state: str = "stopped"
    error: str | None = None
    tools: list[mcp_types.Tool] = field(default_factory=list)
    started: concurrent.futures.Future[None] = field(default_factory=concurrent.futures.Future)
    client: Client | None = field(default=None, repr=False)
    stop: anyio.Event | None = field(default=None, repr=False)
    task: asyncio.Task[None] | None = field(default=None, repr=False)  # its life in the hub's loop
    scope: anyio.CancelScope | None = field(default=None, repr=False)  # cancels a start in progress

    @property
    def transport(self) -> str:
        """What is run or reached: the command line, or the URL."""
        if self.settings.url:
            return self.settings.url
        return shlex.join([self.settings.command or "", *self.settings.args])


class McpHub:
    def __init__(self, settings: McpSettings) -> None:
        self.settings = settings
        self.servers: dict[str, McpServer] = {}
        for name, server in settings.servers.items():
            record = McpServer(name, server, settings.log_path / f"mcp-{name}.log")
            if not server.enabled:
                record.state = "disabled"
                record.started.set_result(None)
            self.servers[name] = record
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._listeners: list[Callable[[McpServer], None]] = []
        self._told: dict[str, tuple[str, str | None]] = {}  # what the listeners last heard of each server
        self._lock = threading.Lock()
        self._closed = False

    # -- life cycle (any thread) --------------------------------------------------------------------
    def start(self) -> None:
        """Start every enabled server in the background; returns at once. Calling it again does nothing."""
        with self._lock:
            if self._thread is not None or self._closed:
                return
            enabled = [s for s in self.servers.values() if s.state != "disabled"]
            if not enabled:
                return
            ready = threading.Event()
            self._thread = threading.Thread(target=self._run_loop, args=(ready,), name="rill-mcp", daemon=True)
            self._thread.start()
            ready.wait()
            for server in enabled:
                self._launch(server)

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Stop every server and the hub's thread (bounded by `timeout`); safe to call more than once."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is already gone
            stopping = asyncio.run_coroutine_threadsafe(self._stop_all(timeout), loop)
            with contextlib.suppress(Exception):
                stopping.result(timeout + 1)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        for server in self.servers.values():  # nobody may wait for a start that will not end
            if not server.started.done():
                server.started.set_result(None)

    def subscribe(self, listener: Callable[[McpServer], None]) -> None:
        """Call `listener(server)` (in the hub's thread) whenever a server's state changes."""
        self._listeners.append(listener)

    @property
    def starting(self) -> list[str]:
        return [s.name for s in self.servers.values() if s.state == "starting"]

    async def wait_started(self) -> None:
        """Until no server is starting (each start is bounded by its `startup_timeout`). Crashed servers
        are restarted first, and a hub not started yet starts. Cancelling this wait leaves the servers alone."""
        if self._closed:
            return
        self.start()
        for server in self.servers.values():
            if server.state == "crashed" and not self._closed:
                self._launch(server)
        for server in list(self.servers.values()):
            await _wait(server.started)

    async def call(self, server_name: str, tool: str, arguments: dict[str, Any], timeout: float) -> ToolResult:
        """Call one tool (from any loop): the result for the model, an error result for every fault."""
        began = time.perf_counter()
        loop = self._loop
        if loop is None or self._closed:
            result = ToolResult(f"the MCP server {server_name!r} is not running; {tool} was not called", True)
        else:
            future = asyncio.run_coroutine_threadsafe(self._call(server_name, tool, arguments, timeout), loop)
            result = await asyncio.wrap_future(future)  # a cancel here cancels the call in the hub's loop
        result.duration_ms = (time.perf_counter() - began) * 1000
        return result

    # -- the hub's loop -----------------------------------------------------------------------------
    def _run_loop(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        ready.set()
        try:
            loop.run_forever()
            pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.wait(pending, timeout=3))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()

    def _launch(self, server: McpServer) -> None:
        """Mark the server starting (now, in the caller's thread) and start it in the hub's loop."""
        loop = self._loop
        if loop is None:
            return
        server.state, server.error, server.tools = "starting", None, []
        if server.started.done():
            server.started = concurrent.futures.Future()
        started = server.started
        self._changed(server)

        def begin() -> None:
            task = loop.create_task(self._serve(server, started, server.task))
            server.task = task
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        loop.call_soon_threadsafe(begin)

    async def _serve(
        self, server: McpServer, started: concurrent.futures.Future[None], previous: asyncio.Task[None] | None
    ) -> None:
        """One server's whole life, in one task (the SDK's task groups and scopes open and close here).
        A restart first lets the previous life end (its process stopped, its log closed); a life that
        has been succeeded leaves the server's state to its successor."""
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        me = asyncio.current_task()
        stop = server.stop = anyio.Event()
        log, mark = _open_log(server.log_path)
        _note(log, f"starting {server.transport}")
        limit = server.settings.startup_timeout
        ready, failure = False, None
        try:
            with anyio.CancelScope() as scope:
                server.scope = scope
                watchdog = asyncio.get_running_loop().call_later(limit, scope.cancel)
                try:
                    async with _connect(server.settings, log) as client:
                        server.tools = await _list_tools(client)
                        watchdog.cancel()
                        ready = True
                        server.client, server.state = client, "ready"
                        _note(log, f"ready: {len(server.tools)} tools")
                        self._settle(server, started)
                        await stop.wait()
                finally:
                    watchdog.cancel()
            if not ready:
                failure = f"it did not start within {limit:g} s"
        except Exception as exc:  # noqa: BLE001 - every way a server fails is said, none ends the hub
            failure = describe(exc, server.settings)
        finally:
            if server.task is me:
                server.client = None
                if self._closed and server.state == "starting":
                    server.state = "stopped"  # rill quit while it was starting
                elif not ready:
                    said = _last_line(server.log_path, mark)
                    server.state = "failed"
                    server.error = f"{failure}; its log says: {said}" if said else failure
                elif server.state == "ready" and failure:  # the session failed while it was idle
                    server.state, server.error = "crashed", failure
                elif server.state == "ready":
                    server.state = "stopped"
                _note(log, server.state + (f": {server.error}" if server.error else ""))
            log.close()
            self._settle(server, started)

    def _settle(self, server: McpServer, started: concurrent.futures.Future[None]) -> None:
        if not started.done():
            started.set_result(None)
        self._changed(server)

    def _changed(self, server: McpServer) -> None:
        news = (server.state, server.error)
        if self._told.get(server.name) == news:
            return
        self._told[server.name] = news
        for listener in list(self._listeners):
            with contextlib.suppress(Exception):  # a listener's bug must not stop a server
                listener(server)

    async def _call(self, name: str, tool: str, arguments: dict[str, Any], timeout: float) -> ToolResult:
        server = self.servers.get(name)
        client = server.client if server is not None else None
        if server is None or client is None or server.state != "ready":
            state = server.state if server is not None else "not configured"
            why = f" ({server.error})" if server is not None and server.error else ""
            return ToolResult(f"the MCP server {name!r} is not running: {state}{why}; {tool} was not called", True)
        try:
            with anyio.fail_after(timeout):
                result = await client.call_tool(tool, arguments)
        except TimeoutError:
            self._log(server, f"{tool}: no answer within {timeout:g} s, cancelled")
            return ToolResult(
                f"the MCP server {name!r} did not answer {tool} within {timeout:g} s; the call was cancelled", True
            )
        except MCPError as exc:
            if exc.code == mcp_types.CONNECTION_CLOSED:
                return self._crashed(server, tool)
            return ToolResult(f"the MCP server {name!r} refused {tool}: {exc.message}", True)
        except Exception as exc:  # noqa: BLE001 - a transport fault is an error result, never a crash
            if server.state != "ready" or _is_closed(exc):
                return self._crashed(server, tool)
            why = describe(exc, server.settings)
            return ToolResult(f"calling {tool} on the MCP server {name!r} failed: {why}", True)
        return ToolResult(result_text(result), bool(result.is_error))

    def _crashed(self, server: McpServer, tool: str) -> ToolResult:
        said = _last_line(server.log_path, 0)
        server.state = "crashed"
        server.error = f"during a call to {tool}" + (f"; its log says: {said}" if said else "")
        if server.stop is not None:
            server.stop.set()  # _serve tears the dead session down
        self._changed(server)
        return ToolResult(
            f"the MCP server {server.name!r} stopped during the call to {tool} (log: {server.log_path})", True
        )

    def _log(self, server: McpServer, line: str) -> None:
        with contextlib.suppress(OSError):
            with server.log_path.open("a", encoding="utf-8") as log:
                _note(log, line)

    async def _stop_all(self, timeout: float) -> None:
        for server in self.servers.values():
            if server.stop is not None:
                server.stop.set()
            if server.state == "starting" and server.scope is not None:
                server.scope.cancel()  # quitting does not wait for a slow start
        tasks = [task for task in self._tasks if not task.done()]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=timeout)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=1)


# -- helpers ----------------------------------------------------------------------------------------
@contextlib.asynccontextmanager
async def _connect(settings: McpServerSettings, log: TextIO) -> AsyncIterator[Client]:
    if settings.command:
        params = StdioServerParameters(
            command=os.path.expanduser(settings.command),
            args=list(settings.args),
            env=dict(settings.env) or None,
            cwd=os.path.expanduser(settings.cwd) if settings.cwd else None,
        )
        async with Client(stdio_client(params, errlog=log), client_info=CLIENT_INFO) as client:
            yield client
        return
    async with create_mcp_http_client(headers=dict(settings.headers) or None) as http:
        transport = streamable_http_client(str(settings.url), http_client=http)
        async with Client(transport, client_info=CLIENT_INFO) as client:
            yield client


async def _list_tools(client: Client) -> list[mcp_types.Tool]:
    tools: list[mcp_types.Tool] = []
    cursor: str | None = None
    for _ in range(MAX_TOOL_PAGES):
        page = await client.list_tools(cursor=cursor)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            break
    return tools


async def _wait(future: concurrent.futures.Future[None]) -> None:
    """Await a future of another thread without tying its fate to this task (a cancel here leaves it)."""
    if future.done():
        return
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[None] = loop.create_future()

    def settle() -> None:
        if not waiter.done():
            waiter.set_result(None)

    def wake(_: object) -> None:
        with contextlib.suppress(RuntimeError):  # this loop has closed meanwhile
            loop.call_soon_threadsafe(settle)

    future.add_done_callback(wake)
    await waiter


def describe(exc: BaseException, settings: McpServerSettings) -> str:
    """One line for a failure, about the server rather than the SDK's insides."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if settings.cwd and isinstance(exc, OSError) and not Path(settings.cwd).expanduser().is_dir():
        return f"its working directory {settings.cwd!r} does not exist"
    if isinstance(exc, FileNotFoundError):
        return f"cannot run {settings.command!r}: no such command (is it installed and on PATH?)"
    if isinstance(exc, PermissionError):
        return f"cannot run {settings.command!r}: permission denied"
    if isinstance(exc, MCPError):
        if exc.code == mcp_types.CONNECTION_CLOSED:
            return "it closed the connection" if settings.url else "it exited before it answered"
        return f"it answered with an error: {exc.message}"
    text = " ".join(str(exc).split())
    if settings.url and type(exc).__name__ in ("ConnectError", "ConnectTimeout"):  # the HTTP client's words
        return f"cannot connect to {settings.url}: {text or type(exc).__name__}"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _is_closed(exc: BaseException) -> bool:
    return isinstance(exc, (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream, EOFError))


def _open_log(path: Path) -> tuple[TextIO, int]:
    """The server's log, opened to append; the offset where this start's lines begin. A log that
    cannot be written is no reason not to run the server: its stderr then goes nowhere."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        log = path.open("a", encoding="utf-8", errors="replace")
        return log, log.tell()
    except OSError:
        return open(os.devnull, "w", encoding="utf-8"), 0  # noqa: SIM115 - closed by _serve


def _note(log: TextIO, line: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        log.write(f"[rill {time.strftime('%Y-%m-%d %H:%M:%S')}] {line}\n")
        log.flush()


def _last_line(path: Path, since: int) -> str:
    """The server's last own line in its log since `since` (rill's notes skipped), clipped."""
    try:
        with path.open("rb") as log:
            log.seek(since)
            text = log.read()[-8192:].decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("[rill ")]
    return " ".join(lines[-1].split())[:200] if lines else ""
