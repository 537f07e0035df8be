"""The drawing cadence: slower when the UI thread is over its budget, faster when it has room."""

from __future__ import annotations

from tui.app.cadence import BUDGET, FASTEST, SLOWEST, Cadence, DrawLoad


class FakeTimes:
    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0


def test_an_expensive_screen_is_drawn_less_often_but_never_less_than_twice_a_second():
    cadence = Cadence()
    assert cadence.interval == FASTEST
    intervals = [cadence.adjust(BUDGET * 3) for _ in range(40)]
    assert intervals == sorted(intervals)  # only ever slower while over budget
    assert intervals[-1] == SLOWEST == 0.5


def test_a_cheap_screen_goes_back_to_ten_updates_a_second():
    cadence = Cadence()
    for _ in range(40):
        cadence.adjust(BUDGET * 3)
    for _ in range(40):
        cadence.adjust(BUDGET / 10)
    assert cadence.interval == FASTEST == 0.1


def test_within_budget_or_unmeasured_the_cadence_holds():
    cadence = Cadence()
    for _ in range(5):
        cadence.adjust(BUDGET * 3)
    held = cadence.interval
    assert cadence.adjust(BUDGET * 0.8) == held
    assert cadence.adjust(None) == held


def test_draw_load_is_the_ui_threads_cpu_over_wall_time():
    times = FakeTimes()
    load = DrawLoad(clock=lambda: times.wall, cpu=lambda: times.cpu)
    load.sample()
    assert load.share is None  # nothing measured yet
    times.wall, times.cpu = 0.1, 0.05
    load.sample()
    assert load.share is None  # a window shorter than a quarter second says little
    times.wall, times.cpu = 1.0, 0.2
    load.sample()
    assert abs(load.share - 0.2) < 1e-9
    times.wall, times.cpu = 2.0, 0.2  # an idle second: the average comes down
    load.sample()
    assert abs(load.share - 0.1) < 1e-9
