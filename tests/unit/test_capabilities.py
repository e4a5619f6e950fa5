"""Which missing browser feature gets which words, and whether the app may still start."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from switchboard.capabilities import ADVICE, BY_NAME, FEATURES, assess

ROOT = Path(__file__).resolve().parents[2]
PROBES = ROOT / "py" / "switchboard" / "web" / "capabilities.py"
BOOT = ROOT / "public" / "boot.js"


def test_a_complete_browser_gets_no_words() -> None:
    verdict = assess([])
    assert verdict.fatal is None
    assert verdict.notices == ()


@pytest.mark.parametrize("name", ["WebAssembly", "BroadcastChannel", "crypto.subtle", "indexedDB"])
def test_an_essential_feature_missing_stops_the_app_and_says_why(name: str) -> None:
    verdict = assess([name])
    assert verdict.fatal == f"Switchboard cannot run in this browser. {BY_NAME[name].words} {ADVICE}"
    assert verdict.notices == ()


def test_secure_context_is_named_where_web_crypto_is_missing() -> None:
    fatal = assess(["crypto.subtle"]).fatal
    assert fatal is not None
    assert "https://" in fatal and "localhost" in fatal


def test_several_essentials_are_all_named_in_table_order() -> None:
    fatal = assess(["indexedDB", "crypto.subtle"]).fatal
    assert fatal is not None
    assert fatal.index("crypto.subtle") < fatal.index("IndexedDB")


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("navigator.storage.persist", "export your keys as a backup"),
        ("Response.body", "answers cannot be shown here"),
        ("AbortController", "Stop and the time limits will not work"),
    ],
)
def test_a_non_essential_feature_missing_is_a_notice_and_the_app_starts(name: str, says: str) -> None:
    verdict = assess([name])
    assert verdict.fatal is None
    assert len(verdict.notices) == 1
    assert says in verdict.notices[0]
    assert name in verdict.notices[0]  # the developer's name for it, so a bug report is precise


def test_notices_follow_the_table_order_and_essentials_win() -> None:
    verdict = assess(["navigator.storage.persist", "AbortController", "Response.body"])
    assert verdict.notices == tuple(BY_NAME[n].words for n in ("Response.body", "AbortController",
                                                                "navigator.storage.persist"))
    both = assess(["indexedDB", "navigator.storage.persist"])
    assert both.fatal is not None and both.notices == (BY_NAME["navigator.storage.persist"].words,)


def test_an_unknown_name_is_a_bug_not_silence() -> None:
    with pytest.raises(ValueError, match="unknown features: WebGPU"):
        assess(["WebGPU"])


def test_the_page_probes_exactly_the_features_in_the_table() -> None:
    tree = ast.parse(PROBES.read_text())
    probes = next(node.value for node in ast.walk(tree)
                  if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                  and node.target.id == "PROBES")
    assert isinstance(probes, ast.Dict)
    names = [key.value for key in probes.keys if isinstance(key, ast.Constant)]
    assert names == [feature.name for feature in FEATURES]


def test_boot_js_checks_what_python_needs_to_start_with_the_same_words() -> None:
    """WebAssembly and BroadcastChannel are checked before Python loads, in JavaScript."""
    boot = BOOT.read_text()
    needed = dict(re.findall(r'^  (\w+): "([^"]+)",$', boot, re.MULTILINE))
    assert needed == {name: BY_NAME[name].words for name in ("WebAssembly", "BroadcastChannel")}
    assert all(BY_NAME[name].essential for name in needed)
    assert f'"{ADVICE}"' in boot and '"Switchboard cannot run in this browser."' in boot
