"""History: saves runs as they stream, lists and searches them, and changes them at the user's word.

Saving is throttled per run: the first change saves at once (a run exists in history from its first
request), then at most every SAVE_EVERY seconds while answers stream, and at once when one ends. A
save that fails (a full disk) is reported to subscribers and retried with the next change; what
was saved before stays. Listing never reads every run: an unfiltered page is one key range, and a
filtered one walks the index lists of its filters and words together, newest first, a batch at a
time, until it has a page; only the page's rows are read.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..run import Answer, Run
from ..tasks import eager_task
from . import search
from .record import CorruptRecord, RunRecord, from_doc, from_run, to_doc
from .store import HistoryStore, Index, Row, StoreError, key_bound, row_key

SAVE_EVERY = 1.0  # seconds between saves of a streaming run
PAGE_SIZE = 25
SCAN_BATCH = 64  # index entries read per list in a search's first step (at least 4 pages' worth)
MAX_SCAN_BATCH = 1024  # ... doubling each further step up to this
MAX_EXPANSIONS = 64  # words a query's prefix may stand for
MAX_TITLE = 200
MAX_IMPORT_BYTES = 25 * 1024 * 1024  # the largest export file an import reads
EXPORT_AGAIN = ("Export again (Switchboard writes a large history as several files within the import's limits) "
                "and import each file.")
_FIRST_KEY = ""
_AFTER_LAST = "\uffff"



@dataclass(frozen=True, slots=True)
class Query:
    """What the history view asks for; every part narrows the result."""

    text: str = ""
    slot: str | None = None
    model: str | None = None
    favorites: bool = False
    since: float | None = None  # Unix seconds, inclusive
    until: float | None = None  # Unix seconds, exclusive

    @property
    def filtered(self) -> bool:
        """True when an index decides the result (words, provider, model, favorites), not keys alone."""
        return bool(search.query_words(self.text) or self.slot or self.model or self.favorites)

    @property
    def narrowed(self) -> bool:
        """True when anything, dates included, leaves some runs out."""
        return self.filtered or self.since is not None or self.until is not None


@dataclass(frozen=True, slots=True)
class Page:
    """Runs newest first; `after` continues the listing (None: nothing more matches)."""

    records: list[RunRecord]
    after: str | None
    unreadable: int = 0  # rows skipped because their document is corrupt
    note: str = ""  # what the search could not do in full, in words


def to_row(record: RunRecord) -> Row:
    """The stored row for a record: its document and what the indexes read."""
    texts = [record.prompt, record.params.system or ""]
    for answer in record.answers:
        texts += [answer.text, answer.reasoning]
    return Row(
        key=row_key(record.created, record.id),
        id=record.id,
        doc=json.dumps(to_doc(record), ensure_ascii=False, separators=(",", ":")),
        slots=tuple(dict.fromkeys(a.slot for a in record.answers)),
        models=tuple(dict.fromkeys(a.model for a in record.answers)),
        words=tuple(search.words(texts)),
        title=record.title,
        title_words=tuple(search.words([record.title])),
        favorite=record.favorite,
    )


def from_row(row: Row) -> RunRecord:
    """The record in a row (raises CorruptRecord); the row's own title and favorite win."""
    try:
        doc = json.loads(row.doc)
    except (ValueError, RecursionError):
        raise CorruptRecord(f"run {row.id!r}: its stored document is not JSON") from None
    return replace(from_doc(doc), title=row.title, favorite=row.favorite)


Listener = Callable[[], None]
Watcher = Callable[[RunRecord | None], None]  # the run just saved, or None: runs were deleted, restored or added


class History:
    """The user's saved runs over a HistoryStore; views subscribe to hear of changes and failures."""

    def __init__(self, store: HistoryStore, warn: Callable[[str], None] = lambda _message: None, *,
                 save_every: float = SAVE_EVERY) -> None:
        self._store = store
        self._warn = warn  # where skipped corrupt runs are reported (the console in the browser)
        self._save_every = save_every
        self._listeners: list[Listener] = []
        self._watchers: list[Watcher] = []
        self.problem: str | None = None  # the last save's failure in words; None once a save works
        self.enabled = True  # False: keep no history (runs are not saved; saved ones stay until cleared)
        self._recorders: weakref.WeakSet[_Recorder] = weakref.WeakSet()  # alive as long as their runs

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """listener() after history changed or a save failed; returns the unsubscriber."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def watch(self, watcher: Watcher) -> Callable[[], None]:
        """watcher(record) after record was saved, watcher(None) after runs were deleted, put back or
        added (a rename or favorite changes no run's content); returns the unsubscriber. What keeps a
        figure derived from history (spend) follows saves without reading them back."""
        self._watchers.append(watcher)
        return lambda: self._watchers.remove(watcher)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def _runs_changed(self, saved: RunRecord | None) -> None:
        """Tell watchers what happened to the runs themselves, then every listener."""
        for watcher in list(self._watchers):
            watcher(saved)
        self._changed()

    # --- recording --------------------------------------------------------------------------------

    def record(self, run: Run, saved: RunRecord | None = None) -> _Recorder | None:
        """Save run now and as it changes, until it ends (a run reopened from `saved` keeps what that
        record held beyond the run, see `from_run`); None when history is off."""
        if not self.enabled:
            return None
        recorder = _Recorder(self, run, saved)
        self._recorders.add(recorder)
        return recorder

    def answering(self, run_id: str) -> bool:
        """Whether the run is streaming in this page now (its saved record says incomplete meanwhile)."""
        return any(recorder.answering(run_id) for recorder in list(self._recorders))

    async def _save(self, record: RunRecord, *, create: bool) -> bool | None:
        """Save record: True when written, False when create=False and it was deleted, None on failure."""
        try:
            written = await self._store.save(to_row(record), create=create)
        except StoreError as exc:
            self.problem = f"{exc} This run is not saved; runs saved before are kept."
            self._changed()
            return None
        self.problem = None
        if written:
            self._runs_changed(record)
        return written

    # --- reading ----------------------------------------------------------------------------------

    async def page(self, query: Query = Query(), after: str | None = None, limit: int = PAGE_SIZE) -> Page:
        """Up to limit runs matching query, newest first, after the cursor of a previous page."""
        newest = _FIRST_KEY if query.until is None else key_bound(query.until)
        oldest = _AFTER_LAST if query.since is None else key_bound(query.since)
        start = max(after or _FIRST_KEY, newest)
        if not query.filtered:
            return self._page(await self._store.range(start, oldest, limit + 1), limit)
        terms, note = await self._terms(query)
        keys = [] if terms is None else await self._intersect(terms, start + "\x00", oldest, limit + 1)
        return self._page(await self._store.rows(keys), limit, note)

    async def _terms(self, query: Query) -> tuple[list[list[tuple[Index, str]]] | None, str]:
        """The query as an AND of ORs of index lists (None: something asked for is in no run), and a
        note when a prefix begins too many words to search them all."""
        terms: list[list[tuple[Index, str]]] = []
        if query.favorites:
            terms.append([("favorite", "")])
        if query.slot:
            terms.append([("slot", query.slot)])
        if query.model:
            terms.append([("model", query.model)])
        notes = []
        asked = search.query_words(query.text)
        # Every word's expansions at once: the lookups overlap instead of queueing.
        found = await asyncio.gather(*(self._store.values(index, word, MAX_EXPANSIONS + 1)
                                       for word in asked for index in ("word", "title")))
        for word, words, titles in zip(asked, found[::2], found[1::2], strict=True):
            if len(words) > MAX_EXPANSIONS or len(titles) > MAX_EXPANSIONS:
                notes.append(f"“{word}” begins more than {MAX_EXPANSIONS} different words: only the first "
                             f"{MAX_EXPANSIONS} are searched; type more of it.")
            term: list[tuple[Index, str]] = [("word", w) for w in words[:MAX_EXPANSIONS]]
            term += [("title", w) for w in titles[:MAX_EXPANSIONS]]
            if not term:
                return None, ""
            terms.append(term)
        return terms, " ".join(notes)

    async def _intersect(self, terms: list[list[tuple[Index, str]]], start: str, stop: str,
                         wanted: int) -> list[str]:
        """The first `wanted` keys in [start, stop) that every term holds (a term holds a key when any of
        its lists does). Reads each list a batch at a time from a common start and jumps the start
        past stretches some term lacks, so a page costs a few batches however many runs match."""
        found: list[str] = []
        flat = [pair for term in terms for pair in term]
        # A lone term's first page is within each of its lists' first `wanted` keys; several terms
        # intersect, so each reads further ahead, and twice as far each step a page is not full.
        batch = wanted if len(terms) == 1 else max(SCAN_BATCH, 4 * wanted)
        while len(found) < wanted and start < stop:
            batches = await self._store.keys(flat, start, batch)
            lists = iter(batches)
            known_to: list[str] = []  # per term: every key of it up to this one is in hand
            held: list[list[str]] = []  # per term: its keys in hand, sorted
            for term in terms:
                mine = [next(lists) for _ in term]
                full = [keys[-1] for keys in mine if len(keys) == batch]
                known_to.append(min(full, default=_AFTER_LAST))
                held.append(sorted({key for batch in mine for key in batch}))
            horizon = min(known_to)
            common = set.intersection(*({k for k in keys if k <= horizon} for keys in held))
            found += sorted(k for k in common if k < stop)
            if horizon >= stop:
                break
            # No match lies before the point every term can still reach: a term's next key after the
            # horizon among those it has shown in full (up to known_to), or else just past them.
            start = max(_next_key(keys, horizon, reach) for keys, reach in zip(held, known_to, strict=True))
            batch = min(2 * batch, MAX_SCAN_BATCH)
        return found[:wanted]

    def _page(self, rows: list[Row], limit: int, note: str = "") -> Page:
        records, unreadable = [], 0
        for row in rows[:limit]:
            try:
                records.append(from_row(row))
            except CorruptRecord as exc:
                self._warn(f"History skipped a saved run it cannot read: {exc}")
                unreadable += 1
        after = rows[limit - 1].key if len(rows) > limit else None
        return Page(records, after, unreadable, note)

    async def get(self, record: RunRecord) -> RunRecord | None:
        """The stored version of a record (None if it was deleted)."""
        return await self.at(row_key(record.created, record.id))

    async def at(self, key: str) -> RunRecord | None:
        """The run stored under a row key (another tab names its saves so); None if there is none."""
        rows = await self._store.rows([key])
        return from_row(rows[0]) if rows else None

    async def latest(self, record: RunRecord) -> RunRecord:
        """The stored version of a record once this tab's saves in flight have landed (else the record).

        A list read while a run's last answer ended can hold the save before it, with that answer still
        streaming: opening it then would show the answer stopped."""
        for recorder in list(self._recorders):
            await recorder.settled()
        return await self.get(record) or record

    async def everything(self, query: Query = Query(), batch: int = 500) -> tuple[list[RunRecord], int]:
        """Every run matching query (for an export), newest first, and how many were unreadable."""
        out: list[RunRecord] = []
        unreadable = 0
        after: str | None = None
        while True:
            page = await self.page(query, after, batch)
            out += page.records
            unreadable += page.unreadable
            if page.after is None:
                return out, unreadable
            after = page.after

    async def count(self) -> int:
        return await self._store.count()

    async def choices(self) -> tuple[list[str], list[str]]:
        """The providers (slots) and models that saved runs used: what the filters offer."""
        slots, models = await asyncio.gather(self._store.values("slot"), self._store.values("model"))
        return slots, models

    # --- the user's changes -----------------------------------------------------------------------

    async def rename(self, record: RunRecord, title: str) -> bool:
        title = " ".join(title.split())[:MAX_TITLE]
        done = await self._store.mark(row_key(record.created, record.id), title=title,
                                      title_words=search.words([title]))
        self._changed()
        return done

    async def favorite(self, record: RunRecord, favorite: bool) -> bool:
        done = await self._store.mark(row_key(record.created, record.id), favorite=favorite)
        self._changed()
        return done

    async def delete(self, records: Sequence[RunRecord]) -> list[Row]:
        """Delete runs; returns what undo() needs to put them back."""
        gone = await self._store.delete([row_key(r.created, r.id) for r in records])
        self._runs_changed(None)
        return gone

    async def undo(self, deleted: Sequence[Row]) -> None:
        await self._store.restore(deleted)
        self._runs_changed(None)

    async def clear(self) -> int:
        count = await self._store.clear()
        self._runs_changed(None)
        return count

    async def add(self, records: Sequence[RunRecord]) -> int:
        """Add imported runs whose id is new, all or none; returns how many were added."""
        added = await self._store.add_new([to_row(r) for r in records])
        self._runs_changed(None)
        return added

    async def import_file(self, data: bytes) -> tuple[int, int]:
        """Add the runs of an export file: (added, already here). Raises schema.ImportRefused or
        StoreError, and then nothing was added. Imports pydantic (in the browser, load it first)."""
        from .schema import parse_export

        records = parse_export(data)
        added = await self.add(records)
        return added, len(records) - added

    @staticmethod
    def export_files(records: Sequence[RunRecord], now: float, limit: int = MAX_IMPORT_BYTES) -> list[bytes]:
        """The export of records, in as many files of at most `limit` bytes as it takes: an import reads
        no larger file, so a backup stays one that can be restored (imports pydantic, as import_file does)."""
        from .schema import dump_exports

        return dump_exports(records, now, limit)


def _next_key(keys: list[str], horizon: str, reach: str) -> str:
    """The first of a term's keys after horizon that is surely its next (all of the term's keys up
    to `reach` are in `keys`); with none known, the first key that could be."""
    if reach == _AFTER_LAST:
        return next((k for k in keys if k > horizon), _AFTER_LAST)  # the term has shown all it has
    return next((k for k in keys if horizon < k <= reach), reach + "\x00")


class _Recorder:
    """Saves one run while it streams (see the module docstring)."""

    def __init__(self, history: History, run: Run, saved: RunRecord | None) -> None:
        self._history = history
        self._run = run
        self._saved = saved
        self._stored = saved is not None  # once stored, a save only replaces: a run deleted stays deleted
        self._gone = False
        self._due: asyncio.TimerHandle | None = None
        self._saving: asyncio.Task[None] | None = None
        self._again = False
        self._unsubscribe = run.subscribe(self._changed)  # for the run's life: a retry after the end is saved too
        self.saves = 0
        if saved is None:  # a run reopened from history is saved once it changes, not again as it is
            self._save_now()

    def _changed(self, _index: int, answer: Answer) -> None:
        if not answer.running:
            self._save_now()
        elif self._due is None:
            self._due = asyncio.get_event_loop().call_later(self._history._save_every, self._save_now)

    def _save_now(self) -> None:
        if self._due is not None:
            self._due.cancel()
            self._due = None
        if not self._history.enabled or self._gone:  # turned off (here or in another tab), or deleted
            return
        if self._saving is not None and not self._saving.done():
            self._again = True  # one save at a time per run, so an older state never lands last
            return
        self._saving = eager_task(self._save())

    async def _save(self) -> None:
        while True:
            self._again = False
            self.saves += 1
            written = await self._history._save(from_run(self._run, self._saved), create=not self._stored)
            if written is False:  # deleted meanwhile (Delete, Clear history, in this tab or another)
                self._gone = True
                self._unsubscribe()
                return
            self._stored = self._stored or bool(written)
            if not self._again:
                return

    def answering(self, run_id: str) -> bool:
        return self._run.id == run_id and self._run.running and not self._gone

    async def settled(self) -> None:
        """Wait until the last save has landed (tests, and the page before it unloads)."""
        while self._saving is not None and not self._saving.done():
            await self._saving
