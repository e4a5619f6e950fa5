"""Probe the browser for what the app relies on; say in words what is missing (switchboard.capabilities).

Runs first in `main.start()`. WebAssembly and BroadcastChannel are probed for completeness: `boot.js`
checks them before Python loads (without WebAssembly it never runs). Invoker commands (`<button
commandfor command>`, used by the About button) are missing in WebKitGTK 2.50; for them the page gets
a small fallback instead of words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import js
from pyodide.ffi import to_js

from switchboard.capabilities import FEATURES, Verdict, assess
from switchboard.web.dom import absent, on


def _nested(path: str) -> Any:
    """The value at a dotted path from the global scope, or None where any step is missing."""
    value: Any = js
    for name in path.split("."):
        value = getattr(value, name, None)
        if absent(value):
            return None
    return value


def _has_property(constructor: str, name: str) -> bool:
    cls = _nested(constructor)
    return cls is not None and bool(js.Reflect.has(cls.prototype, name))


PROBES: dict[str, Callable[[], bool]] = {
    "WebAssembly": lambda: _nested("WebAssembly") is not None,
    "BroadcastChannel": lambda: _nested("BroadcastChannel") is not None,
    "crypto.subtle": lambda: _nested("crypto.subtle") is not None,
    "indexedDB": lambda: _nested("indexedDB") is not None,
    "Response.body": lambda: _nested("ReadableStream") is not None and _has_property("Response", "body"),
    "AbortController": lambda: _nested("AbortController") is not None,
    "navigator.storage.persist": lambda: _nested("navigator.storage.persist") is not None,
}
assert PROBES.keys() == {feature.name for feature in FEATURES}, "one probe per feature"


def missing() -> list[str]:
    """Names of the features this page lacks."""
    return [name for name, present in PROBES.items() if not present()]


def check() -> Verdict:
    """Probe, install the fallbacks, and return what to tell the user."""
    lacking = missing()
    js.window.SWITCHBOARD_MISSING = to_js(lacking)  # for tests and the console
    verdict = assess(lacking)
    _command_fallback()
    return verdict


def _command_fallback() -> None:
    """Do the invoker commands' job for dialogs where the browser does not (WebKitGTK 2.50)."""
    if _has_property("HTMLButtonElement", "commandForElement"):
        return
    for button in js.document.querySelectorAll("button[commandfor]"):
        on(button, "click", _invoker(button))


def _invoker(button: Any) -> Callable[[Any], None]:
    return lambda _event: _invoke(button)


def _invoke(button: Any) -> None:
    target = js.document.getElementById(button.getAttribute("commandfor"))
    if absent(target):
        return
    command = str(button.getAttribute("command"))
    if command == "show-modal" and not target.open:
        target.showModal()
    elif command == "close" and target.open:
        target.close()
