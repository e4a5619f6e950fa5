"""The decode bench runs and both decoders agree on the events of the recorded streams."""

from __future__ import annotations

import pytest
from scripts import bench_decode


def test_bench_decode_runs_small(capsys: pytest.CaptureFixture[str]) -> None:
    status = bench_decode.main(["--mb", "0.05", "--chunk", "37", "--rounds", "1"])
    assert status in (0, 1)  # 2 would mean the decoders disagree
    out = capsys.readouterr().out
    assert "switchboard.sse.SSEDecoder" in out and "anthropic._streaming.SSEDecoder" in out
