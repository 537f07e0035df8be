"""Live numbers about one stream: time to first token, throughput, token counts.

Token counts are the provider's own when it reports usage; until then (and for providers that never
do) they are estimated from the characters received, and `tokens_estimated` says so. An output count
reported before a round's first content (Anthropic's `message_start` says `output_tokens: 1`) is where
the count starts, not what followed: the live estimate shows until the provider reports again, so the
number keeps rising while text arrives.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from tui.stream.events import StreamEvent, StreamEventType

_CONTENT = frozenset({StreamEventType.DELTA, StreamEventType.THINKING, StreamEventType.TOOL_CALL_DELTA})


class StreamStats:
    __slots__ = (
        "started_at",
        "first_token_at",
        "ended_at",
        "chars_received",
        "deltas_received",
        "input_tokens",
        "output_tokens",
        "_paused_at",
        "paused_seconds",
        "stop_reason",
        "_clock",
        "_prior_tokens",
        "_prior_input",
        "_round_chars",
        "_output_early",
        "rounds",
    )

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.started_at: float | None = None
        self.first_token_at: float | None = None
        self.ended_at: float | None = None
        self.chars_received = 0
        self.deltas_received = 0
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None  # the provider's count, when it reports one
        self._paused_at: float | None = None
        self.paused_seconds = 0.0
        self.stop_reason: str | None = None
        # several model calls in one exchange (tool rounds) add up; see `new_round`
        self._prior_tokens = 0
        self._prior_input: int | None = None
        self._round_chars = 0
        self._output_early = False  # this round's output count came before its content (see module doc)
        self.rounds = 1

    # -- feeding -----------------------------------------------------------------------------
    def start(self) -> None:
        if self.started_at is None:
            self.started_at = self._clock()

    def on_event(self, event: StreamEvent) -> None:
        if event.type in _CONTENT:
            if self.first_token_at is None:
                self.first_token_at = self._clock()
            self.deltas_received += 1
            self.chars_received += len(event.content)
            self._round_chars += len(event.content)
        elif event.type is StreamEventType.METADATA or event.type is StreamEventType.START:
            usage = event.meta("usage")
            if usage:
                self.input_tokens = usage.get("input_tokens", self.input_tokens)
                if usage.get("output_tokens") is not None:
                    self.output_tokens = usage["output_tokens"]
                    self._output_early = self._round_chars == 0
            if event.meta("stop_reason"):
                self.stop_reason = event.meta("stop_reason")

    def new_round(self) -> None:
        """The next model call of the same exchange begins: this round's counts become totals-so-far,
        so `total_tokens` and `input_tokens` cover the whole exchange."""
        self._prior_tokens += self._round_tokens()
        if self.input_tokens is not None:
            self._prior_input = (self._prior_input or 0) + self.input_tokens
        self.input_tokens = None
        self.output_tokens = None
        self._round_chars = 0
        self._output_early = False
        self.rounds += 1

    def _estimate(self) -> int:
        return math.ceil(self._round_chars / 4) if self._round_chars else 0

    def _round_reported(self) -> bool:
        """This round's count is the provider's: reported, and not an early count that text outgrew."""
        if self.output_tokens is None:
            return False
        return not self._output_early or self.output_tokens >= self._estimate()

    def _round_tokens(self) -> int:
        return self.output_tokens if self.output_tokens is not None and self._round_reported() else self._estimate()

    @property
    def total_input_tokens(self) -> int | None:
        if self.input_tokens is None:
            return self._prior_input
        return (self._prior_input or 0) + self.input_tokens

    def pause(self) -> None:
        if self._paused_at is None:
            self._paused_at = self._clock()

    def resume(self) -> None:
        if self._paused_at is not None:
            self.paused_seconds += self._clock() - self._paused_at
            self._paused_at = None

    def finish(self) -> None:
        self.resume()
        if self.ended_at is None:
            self.ended_at = self._clock()

    # -- reading -----------------------------------------------------------------------------
    @property
    def tokens_estimated(self) -> bool:
        return not self._round_reported()

    @property
    def total_tokens(self) -> int:
        """Output tokens: the provider's count, else an estimate (about four characters a token);
        summed over the rounds of an exchange."""
        return self._prior_tokens + self._round_tokens()

    @property
    def tokens_received(self) -> int:
        return self.total_tokens

    def _now(self) -> float:
        return self.ended_at if self.ended_at is not None else self._clock()

    @property
    def first_token_ms(self) -> float | None:
        if self.started_at is None or self.first_token_at is None:
            return None
        return (self.first_token_at - self.started_at) * 1000

    @property
    def total_duration_ms(self) -> float:
        if self.started_at is None:
            return 0.0
        return (self._now() - self.started_at) * 1000

    @property
    def elapsed_ms(self) -> float:
        return self.total_duration_ms

    def _paused_total(self) -> float:
        extra = (self._now() - self._paused_at) if self._paused_at is not None else 0.0
        return self.paused_seconds + extra

    @property
    def tokens_per_second(self) -> float | None:
        """Output tokens over generation time (first token to now or the end, pauses excluded)."""
        if self.first_token_at is None:
            return None
        seconds = self._now() - self.first_token_at - self._paused_total()
        if seconds <= 0:
            return None
        return self.total_tokens / seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_token_ms": self.first_token_ms,
            "total_duration_ms": self.total_duration_ms,
            "tokens_per_second": self.tokens_per_second,
            "total_tokens": self.total_tokens,
            "tokens_received": self.tokens_received,
            "tokens_estimated": self.tokens_estimated,
            "input_tokens": self.total_input_tokens,
            "output_tokens": self.total_tokens,
            "stop_reason": self.stop_reason,
        }
