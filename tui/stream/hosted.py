"""Tools the provider runs itself (web search, file search, code interpreter) and the citations it adds.

Providers turn their wire format into four event types (see events.py):

- HOSTED_TOOL_START    index: the call's ordinal; metadata: id, name (web_search, file_search,
  code_interpreter, web_fetch, code_execution, ...), and whatever is known: query, input
- HOSTED_TOOL_PROGRESS metadata: id, phase (in_progress, searching, interpreting, ...), and any of
  query, input; content: code text as it streams (code interpreter)
- HOSTED_TOOL_DONE     metadata: id, status (done, failed, incomplete), and any of query, input,
  results (a list of small dicts: title/url, filename/file_id/score, logs), result_count, error
- CITATION             metadata: type (url_citation, file_citation, web_search_result_location,
  char_location, ...), url, title, file_id, filename, cited_text, start_index, end_index

The accumulator (`MessageSnapshot`) folds them into `ServerToolCall` and `Citation` values. A call
still running when its stream ends was cut off: its status becomes `incomplete`. Citations keep
arrival order; each gets the `number` of its source (the first citation of a URL or file is 1, the
next new source 2, ...), which is how the app lists them under the answer.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from tui.stream.errors import ConfigurationError
from tui.stream.events import StreamEvent, StreamEventType

RUNNING = "running"
DONE = "done"
FAILED = "failed"
INCOMPLETE = "incomplete"

CITATION_FIELDS = ("url", "title", "file_id", "filename", "cited_text", "start_index", "end_index")


@dataclass
class ServerToolCall:
    """One call of a provider-run tool, as far as the stream told."""

    id: str
    name: str = ""
    status: str = RUNNING  # running, done, failed, incomplete
    phase: str = ""  # the provider's last word while running: in_progress, searching, interpreting
    query: str = ""  # what it searched for (queries joined by "; "), the page it opened, or the code it ran
    input: dict[str, Any] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)
    result_count: int | None = None
    error: str | None = None
    started: float | None = None  # event timestamps (monotonic seconds)
    ended: float | None = None
    duration_ms: float | None = None  # set when it ended; kept as stored when read back from history

    @property
    def finished(self) -> bool:
        return self.status != RUNNING

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "query": self.query,
            "result_count": self.result_count,
            "results": [dict(result) for result in self.results],
            "error": self.error,
            "duration_ms": self.duration_ms,
        }

    def summary(self) -> str:
        """A few words for a pane cell: "5 results", "failed: unavailable", "searching"."""
        if self.status == FAILED:
            return f"failed: {self.error}" if self.error else "failed"
        if self.result_count is not None:
            return f"{self.result_count} result{'' if self.result_count == 1 else 's'}"
        if self.status == RUNNING:
            return self.phase or RUNNING
        return self.status

    # -- folding ---------------------------------------------------------------------------------
    def update(self, meta: dict[str, Any], timestamp: float) -> None:
        """Take what an event's metadata says (only the keys it has)."""
        if meta.get("name"):
            self.name = str(meta["name"])
        if meta.get("phase"):
            self.phase = str(meta["phase"])
        if meta.get("query"):
            self.query = str(meta["query"])
        if isinstance(meta.get("input"), dict):
            self.input = dict(meta["input"])
        results = meta.get("results")
        if isinstance(results, list):
            self.results = [dict(item) for item in results if isinstance(item, dict)]
        if isinstance(meta.get("result_count"), int):
            self.result_count = meta["result_count"]
        if meta.get("error"):
            self.error = str(meta["error"])
        if self.started is None:
            self.started = timestamp

    def end(self, status: str, timestamp: float) -> None:
        self.status = status
        if self.ended is None:
            self.ended = timestamp
            if self.started is not None:
                self.duration_ms = max(0.0, (timestamp - self.started) * 1000)


@dataclass
class Citation:
    """A source the answer cites: a web page (url, title) or a file (file_id, filename)."""

    type: str = ""
    url: str | None = None
    title: str | None = None
    file_id: str | None = None
    filename: str | None = None
    cited_text: str | None = None
    start_index: int | None = None
    end_index: int | None = None
    number: int = 0  # the reference number of its source, from 1

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> Citation:
        values: dict[str, Any] = {}
        for key in CITATION_FIELDS:
            value = meta.get(key)
            if key.endswith("_index"):
                values[key] = value if isinstance(value, int) and not isinstance(value, bool) else None
            else:
                values[key] = str(value) if value not in (None, "") else None
        return cls(type=str(meta.get("type") or ""), **values)

    @property
    def source(self) -> str:
        """What makes two citations the same reference: the URL, else the file, else the title."""
        return self.url or self.file_id or self.filename or self.title or self.cited_text or ""

    @property
    def label(self) -> str:
        """The reference as a line: title and URL (or file name)."""
        where = self.url or self.filename or self.file_id or ""
        title = self.title or (self.filename if self.url else None)
        if title and where and title != where:
            return f"{title} — {where}"
        return title or where or (self.cited_text or "")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"number": self.number, "type": self.type}
        data.update({key: getattr(self, key) for key in CITATION_FIELDS})
        return data


def fold_hosted_event(
    calls: dict[str, ServerToolCall], event: StreamEvent, timestamp: float
) -> tuple[ServerToolCall, bool]:
    """Fold a HOSTED_TOOL_* event into the call it names (`calls` by id): the call, and whether it is new."""
    meta = event.metadata or {}
    key = str(meta.get("id") or f"#{event.index}")
    call = calls.get(key)
    new = call is None
    if call is None:
        call = calls[key] = ServerToolCall(id=str(meta.get("id") or ""))
    call.update(meta, timestamp)
    if event.type is StreamEventType.HOSTED_TOOL_PROGRESS and event.content:
        call.query += event.content  # code streaming into a code interpreter call
    elif event.type is StreamEventType.HOSTED_TOOL_DONE:
        call.end(str(meta.get("status") or DONE), timestamp)
    return call, new


def add_citation(citations: list[Citation], meta: dict[str, Any]) -> Citation:
    """Append a CITATION event's citation, numbered by its source."""
    citation = Citation.from_meta(meta)
    known = next((c.number for c in citations if c.source == citation.source), None)
    citation.number = known if known is not None else max((c.number for c in citations), default=0) + 1
    citations.append(citation)
    return citation


def references(citations: list[Citation]) -> list[Citation]:
    """One citation per source (the first), in number order: the list shown under an answer."""
    seen: set[int] = set()
    out = []
    for citation in citations:
        if citation.number not in seen:
            seen.add(citation.number)
            out.append(citation)
    return out


@dataclass(frozen=True)
class HostedToolSetting:
    """One entry of the `hosted_tools` setting: a name and its arguments (`"file_search:vs_1,vs_2"`)."""

    name: str
    args: tuple[str, ...] = ()


def parse_hosted_tools(
    provider: str, entries: list[str] | tuple[str, ...] | None, supported: dict[str, str]
) -> list[HostedToolSetting]:
    """The `hosted_tools` entries a provider was given, checked against what its API can run
    (`supported`: name -> what its arguments are, "" for none). Raises `ConfigurationError` with
    a message naming the entry, the provider and what it can run."""
    tools: list[HostedToolSetting] = []
    for entry in entries or ():
        name, _, rest = str(entry).strip().partition(":")
        args = tuple(arg.strip() for arg in rest.split(",") if arg.strip())
        if not supported:
            raise ConfigurationError(
                f"hosted_tools: the {provider} provider cannot run hosted tools (remove {entry!r}, or use the "
                f"openai-responses or anthropic provider)"
            )
        if name not in supported:
            close = difflib.get_close_matches(name, list(supported), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigurationError(
                f"hosted_tools: unknown hosted tool {name!r}{hint} for the {provider} provider; it can run: "
                f"{', '.join(sorted(supported))}"
            )
        needs = supported[name]
        if needs and not args:
            raise ConfigurationError(f'hosted_tools: {name} needs {needs}: write "{name}:{needs.upper()}"')
        if args and not needs:
            raise ConfigurationError(f"hosted_tools: {name} takes no arguments, not {rest!r}")
        if any(tool.name == name for tool in tools):
            raise ConfigurationError(f"hosted_tools: {name} is listed twice")
        tools.append(HostedToolSetting(name, args))
    return tools
