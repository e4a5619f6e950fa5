"""The page's start-up state: progress, readiness, failure, and the About facts."""

from __future__ import annotations

import sys

import js
import pyodide
from pyodide.ffi import create_proxy

from switchboard import __version__
from switchboard.web.dom import by_id, create, live_listeners, on

# Controls painted disabled by index.html that become usable once Python runs.
_START_ENABLED = ("prompt", "open-keys")


def progress(message: str) -> None:
    by_id("boot-text").textContent = message


def ready() -> None:
    """Enable the first screen and tell tests and users that Python is running."""
    on(by_id("app-problem-dismiss"), "click", lambda _e: setattr(by_id("app-problem"), "hidden", True))
    by_id("about-app-version").textContent = __version__
    by_id("about-python-version").textContent = sys.version.split()[0]
    by_id("about-pyodide-version").textContent = pyodide.__version__
    for element_id in _START_ENABLED:
        by_id(element_id).disabled = False
    by_id("boot").hidden = True
    # For diagnostics and the leak test: listener proxies alive now (they should not grow with use).
    js.window.SWITCHBOARD_LIVE_LISTENERS = create_proxy(live_listeners)
    js.window.SWITCHBOARD_READY_AT = js.performance.now()
    js.window.SWITCHBOARD_READY = True
    js.document.body.dataset.ready = "true"


def fail(reason: str) -> None:
    js.window.SWITCHBOARD_BOOT_ERROR = reason
    by_id("boot-error-reason").textContent = reason
    by_id("boot-error").hidden = False
    by_id("boot").hidden = True


def notice(lines: tuple[str, ...]) -> None:
    """Say what this browser cannot do, above the app, without stopping it (nothing shown for no lines)."""
    if not lines:
        return
    box = create("div", id="browser-notice", class_="notice", role="status")
    box.appendChild(create("strong", "This browser lacks some features Switchboard uses:"))
    for line in lines:
        box.appendChild(create("p", line))
    main = js.document.querySelector("main")
    main.parentNode.insertBefore(box, main)
