"""This month's spend, kept in memory from history so a budget check reads no history at send time.

One date-range read builds a Ledger of the current month (from a little before its first local day);
then each saved run is counted again as history hands it over (`History.watch`), and any other change
(a delete, an undo, an import, a clear) marks the ledger stale: the next use reads the range again.
Nothing is counted that history does not hold.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from ..history.record import CorruptRecord, RunRecord
from ..history.service import History, Query
from ..history.store import StoreError
from .calendar import Zone, before, local_day, month_start
from .ledger import Ledger

READ_BATCH = 200  # runs per read: the page stays responsive between batches while a busy month is read
MAX_READS = 3  # reads in a row that other changes overlapped before one is used as it is


class SpendTracker:
    """A Ledger of the current month over History, refreshed only when history changed under it."""

    def __init__(self, history: History, zone: Zone, now: Callable[[], float] = time.time) -> None:
        self._history = history
        self.zone = zone
        self._now = now
        self._ledger: Ledger | None = None  # None: stale, read the month again on next use
        self._changes = 0  # other changes seen: a read they overlapped is stale when it lands
        self._saved_meanwhile: dict[int, list[RunRecord]] = {}  # per read under way: the runs saved since it began
        self._read_number = 0
        self.unreadable = 0  # runs the last read skipped because they are corrupt
        self.reads = 0  # how many times the month was read (tests, diagnostics)
        self._one_at_a_time = asyncio.Lock()
        history.watch(self._heard)

    def _heard(self, saved: RunRecord | None) -> None:
        if saved is None:
            self._changes += 1
            self._ledger = None
            return
        for meanwhile in self._saved_meanwhile.values():
            meanwhile.append(saved)  # the read's snapshot may predate this save
        if self._ledger is not None:
            self._ledger.put(saved)

    def stale(self) -> None:
        """Read the month again on next use (another tab changed history)."""
        self._changes += 1
        self._ledger = None

    async def saved_elsewhere(self, key: str) -> None:
        """Another tab saved the run under `key`: count it as it is stored now, with one read rather than the
        month's (a tab streaming saves every second). One at a time, so a later state never lands first."""
        async with self._one_at_a_time:
            if self._ledger is None:
                return  # the next use reads the month anyway
            try:
                record = await self._history.at(key)
            except (StoreError, CorruptRecord):
                record = None
            if record is None:  # deleted meanwhile, or unreadable: the month's read will say
                self.stale()
            else:
                self._heard(record)

    async def ledger(self) -> Ledger:
        """The current month's ledger, read from history if it is stale or the month has turned."""
        today = local_day(self._now(), self.zone)
        ledger = self._ledger
        if ledger is not None and ledger.since == before(month_start(today)):  # a new month is read afresh
            return ledger
        since = before(month_start(today))
        ledger = Ledger(self.zone, since)
        for _attempt in range(MAX_READS):
            changes = self._changes
            self._read_number += 1
            number = self._read_number  # reads may overlap (a Send's budget check beside the start-up one)
            saved = self._saved_meanwhile[number] = []
            try:
                records, self.unreadable = await self._history.everything(Query(since=since), READ_BATCH)
            finally:
                del self._saved_meanwhile[number]
            self.reads += 1
            ledger = Ledger.of(reversed(records), self.zone, since)  # oldest first, as they were saved
            for record in saved:
                ledger.put(record)  # each save is a whole run as it stood: the later one wins
            if changes == self._changes:
                self._ledger = ledger
                return ledger
        return ledger  # history keeps changing (another tab streaming): this read, and read again next time
