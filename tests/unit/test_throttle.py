"""Throttle: a streaming answer is redrawn at most once per interval, and its last change is never lost."""

from __future__ import annotations

import pytest

from switchboard.throttle import Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_first_change_draws_at_once_then_at_most_once_per_interval() -> None:
    clock = Clock()
    throttle = Throttle(0.1, clock)
    assert throttle.changed() == 0.0
    throttle.drawn()
    assert not throttle.pending
    clock.now += 0.03
    assert throttle.changed() == pytest.approx(0.07)
    assert throttle.pending  # left for the trailing draw
    clock.now += 0.05
    assert throttle.changed() == pytest.approx(0.02)
    clock.now += 0.02
    assert throttle.changed() == 0.0


def test_tokens_every_5_ms_for_a_second_draw_about_ten_times() -> None:
    clock = Clock()
    throttle = Throttle(0.1, clock)
    draws = 0
    for _ in range(200):
        if throttle.changed() == 0.0:
            throttle.drawn()
            draws += 1
        clock.now += 0.005
    assert 9 <= draws <= 11
    assert throttle.pending  # the stream's end draws what is left


def test_a_slow_draw_stretches_the_gap() -> None:
    clock = Clock()
    throttle = Throttle(0.1, clock, slowdown=2.0)
    throttle.changed()
    started = clock.now
    clock.now += 0.2  # drawing took 200 ms
    throttle.drawn(started)
    assert throttle.changed() == pytest.approx(0.2)  # the next draw waits 2 x 200 ms from its start
    clock.now += 0.2
    assert throttle.changed() == 0.0
    started = clock.now
    clock.now += 0.01
    throttle.drawn(started)  # fast again: back to the interval
    assert throttle.changed() == pytest.approx(0.09)


def test_wait_reports_without_marking_a_change() -> None:
    clock = Clock()
    throttle = Throttle(0.1, clock)
    assert throttle.wait() == 0.0 and not throttle.pending
    throttle.drawn()
    clock.now += 0.04
    assert throttle.wait() == pytest.approx(0.06) and not throttle.pending


def test_negative_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        Throttle(-1, Clock())
