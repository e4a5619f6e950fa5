"""Days and months as the user lives them: a local calendar from a UTC offset known per instant.

Pyodide's own clock knows only UTC, so the zone is a function handed in (the browser asks JS `Date` for
each instant's offset; tests pass a fixed IANA zone): daylight saving moves the offset, never the day a
moment belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TypeAlias

Zone: TypeAlias = Callable[[float], timedelta]  # the UTC offset in force at an instant (Unix seconds)

_EPOCH = datetime(1970, 1, 1)
_WIDEST_OFFSET = timedelta(hours=26)  # more than any zone's distance from UTC (+14 h, -12 h) with DST on top


def zone_of(tz: tzinfo) -> Zone:
    """The Zone of a tzinfo, e.g. zoneinfo.ZoneInfo("Europe/Berlin")."""

    def offset(seconds: float) -> timedelta:
        return datetime.fromtimestamp(seconds, tz).utcoffset() or timedelta(0)

    return offset


def local_day(seconds: float, zone: Zone) -> date:
    """The calendar day an instant falls on in the user's zone."""
    return (_EPOCH + timedelta(seconds=seconds) + zone(seconds)).date()


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after day's."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def before(day: date) -> float:
    """Unix seconds surely before day begins anywhere: a history read from here holds all of day."""
    return (datetime(day.year, day.month, day.day, tzinfo=UTC) - _WIDEST_OFFSET).timestamp()
