"""The start-up bench's pure parts: its interleaving and the shell page it derives from index.html."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripts import bench

INDEX = (Path(__file__).resolve().parents[2] / "public" / "index.html").read_text()


def test_rotations_load_every_page_once_a_round_starting_one_further_along() -> None:
    order = bench._rotations(["a", "b", "c"], 4)
    assert order == ["a", "b", "c", "b", "c", "a", "c", "a", "b", "a", "b", "c"]


def test_shell_page_keeps_the_markup_styles_and_theme_but_no_runtime() -> None:
    shell = bench._shell_only(INDEX)
    assert '<template id="preloads">' not in shell and "modulepreload" not in shell
    assert 'src="./boot.js"' not in shell and 'src="./sw-register.js"' not in shell
    assert "<style>{{STYLES}}</style>" in shell and "<script>{{THEME}}</script>" in shell
    assert 'href="./app/icon.svg"' in shell
    assert shell.count("<section") == INDEX.count("<section")


def test_paint_report_gives_each_page_its_median_and_band(capsys: pytest.CaptureFixture[str]) -> None:
    painted = {name: [float(ms) for ms in range(100, 200, 10)] for name in bench.PAINTS}
    painted["line"] = [float(ms) for ms in range(40, 90, 5)]
    bench._report_paints(painted)
    out = capsys.readouterr().out
    assert "10 fresh contexts each" in out
    assert " 145 [" in out and "app, snapshot boot (target <= 150)" in out
    assert "  62 [" in out and "one line of text" in out
