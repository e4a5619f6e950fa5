"""The history store port, the row it holds, and an in-memory store with the same behaviour.

A row is a run's document (JSON text) beside the few fields the store indexes. Row keys sort newest
first (`row_key`), so a page is a key range read in order and a date filter is a key range too.
Title and favorite are the user's and live in the row, apart from the document: a save of a
streaming run (`save`) keeps whatever title or favorite another tab gave it meanwhile.

    HistoryStore ── IndexedDB (web/history_store.py) in the browser
                 └─ MemoryHistoryStore here: tests, benchmarks
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol, TypeAlias

Index: TypeAlias = Literal["slot", "model", "word", "title", "favorite"]
SEP = "\x1f"  # between a value and its row's key in an index entry; no indexed value holds it
# 10^13 ms is the year 2286, and 36^9 > 10^13: every key's time part has nine digits.
_LAST_MS = 10**13 - 1
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"  # in ASCII order, so fixed-width keys sort as numbers


class StoreError(Exception):
    """The store could not do it; the message is meant for a person."""


class StorageFull(StoreError):
    """The browser's quota for this site is used up (nothing already saved is lost)."""


def row_key(created: float, run_id: str) -> str:
    """A key that sorts newer runs first, then by id: milliseconds before the year 2286 in nine
    base-36 digits (every index entry holds its row's key twice, so short keys keep the store small)."""
    left = _LAST_MS - min(max(round(created * 1000), 0), _LAST_MS)
    digits = []
    for _ in range(9):
        left, digit = divmod(left, 36)
        digits.append(_BASE36[digit])
    return "".join(reversed(digits)) + ":" + run_id


def key_bound(moment: float) -> str:
    """Every run created at or after `moment` has a key below this one."""
    return row_key(moment, "\uffff")


@dataclass(frozen=True, slots=True)
class Row:
    """A stored run: its key and id, the document, and what the indexes read."""

    key: str
    id: str
    doc: str
    slots: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    title: str = ""
    title_words: tuple[str, ...] = ()
    favorite: bool = False

    def index_values(self, index: Index) -> tuple[str, ...]:
        if index == "slot":
            return self.slots
        if index == "model":
            return self.models
        if index == "word":
            return self.words
        if index == "title":
            return self.title_words
        return ("1",) if self.favorite else ()


def stored(row: Row) -> dict[str, object]:
    """The object the IndexedDB store keeps for a row (its indexes are idb.HISTORY_INDEXES).

    Each indexed value is stored as "value<SEP>key", so an index's entries for one value are in key
    order (newest first) and a page of them after any key is one key range: searches stop at a page
    instead of reading every match. `fav` holds the key itself, on favorites only.
    """
    value: dict[str, object] = {"k": row.key, "id": row.id, "doc": row.doc, "t": row.title}
    for field, values in (("s", row.slots), ("m", row.models), ("w", row.words), ("tw", row.title_words)):
        value[field] = [f"{v}{SEP}{row.key}" for v in values]
    if row.favorite:
        value["fav"] = row.key
    return value


class HistoryStore(Protocol):
    """Where rows live. Every method is atomic: it happens whole or not at all."""

    async def save(self, row: Row, *, create: bool = True) -> bool:
        """Insert or replace row's run; a stored row's title, title words and favorite are kept. With
        create=False, only replace: False, writing nothing, when the row is not stored (deleted)."""
        ...

    async def mark(self, key: str, *, title: str | None = None, title_words: Sequence[str] = (),
                   favorite: bool | None = None) -> bool:
        """Set the user's fields of a stored row; False if there is no such row."""
        ...

    async def rows(self, keys: Sequence[str]) -> list[Row]:
        """The rows under keys, in that order; missing keys are skipped."""
        ...

    async def range(self, lower: str, upper: str, limit: int) -> list[Row]:
        """Up to limit rows with lower < key < upper, in key order."""
        ...

    async def keys(self, lists: Sequence[tuple[Index, str]], start: str, limit: int) -> list[list[str]]:
        """For each (index, value): the first `limit` keys >= start of the rows holding that value,
        in key order; all read from one snapshot. ("favorite" lists favorites whatever the value.)"""
        ...

    async def values(self, index: Index, prefix: str = "", limit: int = 1000) -> list[str]:
        """Up to limit distinct values of an index that start with prefix, sorted."""
        ...

    async def add_new(self, rows: Sequence[Row]) -> int:
        """Add the rows whose id is not stored yet; all of them or, on failure, none. Returns how many."""
        ...

    async def delete(self, keys: Collection[str]) -> list[Row]:
        """Delete rows and return them as they were (to put back with `restore`)."""
        ...

    async def restore(self, rows: Sequence[Row]) -> None:
        """Put rows back exactly as they were."""
        ...

    async def clear(self) -> int:
        """Delete every row; returns how many there were."""
        ...

    async def count(self) -> int:
        ...


class MemoryHistoryStore:
    """HistoryStore in a dict, with the IndexedDB store's semantics (tests, benchmarks)."""

    def __init__(self) -> None:
        self._rows: dict[str, Row] = {}
        self._sorted: list[str] = []
        self.fail_with: StoreError | None = None  # set by a test: every write raises it

    def _write(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with

    def _put(self, row: Row) -> None:
        if row.key not in self._rows:
            bisect.insort(self._sorted, row.key)
        self._rows[row.key] = row

    def _remove(self, key: str) -> None:
        if self._rows.pop(key, None) is not None:
            self._sorted.remove(key)

    async def save(self, row: Row, *, create: bool = True) -> bool:
        self._write()
        old = self._rows.get(row.key)
        if old is None and not create:
            return False
        if old is not None:
            row = replace(row, title=old.title, title_words=old.title_words, favorite=old.favorite)
        self._put(row)
        return True

    async def mark(self, key: str, *, title: str | None = None, title_words: Sequence[str] = (),
                   favorite: bool | None = None) -> bool:
        self._write()
        old = self._rows.get(key)
        if old is None:
            return False
        if title is not None:
            old = replace(old, title=title, title_words=tuple(title_words))
        if favorite is not None:
            old = replace(old, favorite=favorite)
        self._rows[key] = old
        return True

    async def rows(self, keys: Sequence[str]) -> list[Row]:
        return [self._rows[k] for k in keys if k in self._rows]

    async def range(self, lower: str, upper: str, limit: int) -> list[Row]:
        start = bisect.bisect_right(self._sorted, lower)
        end = bisect.bisect_left(self._sorted, upper)
        return [self._rows[k] for k in self._sorted[start:min(end, start + limit)]]

    async def keys(self, lists: Sequence[tuple[Index, str]], start: str, limit: int) -> list[list[str]]:
        first = bisect.bisect_left(self._sorted, start)
        out = []
        for index, value in lists:
            found: list[str] = []
            for key in self._sorted[first:]:
                values = self._rows[key].index_values(index)
                if (values if index == "favorite" else value in values) and len(found) < limit:
                    found.append(key)
                if len(found) >= limit:
                    break
            out.append(found)
        return out

    async def values(self, index: Index, prefix: str = "", limit: int = 1000) -> list[str]:
        found = {v for row in self._rows.values() for v in row.index_values(index) if v.startswith(prefix)}
        return sorted(found)[:limit]

    async def add_new(self, rows: Sequence[Row]) -> int:
        self._write()
        stored = {row.id for row in self._rows.values()}
        fresh = [row for row in rows if row.id not in stored]
        for row in fresh:
            self._put(row)
        return len(fresh)

    async def delete(self, keys: Collection[str]) -> list[Row]:
        self._write()
        gone = [self._rows[k] for k in keys if k in self._rows]
        for row in gone:
            self._remove(row.key)
        return gone

    async def restore(self, rows: Sequence[Row]) -> None:
        self._write()
        for row in rows:
            self._put(row)

    async def clear(self) -> int:
        self._write()
        count = len(self._rows)
        self._rows.clear()
        self._sorted.clear()
        return count

    async def count(self) -> int:
        return len(self._rows)
