"""What a screen reader hears of the answers, and how often.

A streaming answer's text is never a live region: a reader would speak every redraw. Instead one polite
region says when a round starts and when each answer ends ("gpt-4o (OpenAI) answered. $0.0012 …"), and
one assertive region says when an answer fails, with its reason. Polite news is coalesced: at most one
announcement every `every` seconds, each carrying whatever ended since the last (ten answers ending
together are one announcement, not ten).
"""

from __future__ import annotations

from collections.abc import Callable

from switchboard.run import Answer
from switchboard.throttle import Throttle

ANNOUNCE_EVERY = 1.5  # seconds between polite announcements


def started(count: int, merged: bool = False) -> str:
    if merged:
        return "Merging the answers."
    return "Asking 1 model." if count == 1 else f"Asking {count} models."


def ended(label: str, answer: Answer) -> tuple[str, bool] | None:
    """What to say when answer (shown as label) has ended, and whether it is urgent; None while it runs."""
    if answer.status == "failed":
        reason = answer.error.message if answer.error is not None else "no reason given"
        return f"{label} failed: {reason}", True
    if answer.status == "stopped":
        return f"{label} stopped.", False
    if answer.status == "done":
        cost = answer.cost.text() if answer.cost is not None and answer.cost.usd is not None else ""
        return " ".join(filter(None, [f"{label} answered.", cost])), False
    return None


class Coalescer:
    """Polite messages said at most once every `every` seconds; those that come in between are joined.
    The timing is the panes' redraw `Throttle`, with no slowdown (saying a sentence costs nothing)."""

    def __init__(self, every: float, now: Callable[[], float]) -> None:
        self._throttle = Throttle(every, now, slowdown=0)
        self._pending: list[str] = []

    def add(self, text: str) -> float:
        """Queue text; return 0.0 if the queue should be said now, else the seconds until it may be."""
        self._pending.append(text)
        return self._throttle.changed()

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def take(self) -> str:
        """Everything queued, as one announcement (the caller says it now)."""
        self._throttle.drawn()
        text, self._pending = " ".join(self._pending), []
        return text
