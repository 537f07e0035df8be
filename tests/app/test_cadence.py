"""The drawing cadence: text updates spaced by what drawing one costs the UI thread."""

from __future__ import annotations

from tui.app.cadence import BUDGET, FASTEST, SLOWEST, Cadence, DrawCost


def settle(cadence: Cadence, per_update: float) -> float:
    for _ in range(30):
        cadence.adjust(per_update)
    return cadence.interval


def test_updates_are_spaced_so_drawing_takes_the_budget():
    cadence = Cadence()
    assert cadence.interval == FASTEST  # before anything is measured: the first updates come quickly
    assert abs(settle(cadence, 0.008) - 0.008 / BUDGET) < 1e-3  # 8 ms a draw -> 5 updates a second


def test_never_faster_than_ten_nor_slower_than_two_a_second():
    cadence = Cadence()
    assert settle(cadence, 0.0005) == FASTEST == 0.1
    assert abs(settle(cadence, 1.0) - SLOWEST) < 1e-6 and SLOWEST == 0.5
    assert abs(settle(cadence, 0.0005) - FASTEST) < 1e-6  # and back when drawing gets cheap again


def test_one_costly_update_moves_the_cadence_only_halfway():
    cadence = Cadence()
    cadence.adjust(0.020)  # target 0.5 s
    assert abs(cadence.interval - (FASTEST + SLOWEST) / 2) < 1e-9
    assert cadence.adjust(None) == cadence.interval  # nothing measured: hold


class FakeCpu:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_draw_cost_is_ui_cpu_from_arrival_to_drawn_averaged():
    cpu = FakeCpu()
    cost = DrawCost(cpu=cpu)
    cost.done()  # nothing started: nothing measured
    assert cost.per_update is None
    cost.start()
    cpu.now = 0.010
    cost.start()  # a second update before the first is drawn counts with it
    cpu.now = 0.020
    cost.done()
    assert abs(cost.per_update - 0.020) < 1e-9
    cost.start()
    cpu.now = 0.030
    cost.done()
    assert abs(cost.per_update - 0.015) < 1e-9  # averaged with the previous one


async def test_the_chat_screen_measures_what_drawing_a_streamed_update_costs():
    from tests.app.chat_helpers import make_app, send, wait_finished
    from tui.stream.providers.scripted import ScriptedProvider

    app = make_app(ScriptedProvider(rate=400, thinking=None))
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, app, "go")
        await wait_finished(pilot, app)
        measured = app.chat.draw_cost.per_update
    # without the measurement the cadence would never leave its fastest rate, however costly drawing is
    assert measured is not None and measured > 0


def test_a_costly_screen_makes_the_worker_read_the_network_less_often():
    """The worker reads about twice per drawn update: when drawing is slow, reads are spaced too."""
    import asyncio
    import threading
    import time

    from tui.app.stream_worker import READ_INTERVAL, StreamJob, StreamWorker
    from tui.stream import Message, StreamController
    from tui.stream.providers.scripted import ScriptedProvider

    class Sink:
        def post_message(self, message) -> None:
            pass

    cost = DrawCost()
    cost.per_update = 1.0  # a very expensive screen: the cadence goes to its slowest
    controller = StreamController(read_interval=READ_INTERVAL)
    job = StreamJob(
        1,
        ScriptedProvider(rate=100, text="word " * 2000, thinking=None),
        [Message("user", "go")],
        controller,
        draw_cost=cost,
    )
    worker = threading.Thread(target=lambda: asyncio.run(StreamWorker(job, Sink()).run()))
    worker.start()
    deadline = time.monotonic() + 10
    while controller.read_interval < SLOWEST / 2 * 0.9 and time.monotonic() < deadline:
        time.sleep(0.05)
    reached = controller.read_interval
    controller.cancel()
    worker.join(10)
    assert READ_INTERVAL < SLOWEST / 2 * 0.9 <= reached <= SLOWEST / 2
