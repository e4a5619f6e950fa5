"""The user's time zone as the browser knows it: Pyodide's own clock is UTC-only, so each instant's offset
comes from JS `Date`, which knows the zone's daylight saving rules."""

from __future__ import annotations

import functools
from datetime import timedelta

import js

_SLOT = 900  # seconds: zones change offset on quarter hours at the finest, so one answer per slot is exact


def offset(seconds: float) -> timedelta:
    """The UTC offset in force in the browser's zone at an instant (Unix seconds): a spend.Zone."""
    return _slot_offset(int(seconds // _SLOT))


@functools.lru_cache(maxsize=4096)
def _slot_offset(slot: int) -> timedelta:
    # getTimezoneOffset is minutes *behind* UTC: -60 in Berlin in winter.
    return timedelta(minutes=-int(js.Date.new(slot * _SLOT * 1000).getTimezoneOffset()))
