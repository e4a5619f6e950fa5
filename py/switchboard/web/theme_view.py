"""Theme in the header: the system's, or always light or dark, remembered (settings.THEME).

The choice is data-theme on <html> (styles.css); public/boot.js sets it from the same stored value before
the page first paints, so a remembered dark theme never flashes light.
"""

from __future__ import annotations

from typing import Any

import js

from switchboard.settings import THEME, THEMES, Settings
from switchboard.web.dom import by_id, on
from switchboard.web.storage import on_stored


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
        on_stored({THEME.key}, self._stored)
        self._select.disabled = False

    def _stored(self) -> None:
        """Another tab chose another theme: this one follows."""
        theme = self._settings.get(THEME)
        self._select.value = theme
        apply(theme)

    def _changed(self, _event: Any) -> None:
        theme = str(self._select.value)
        if theme not in THEMES:
            return
        self._settings.set(THEME, theme)
        apply(theme)
