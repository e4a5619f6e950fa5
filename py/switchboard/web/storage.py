"""localStorage as the settings' KeyValueStore: a browser that refuses it (privacy modes, a full
disk, a sandboxed frame) costs only remembering, never the app."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import js

from switchboard.web.dom import absent, on


def warn(message: str) -> None:
    js.console.warn(message)


def on_stored(keys: Collection[str], react: Callable[[], None]) -> None:
    """react() whenever another tab changes one of `keys` in localStorage, or clears it (a null key)."""

    def heard(event: Any) -> None:
        if absent(event.key) or str(event.key) in keys:
            react()

    on(js.window, "storage", heard)


class LocalStorage:
    """Reads and writes js.localStorage; failures are reported on the console and otherwise ignored."""

    def _storage(self) -> Any:
        return js.window.localStorage  # reading the property itself throws where storage is denied

    def get(self, key: str) -> str | None:
        try:
            value = self._storage().getItem(key)
        except Exception as exc:
            warn(f"Could not read the setting {key}: {exc}")
            return None
        return None if absent(value) else str(value)

    def set(self, key: str, value: str) -> None:
        try:
            self._storage().setItem(key, value)
        except Exception as exc:  # QuotaExceededError, SecurityError
            warn(f"Could not remember the setting {key}: {exc}")

    def remove(self, key: str) -> None:
        try:
            self._storage().removeItem(key)
        except Exception as exc:
            warn(f"Could not forget the setting {key}: {exc}")

