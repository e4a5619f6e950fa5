"""Keeps every tab's view of the vault in step: auto-lock on idle, and lock/change news between tabs.

A BroadcastChannel carries "locked" (a lock by hand) and "changed" between this origin's tabs; an idle
lock stays in its own tab. A tab that hears
"changed" re-checks the stored vault (`Vault.refresh`), which locks it if the password changed.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import js
from pyodide.ffi import create_proxy

from switchboard.vault import Vault
from switchboard.web.dom import on, spawn

CHANNEL = "switchboard-vault"
CHECK_EVERY_MS = 5_000  # how late an auto-lock may come; the vault also refuses keys past its deadline
ACTIVITY = ("keydown", "pointerdown", "wheel", "touchstart")


class BrowserClock:
    """Wall-clock seconds: Date.now keeps counting while the machine sleeps, unlike performance.now."""

    def now(self) -> float:
        return float(js.Date.now()) / 1000.0


class MonotonicClock:
    """Seconds on the page's monotonic clock, for answer timings (never jumps with the wall clock)."""

    def now(self) -> float:
        return float(js.performance.now()) / 1000.0


class TabSync:
    """Auto-lock timer, activity tracking and cross-tab messages for one Vault."""

    def __init__(self, vault: Vault, on_change: Callable[[str], Coroutine[Any, Any, None]]) -> None:
        self._vault = vault
        self._on_change = on_change  # re-renders after a lock or a change made elsewhere
        self._channel = js.BroadcastChannel.new(CHANNEL)
        on(self._channel, "message", self._heard)
        for event in ACTIVITY:
            # Session-only keys count as much as the vault: typing a prompt must keep them too.
            on(js.document, event, lambda _e: self._vault.touch() if self._vault.holds_keys else None)
        on(js.document, "visibilitychange", self._visible)
        self._locks_seen = vault.locks
        self._timer = create_proxy(self._tick)
        js.setInterval(self._timer, CHECK_EVERY_MS)

    def announce(self, what: str) -> None:
        """Tell the other tabs that this one "locked" or "changed" the vault."""
        self._channel.postMessage(what)

    async def _heard(self, event: Any) -> None:
        if event.data == "locked":
            self._vault.lock()  # always: a tab whose vault is locked may still hold session-only keys
        elif event.data == "changed":
            await self._vault.refresh()
        await self._on_change("remote")

    async def _visible(self, _event: Any) -> None:
        if js.document.visibilityState == "visible" and self._vault.generation is not None:
            was_unlocked = self._vault.is_unlocked
            await self._vault.refresh()
            if was_unlocked and not self._vault.is_unlocked:
                await self._on_change("remote")

    def _tick(self) -> None:
        # An idle lock stays in this tab: the user may be busy in another one, whose own timer decides.
        # Any call may be the one that notices the deadline (check_idle returns True only to that
        # one), so compare the lock count instead: a lock nobody redrew is redrawn here.
        self._vault.check_idle()
        if self._vault.locks != self._locks_seen:
            self._locks_seen = self._vault.locks
            spawn(self._on_change("idle"))
