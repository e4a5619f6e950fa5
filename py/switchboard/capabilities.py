"""What Switchboard needs from a browser, and what to tell the user when the browser lacks it.

Pure: `web/capabilities.py` probes the page and hands the names of the missing features here. An
essential feature missing means the app cannot start or cannot keep keys safely, so it does not start
and says why; anything else gets a notice saying what will not work and what to do instead. Python
cannot run without WebAssembly, nor the app's tabs keep in step without BroadcastChannel, so
`public/boot.js` checks those two before loading Python, with the same words
(tests/unit/test_capabilities.py keeps them equal).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Feature:
    name: str  # what web/capabilities.py probes, as a JS expression a developer recognizes
    essential: bool
    words: str  # one or two sentences for the user: what does not work, and what to do


FEATURES: tuple[Feature, ...] = (
    Feature("WebAssembly", True,
            "This browser cannot run WebAssembly, which Switchboard's Python runtime needs."),
    Feature("BroadcastChannel", True,
            "This browser has no BroadcastChannel, which Switchboard needs to keep its tabs in step."),
    Feature("crypto.subtle", True,
            "This browser offers no Web Crypto (crypto.subtle), which the vault needs to encrypt your keys; "
            "browsers offer it only to https:// pages and to localhost."),
    Feature("indexedDB", True,
            "This browser window has no IndexedDB, where the vault is stored (some private windows turn it off)."),
    Feature("Response.body", False,
            "This browser cannot read an answer while it arrives (fetch gives no streaming Response.body), "
            "so answers cannot be shown here."),
    Feature("AbortController", False,
            "This browser cannot cancel a request (no AbortController), so sending prompts, Stop and the "
            "time limits will not work here."),
    Feature("navigator.storage.persist", False,
            "This browser cannot be asked to keep the vault when disk space runs low "
            "(no navigator.storage.persist): export your keys as a backup."),
)
BY_NAME = {feature.name: feature for feature in FEATURES}
ADVICE = "Use a current Firefox, Chrome, Edge or Safari."


@dataclass(frozen=True, slots=True)
class Verdict:
    fatal: str | None  # words to show instead of the app, or None when it can start
    notices: tuple[str, ...]  # one line per missing non-essential feature, in FEATURES order


def assess(missing: Iterable[str]) -> Verdict:
    """The verdict for a browser lacking `missing` (names from FEATURES; anything else is a bug)."""
    names = set(missing)
    unknown = names - BY_NAME.keys()
    if unknown:
        raise ValueError(f"unknown features: {', '.join(sorted(unknown))}")
    lacking = [feature for feature in FEATURES if feature.name in names]
    essential = [feature.words for feature in lacking if feature.essential]
    fatal = " ".join(["Switchboard cannot run in this browser.", *essential, ADVICE]) if essential else None
    return Verdict(fatal, tuple(feature.words for feature in lacking if not feature.essential))
