"""The page's two live regions (#announce-polite, #announce-alert in index.html): see switchboard/announce.py."""

from __future__ import annotations

import asyncio

from switchboard.announce import ANNOUNCE_EVERY, Coalescer
from switchboard.run import Clock
from switchboard.web.dom import by_id


class Announcer:
    """Says polite news at most every ANNOUNCE_EVERY seconds, and alerts at once."""

    def __init__(self, clock: Clock) -> None:
        self._polite = by_id("announce-polite")
        self._alert = by_id("announce-alert")
        self._queue = Coalescer(ANNOUNCE_EVERY, clock.now)
        self._timer: asyncio.TimerHandle | None = None
        self._clock = clock
        self._alerted_at = -ANNOUNCE_EVERY

    def say(self, text: str) -> None:
        wait = self._queue.add(text)
        if wait == 0:
            self._flush()
        elif self._timer is None:
            self._timer = asyncio.get_event_loop().call_later(wait, self._flush)

    def alert(self, text: str) -> None:
        """Say text at once; alerts close together add up (two answers failing together are both heard)."""
        now = self._clock.now()
        if now - self._alerted_at < ANNOUNCE_EVERY and str(self._alert.textContent):
            text = f"{self._alert.textContent} {text}"
        self._alerted_at = now
        self._alert.textContent = text

    def _flush(self) -> None:
        self._timer = None
        if self._queue.pending:
            self._polite.textContent = self._queue.take()
