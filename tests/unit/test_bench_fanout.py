"""The fan-out bench's pure helpers: medians, targets in words, and a pane's lag behind an even stream."""

from __future__ import annotations

import pytest
from scripts import bench_fanout


def test_median_and_target_wording() -> None:
    assert bench_fanout.median([3.0, 1.0, 2.0]) == 2.0
    assert bench_fanout.median([1.0, 2.0]) == 1.5
    with pytest.raises(ValueError):
        bench_fanout.median([])
    assert bench_fanout.against(1.02, 1.05) == "1.02 (target <= 1.05, met)"
    assert bench_fanout.against(26.04, 15, " ms", 1) == "26.0 ms (target <= 15 ms, MISSED)"


def test_first_at_is_the_first_time_enough_words_showed() -> None:
    shown = [(10.0, 0), (90.0, 40), (170.0, 80), (250.0, 100)]
    assert bench_fanout.first_at(shown, 40) == 90.0
    assert bench_fanout.first_at(shown, 41) == 170.0
    assert bench_fanout.first_at(shown, 101) is None


def test_lags_against_an_evenly_paced_stream() -> None:
    # 100 words arrive evenly from 0 to 1000 ms; the pane shows each word 100 ms after it arrived.
    shown = [(t + 100.0, t // 10) for t in range(0, 1001, 10)]
    assert bench_fanout.lags(shown, 0.0, 1000.0, 100) == pytest.approx([0.1, 0.1, 0.1, 0.1])
    # A pane that never caught up: the last quarter of the words never showed.
    assert bench_fanout.lags(shown[:80], 0.0, 1000.0, 100)[-1] is None


def test_to_page_converts_epoch_seconds_to_page_milliseconds() -> None:
    assert bench_fanout.to_page((1000.0, 500.0), 1000.25) == pytest.approx(750.0)
