"""The history store port over IndexedDB: one object store of rows, indexed (see idb.HISTORY_INDEXES).

A row is stored as `history.store.stored` lays it out: `doc` is the run's JSON text (one string is
cheap to move between Python and JS), the arrays feed multiEntry indexes, and `fav` exists only on
favorites so the favorite index holds nothing else. Reads that list runs take only the fields a page
needs, never the word arrays. Each method is one transaction whose requests are all issued from
synchronous code or request callbacks (see idb's docstring): a read-then-write is atomic.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

import js

from switchboard.history.store import SEP, HistoryStore, Index, Row, StorageFull, StoreError, stored
from switchboard.web.dom import absent
from switchboard.web.idb import (
    HISTORY_STORE,
    Database,
    GuardedStore,
    Handlers,
    IdbError,
    Mode,
    js_object,
)


def _js_row(row: Row) -> Any:
    return js_object(stored(row))


def _strings(value: Any) -> tuple[str, ...]:
    """The values of an index array, without the row key each entry carries."""
    return () if absent(value) else tuple(str(v).partition(SEP)[0] for v in value)


def _text(value: Any) -> str:
    return "" if absent(value) else str(value)


def _row(value: Any, *, full: bool) -> Row:
    """A stored object as a Row; without `full`, only what a page shows (the index arrays stay behind:
    every value crossing from JS costs, and a page needs none)."""
    return Row(
        key=str(value.k), id=_text(getattr(value, "id", None)), doc=_text(getattr(value, "doc", None)),
        slots=_strings(getattr(value, "s", None)) if full else (),
        models=_strings(getattr(value, "m", None)) if full else (),
        words=_strings(getattr(value, "w", None)) if full else (),
        title=_text(getattr(value, "t", None)),
        title_words=_strings(getattr(value, "tw", None)) if full else (),
        favorite=not absent(getattr(value, "fav", None)),
    )


def _failure(exc: IdbError) -> StoreError:
    if exc.name == "QuotaExceededError":
        return StorageFull("The browser's storage for this site is full: delete old runs or free disk space.")
    return StoreError(f"The history storage failed ({exc}).")


class IdbHistoryStore:
    """HistoryStore on the app's database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def _write(self, body: Callable[[Any], Handlers | None]) -> None:
        await self._transact("readwrite", body)

    async def _transact(self, mode: Mode, body: Callable[[Any], Handlers | None]) -> None:
        """One transaction: body(object store) issues its requests and returns the handlers it
        attached, released once the transaction is over, whatever its outcome."""
        held: list[Handlers] = []
        guarded: list[GuardedStore] = []

        def start(tx: Any) -> None:
            runs = GuardedStore(tx.objectStore(HISTORY_STORE))
            guarded.append(runs)
            handlers = body(runs)
            if handlers is not None:
                held.append(handlers)

        try:
            await self._db.transaction(HISTORY_STORE, mode, start)
        except IdbError as exc:
            thrown = guarded[0].failure if guarded else None
            raise _failure(thrown or exc) from None
        finally:
            for handlers in held:
                handlers.release()

    async def save(self, row: Row, *, create: bool = True) -> bool:
        value = _js_row(row)
        written = False

        def body(runs: Any) -> Handlers:
            read = runs.get(row.key)

            def write(_event: Any) -> None:  # still inside the transaction: read and write are one
                nonlocal written
                old = read.result
                if absent(old) and not create:
                    return
                if not absent(old):
                    for field in ("t", "tw", "fav"):
                        if absent(getattr(old, field, None)):
                            js.Reflect.deleteProperty(value, field)
                        else:
                            setattr(value, field, getattr(old, field))
                runs.put(value)
                written = True

            return Handlers(read, onsuccess=write)

        await self._write(body)
        return written

    async def mark(self, key: str, *, title: str | None = None, title_words: Sequence[str] = (),
                   favorite: bool | None = None) -> bool:
        found = False
        words = js_object([f"{word}{SEP}{key}" for word in title_words])

        def body(runs: Any) -> Handlers:
            read = runs.get(key)

            def write(_event: Any) -> None:
                nonlocal found
                value = read.result
                if absent(value):
                    return
                found = True
                if title is not None:
                    value.t, value.tw = title, words
                if favorite is True:
                    value.fav = key
                elif favorite is False:
                    js.Reflect.deleteProperty(value, "fav")
                runs.put(value)

            return Handlers(read, onsuccess=write)

        await self._write(body)
        return found

    async def _reads(self, issue: Callable[[Any], list[Any]]) -> list[Any]:
        """Results of read requests issued together in one readonly transaction, taken once it has
        completed (a request keeps its result): no handler per request, whose proxies cost more
        than the reads themselves."""
        try:
            requests = await self._db.transaction(HISTORY_STORE, "readonly",
                                                  lambda tx: issue(tx.objectStore(HISTORY_STORE)))
        except IdbError as exc:
            raise _failure(exc) from None
        return [request.result for request in requests]

    async def rows(self, keys: Sequence[str]) -> list[Row]:
        if not keys:
            return []
        found = await self._reads(lambda runs: [runs.get(key) for key in keys])
        return [_row(value, full=False) for value in found if not absent(value)]

    async def range(self, lower: str, upper: str, limit: int) -> list[Row]:
        if lower >= upper or limit <= 0:
            return []
        bounds = js.IDBKeyRange.bound(lower, upper, True, True)
        (values,) = await self._reads(lambda runs: [runs.getAll(bounds, limit)])
        return [_row(value, full=False) for value in values]

    async def keys(self, lists: Sequence[tuple[Index, str]], start: str, limit: int) -> list[list[str]]:
        def issue(runs: Any) -> list[Any]:
            requests = []
            for index, value in lists:
                lower, upper = (start, "\uffff") if index == "favorite" else (
                    f"{value}{SEP}{start}", f"{value}{SEP}\uffff")
                requests.append(runs.index(index).getAllKeys(js.IDBKeyRange.bound(lower, upper), limit))
            return requests

        return [keys.to_py() for keys in await self._reads(issue)] if lists else []

    async def values(self, index: Index, prefix: str = "", limit: int = 1000) -> list[str]:
        found: list[str] = []

        def body(runs: Any) -> Handlers:
            # A key cursor that jumps from one value's entries to the next value's: one step per
            # distinct value, never one per entry (a "nextunique" cursor would visit every entry).
            cursor = runs.index(index).openKeyCursor(js.IDBKeyRange.bound(prefix, prefix + "\uffff"))

            def step(_event: Any) -> None:
                current = cursor.result
                if absent(current):
                    return
                value = str(current.key).partition(SEP)[0]
                found.append(value)
                if len(found) < limit:
                    current.continue_(f"{value}{SEP}\uffff")

            return Handlers(cursor, onsuccess=step)

        await self._transact("readonly", body)
        return found

    async def add_new(self, rows: Sequence[Row]) -> int:
        added = 0

        def body(runs: Any) -> Handlers:
            # Every stored key ends with its run's id: one read of the keys tells which ids are new.
            read = runs.getAllKeys()

            def write(_event: Any) -> None:
                nonlocal added
                stored = {str(key).partition(":")[2] for key in read.result}
                for row in rows:
                    if row.id not in stored:
                        stored.add(row.id)
                        runs.put(_js_row(row))
                        added += 1

            return Handlers(read, onsuccess=write)

        await self._write(body)
        return added

    async def delete(self, keys: Collection[str]) -> list[Row]:
        wanted = list(keys)
        gone: list[Row] = []

        def body(runs: Any) -> Handlers | None:
            reads = [runs.get(key) for key in wanted]

            def remove(_event: Any) -> None:  # requests complete in order: every read is in by now
                for read in reads:
                    if not absent(read.result):
                        gone.append(_row(read.result, full=True))
                        runs.delete(read.result.k)

            return Handlers(reads[-1], onsuccess=remove) if reads else None

        await self._write(body)
        return gone

    async def restore(self, rows: Sequence[Row]) -> None:
        values = [_js_row(row) for row in rows]

        def body(runs: Any) -> None:
            for value in values:
                runs.put(value)

        await self._write(body)

    async def clear(self) -> int:
        counted: list[int] = []

        def body(runs: Any) -> Handlers:
            request = runs.count()
            runs.clear()
            return Handlers(request, onsuccess=lambda _e: counted.append(int(request.result)))

        await self._write(body)
        return counted[0] if counted else 0

    async def count(self) -> int:
        (count,) = await self._reads(lambda runs: [runs.count()])
        return int(count)


def history_store(db: Database) -> HistoryStore:
    """The history's store for the composition root (typed as the port, so mypy checks conformance)."""
    return IdbHistoryStore(db)
