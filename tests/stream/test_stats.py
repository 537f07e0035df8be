"""StreamStats as the library reports them: estimated vs reported tokens, live values, pauses, rounds."""

from tui.stream import StreamEvent, StreamEventType, StreamStats

T = StreamEventType


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_estimate_until_the_provider_reports_usage_then_its_count():
    clock = Clock()
    stats = StreamStats(clock=clock)
    stats.start()
    clock.now += 0.5
    stats.on_event(StreamEvent(T.DELTA, "x" * 40))
    assert stats.first_token_ms == 500.0
    assert stats.total_tokens == 10 and stats.tokens_estimated  # live estimate: four characters a token
    clock.now += 1.0
    assert stats.tokens_per_second == 10.0  # live, before the end
    stats.on_event(StreamEvent(T.METADATA, metadata={"usage": {"input_tokens": 7, "output_tokens": 12}}))
    assert stats.total_tokens == 12 and not stats.tokens_estimated and stats.input_tokens == 7
    stats.finish()
    assert stats.total_duration_ms == 1500.0
    assert stats.as_dict()["tokens_received"] == 12


def test_pauses_do_not_count_against_throughput():
    clock = Clock()
    stats = StreamStats(clock=clock)
    stats.start()
    stats.on_event(StreamEvent(T.DELTA, "x" * 80))  # 20 tokens at t=0
    clock.now += 1.0
    stats.pause()
    clock.now += 10.0
    assert stats.tokens_per_second == 20.0  # the pause so far is excluded, live
    stats.resume()
    clock.now += 1.0
    stats.finish()
    assert stats.tokens_per_second == 10.0


def test_rounds_of_one_exchange_add_up():
    stats = StreamStats(clock=Clock())
    stats.start()
    stats.on_event(StreamEvent(T.DELTA, "x" * 8))
    stats.on_event(StreamEvent(T.METADATA, metadata={"usage": {"input_tokens": 5, "output_tokens": 3}}))
    stats.new_round()
    stats.on_event(StreamEvent(T.DELTA, "y" * 20))  # no usage yet in round two: estimated
    assert stats.total_tokens == 3 + 5 and stats.tokens_estimated and stats.rounds == 2
    stats.on_event(StreamEvent(T.METADATA, metadata={"usage": {"input_tokens": 9, "output_tokens": 6}}))
    assert stats.total_tokens == 9 and stats.total_input_tokens == 14
    assert stats.as_dict()["input_tokens"] == 14


def test_an_output_count_given_before_the_text_does_not_freeze_the_live_count():
    """Anthropic's message_start says output_tokens 1 before any text: the count must still rise as
    text arrives, and the provider's final count replaces the estimate at the end."""
    stats = StreamStats(clock=Clock())
    stats.start()
    stats.on_event(StreamEvent(T.METADATA, metadata={"usage": {"input_tokens": 30, "output_tokens": 1}}))
    assert stats.total_tokens == 1 and not stats.tokens_estimated  # nothing received yet: the count stands
    stats.on_event(StreamEvent(T.DELTA, "x" * 40))
    assert stats.total_tokens == 10 and stats.tokens_estimated
    stats.on_event(StreamEvent(T.DELTA, "x" * 40))
    assert stats.total_tokens == 20 and stats.tokens_estimated
    stats.on_event(StreamEvent(T.METADATA, metadata={"usage": {"output_tokens": 17}}))  # message_delta
    assert stats.total_tokens == 17 and not stats.tokens_estimated and stats.input_tokens == 30
    stats.new_round()
    stats.on_event(StreamEvent(T.METADATA, metadata={"usage": {"input_tokens": 50, "output_tokens": 1}}))
    stats.on_event(StreamEvent(T.DELTA, "y" * 80))
    assert stats.total_tokens == 17 + 20 and stats.tokens_estimated  # round two keeps rising
    stats.on_event(StreamEvent(T.METADATA, metadata={"usage": {"output_tokens": 22}}))
    assert stats.total_tokens == 17 + 22 and stats.total_input_tokens == 80
