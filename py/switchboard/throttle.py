"""When to redraw something that changes faster than it is worth drawing: a streaming answer.

A stream can bring a token every few milliseconds, and re-rendering a whole answer's Markdown for each
would spend the page's time on drawing. `Throttle` says "draw now" at most once per interval (and
stretches the interval when drawing itself is slow), and remembers that something is left undrawn so
the caller can draw once more when the interval is over or the stream ends.

    throttle = Throttle(0.1, clock)
    wait = throttle.changed()      # new content: 0.0 means draw now, else draw in `wait` seconds
    ...draw...; throttle.drawn(started)
    if throttle.pending: ...draw...  # the trailing draw (a timer, or the end of the stream)
"""

from __future__ import annotations

from collections.abc import Callable


class Throttle:
    """Draw at most once per `interval` seconds, and at least `slowdown` times the last draw's cost apart."""

    def __init__(self, interval: float, clock: Callable[[], float], slowdown: float = 2.0) -> None:
        if interval < 0 or slowdown < 0:
            raise ValueError("interval and slowdown must not be negative")
        self._interval = interval
        self._clock = clock
        self._slowdown = slowdown
        self._gap = interval  # the current gap between draws: the interval, or more after a slow draw
        self._last: float | None = None  # when the last draw started
        self.pending = False  # something changed since the last draw

    def changed(self) -> float:
        """Note new content; return 0.0 if it should be drawn now, else the seconds until it may be."""
        self.pending = True
        return self.wait()

    def wait(self) -> float:
        """Seconds until a draw is allowed (0.0: now)."""
        if self._last is None:
            return 0.0
        return max(0.0, self._last + self._gap - self._clock())

    def drawn(self, started: float | None = None) -> None:
        """Record a draw that began at `started` (the clock's time; default now) and just finished."""
        now = self._clock()
        began = now if started is None else started
        self._last = began
        self._gap = max(self._interval, (now - began) * self._slowdown)
        self.pending = False
