"""Auto-lock bookkeeping: when was the vault last used, and has the user-set idle time run out."""

from __future__ import annotations

from switchboard.vault.ports import Clock

DEFAULT_IDLE_SECONDS = 15 * 60.0
MAX_IDLE_SECONDS = 7 * 24 * 3600.0
# Wall clocks get nudged by NTP; only a larger backwards jump is treated as suspicious.
BACKWARD_TOLERANCE = 2.0


def check_timeout(seconds: float | None) -> float | None:
    """Validate an idle timeout: None (never auto-lock) or 0 < seconds <= 7 days."""
    if seconds is None:
        return None
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not 0 < seconds <= MAX_IDLE_SECONDS
    ):
        raise ValueError(f"idle timeout must be None or between 0 and {MAX_IDLE_SECONDS:.0f} seconds")
    return float(seconds)


class IdleTimer:
    """Tracks the last activity on a Clock; the browser polls expired() from a timer and on focus."""

    def __init__(self, clock: Clock, timeout: float | None = DEFAULT_IDLE_SECONDS) -> None:
        self._clock = clock
        self._timeout = check_timeout(timeout)
        self._last = clock.now()

    @property
    def timeout(self) -> float | None:
        """Seconds of inactivity before auto-lock, or None for never."""
        return self._timeout

    @timeout.setter
    def timeout(self, seconds: float | None) -> None:
        self._timeout = check_timeout(seconds)

    def touch(self) -> None:
        """Record activity now."""
        self._last = self._clock.now()

    def remaining(self) -> float | None:
        """Seconds left before auto-lock (0 when due), or None when auto-lock is off."""
        if self._timeout is None:
            return None
        elapsed = self._clock.now() - self._last
        if elapsed < -BACKWARD_TOLERANCE:
            return 0.0  # the clock was set back: we cannot tell how long it really was, so lock
        return max(0.0, self._timeout - max(0.0, elapsed))

    def expired(self) -> bool:
        """True when the idle time has run out."""
        left = self.remaining()
        return left is not None and left <= 0.0
