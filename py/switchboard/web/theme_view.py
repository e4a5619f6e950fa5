"""Theme in the header: the system's, or always light or dark, remembered (settings.THEME).

The choice is data-theme on <html> (styles.css); public/boot.js sets it from the same stored value before
the page first paints, so a remembered dark theme never flashes light.
"""

from __future__ import annotations

from typing import Any

import js

from switchboard.settings import THEME, THEMES, Settings
from switchboard.web.dom import absent, by_id, on


def apply(theme: str) -> None:
    root = js.document.documentElement
    if theme == "system":
        root.removeAttribute("data-theme")
    else:
        root.setAttribute("data-theme", theme)


class ThemeSwitch:
    """Owns #theme."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._select = by_id("theme")
        theme = settings.get(THEME)
        self._select.value = theme
        apply(theme)
        on(self._select, "change", self._changed)
        on(js.window, "storage", self._stored)
        self._select.disabled = False

    def _stored(self, event: Any) -> None:
        """Another tab chose another theme: this one follows (a null key: storage cleared)."""
        if absent(event.key) or str(event.key) == THEME.key:
            theme = self._settings.get(THEME)
            self._select.value = theme
            apply(theme)

    def _changed(self, _event: Any) -> None:
        theme = str(self._select.value)
        if theme not in THEMES:
            return
        self._settings.set(THEME, theme)
        apply(theme)
