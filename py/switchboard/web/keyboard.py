"""Page-wide keyboard shortcuts beyond compose's own (Ctrl/Cmd+Enter sends, Esc stops: compose_view.py).

"/" goes to the prompt when the focus is not in a text field and no dialog is open; being a single
character it can be turned off in Help (WCAG 2.1.4), remembered. Alt+Shift+H opens History from anywhere
outside a dialog (matched on the physical key, since Option+Shift+H types a character on a Mac).
The list in Help (index.html) names each of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import js

from switchboard.settings import SINGLE_KEY_SHORTCUTS, Settings
from switchboard.web.dom import absent, by_id, on
from switchboard.web.storage import on_stored

_NOT_TYPED = {"checkbox", "radio", "button", "submit", "reset", "file", "color", "range", "image"}


def typing_in(target: Any) -> bool:
    """True when a key pressed on target would type or choose something there."""
    if absent(target) or not hasattr(target, "tagName"):
        return False
    tag = str(target.tagName)
    if tag == "INPUT":
        return str(target.type) not in _NOT_TYPED
    return tag in ("TEXTAREA", "SELECT") or bool(target.isContentEditable)


class Shortcuts:
    def __init__(self, settings: Settings, open_history: Callable[[], Any]) -> None:
        self._settings = settings
        self._open_history = open_history
        toggle = by_id("single-key-shortcuts")
        toggle.checked = settings.get(SINGLE_KEY_SHORTCUTS)
        on(toggle, "change", lambda _e: settings.set(SINGLE_KEY_SHORTCUTS, bool(toggle.checked)))
        on_stored({SINGLE_KEY_SHORTCUTS.key}, lambda: self._stored(toggle))
        on(js.document, "keydown", self._pressed)

    def _stored(self, toggle: Any) -> None:
        """Another tab turned the shortcut on or off: it already holds here (read at each key), the box shows it."""
        toggle.checked = self._settings.get(SINGLE_KEY_SHORTCUTS)

    def _pressed(self, event: Any) -> None:
        if event.defaultPrevented or not absent(js.document.querySelector("dialog[open]")):
            return
        if (event.altKey and event.shiftKey and not event.ctrlKey and not event.metaKey
                and str(event.code) == "KeyH"):
            event.preventDefault()
            if not by_id("open-history").disabled:
                self._open_history()
        elif (str(event.key) == "/" and not (event.ctrlKey or event.metaKey or event.altKey)
              and not typing_in(event.target) and self._settings.get(SINGLE_KEY_SHORTCUTS)):
            prompt = by_id("prompt")
            if not prompt.disabled:
                event.preventDefault()
                prompt.focus()
