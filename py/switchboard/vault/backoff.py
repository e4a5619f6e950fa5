"""Backoff for master-password guessing in the page: free for 5 wrong passwords, then growing waits.

Memory only, on the vault's Clock: nothing is written, so a failed attempt still changes nothing
stored. It slows someone typing guesses into this tab; it cannot slow an attacker who copied the
stored vault (PBKDF2's cost does that), nor survive a reload.
"""

from __future__ import annotations

import math

from switchboard.vault.errors import TooManyAttempts
from switchboard.vault.ports import Clock

FREE_FAILURES = 5
FIRST_WAIT = 30.0
MAX_WAIT = 3600.0  # a forgetful owner gets another try each hour, however many there were


def wait_after(failures: int) -> float:
    """Seconds the next attempt must wait after `failures` wrong passwords in a row (doubling, capped)."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(FIRST_WAIT * 2.0 ** min(failures - FREE_FAILURES, 32), MAX_WAIT)


class Backoff:
    """Counts wrong passwords in a row and refuses attempts until the wait after them is over."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._failures = 0
        self._last_failure = 0.0

    @property
    def failures(self) -> int:
        """Wrong passwords in a row since the last right one."""
        return self._failures

    def seconds_left(self) -> float:
        """Seconds until the next attempt is allowed (0 when it is allowed now)."""
        wait = wait_after(self._failures)
        if not wait:
            return 0.0
        now = self._clock.now()
        if now < self._last_failure:
            self._last_failure = now  # the clock was set back: count the wait from now, never longer
        return max(0.0, self._last_failure + wait - now)

    def check(self) -> None:
        """Raise TooManyAttempts (with the seconds left) if an attempt must wait; call before the KDF."""
        left = self.seconds_left()
        if left > 0:
            raise TooManyAttempts(math.ceil(left))

    def failed(self) -> None:
        """Record a wrong password."""
        self._failures += 1
        self._last_failure = self._clock.now()

    def succeeded(self) -> None:
        """Record a right password: the count starts again."""
        self._failures = 0
