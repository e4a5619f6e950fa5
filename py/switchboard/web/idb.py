"""The one owner of the IndexedDB database "switchboard": its version, migrations, and async helpers.

Features add object stores by appending a migration to MIGRATIONS (never editing one that shipped).
Every IDBRequest becomes an asyncio future through create_proxy'd handlers that are detached and
destroyed once settled. An IndexedDB transaction commits itself as soon as control returns to the
event loop with no request pending, and Pyodide resumes a coroutine from a later task, so a
transaction must never span an `await`: helpers here issue all of a transaction's requests
synchronously (or from inside its request callbacks) and only then await its completion.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Literal, TypeVar

import js
from pyodide.ffi import JsException, create_proxy, to_js

from switchboard.vault.errors import StorageFailed
from switchboard.vault.ports import Store
from switchboard.web.dom import absent

T = TypeVar("T")
Migration = Callable[[Any, Any], None]  # (IDBDatabase, the versionchange IDBTransaction) -> None
Mode = Literal["readonly", "readwrite"]

DB_NAME = "switchboard"
VAULT_STORE = "vault"


def _v1_vault(db: Any, _tx: Any) -> None:
    """v1: the vault's records, out-of-line string keys (layout in switchboard.vault.layout)."""
    db.createObjectStore(VAULT_STORE)


HISTORY_STORE = "history"
# History's indexes: name -> (key path, multiEntry). The row layout is web/history_store.py's.
HISTORY_INDEXES = {"id": ("id", False), "slot": ("s", True), "model": ("m", True), "word": ("w", True),
                   "title": ("tw", True), "favorite": ("fav", False)}  # entries: switchboard.history.store.stored


def _v2_history(db: Any, _tx: Any) -> None:
    """v2: saved runs under keys that sort newest first, with the indexes history lists and searches by."""
    runs = db.createObjectStore(HISTORY_STORE, js_object({"keyPath": "k"}))
    for name, (path, multi) in HISTORY_INDEXES.items():
        runs.createIndex(name, path, js_object({"unique": name == "id", "multiEntry": multi}))


# Index i upgrades version i to i + 1; the database version is the list's length. Append only.
MIGRATIONS: tuple[Migration, ...] = (_v1_vault, _v2_history)
VERSION = len(MIGRATIONS)


class IdbError(Exception):
    """An IndexedDB failure, with the DOMException name (QuotaExceededError, VersionError, ...)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


def idb_error(js_error: Any, fallback: str) -> IdbError:
    if absent(js_error):
        return IdbError("AbortError", fallback)
    return IdbError(str(getattr(js_error, "name", "Error")), str(getattr(js_error, "message", fallback)))


def py_value(value: Any) -> object:
    """A stored JS value as Python: strings and numbers arrive converted, objects are converted deeply."""
    if absent(value):
        return None
    to_py = getattr(value, "to_py", None)
    return to_py() if callable(to_py) else value


def js_object(value: object) -> Any:
    return to_js(value, dict_converter=js.Object.fromEntries)


class Handlers:
    """Python callbacks on a JS target's on<event> properties, detached and destroyed together."""

    def __init__(self, target: Any, **handlers: Callable[[Any], None]) -> None:
        self._target = target
        self._proxies: dict[str, Any] = {}
        for name, handler in handlers.items():
            proxy = create_proxy(handler)
            setattr(target, name, proxy)
            self._proxies[name] = proxy

    def release(self) -> None:
        for name, proxy in self._proxies.items():
            setattr(self._target, name, None)  # detach first: a late event must not call a dead proxy
            proxy.destroy()
        self._proxies.clear()


def request_future(request: Any, convert: Callable[[Any], T]) -> asyncio.Future[T]:
    """Future for one IDBRequest's result (converted inside the success event, while still valid)."""
    future: asyncio.Future[T] = asyncio.get_running_loop().create_future()

    def succeeded(_event: Any) -> None:
        if future.done():
            return
        try:
            future.set_result(convert(request.result))
        except Exception as exc:  # a conversion failure must reject the future, not leave it hanging
            future.set_exception(exc)

    def failed(_event: Any) -> None:
        if not future.done():
            future.set_exception(idb_error(request.error, "the request failed"))

    handlers = Handlers(request, onsuccess=succeeded, onerror=failed)
    future.add_done_callback(lambda _f: handlers.release())
    return future


def _finished(tx: Any) -> asyncio.Future[None]:
    """Future resolved when tx commits; rejected if it aborts (an error in any request aborts it)."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def complete(_event: Any) -> None:
        if not future.done():
            future.set_result(None)

    def abort(_event: Any) -> None:
        if not future.done():
            future.set_exception(idb_error(tx.error, "the transaction was aborted"))

    handlers = Handlers(tx, oncomplete=complete, onabort=abort)
    future.add_done_callback(lambda _f: handlers.release())
    return future


def _prefix_range(prefix: str) -> Any:
    # Every string starting with prefix sorts between prefix and prefix + U+FFFF (UTF-16 order).
    return js.IDBKeyRange.bound(prefix, prefix + "\uffff", False, False) if prefix else None


class GuardedStore:
    """An object store whose put and delete, when they throw (a quota or clone error raised at once,
    inside a request callback), abort the transaction and keep the error's own name for the caller:
    the abort alone would only say AbortError. Writes after a failure are skipped."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.failure: IdbError | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def put(self, *args: Any) -> None:
        self._guard(lambda: self._store.put(*args))

    def delete(self, key: Any) -> None:
        self._guard(lambda: self._store.delete(key))

    def _guard(self, write: Callable[[], Any]) -> None:
        if self.failure is not None:
            return
        try:
            write()
        except JsException as exc:
            self.failure = idb_error(exc, "the write failed")
            with contextlib.suppress(JsException):
                self._store.transaction.abort()


class Database:
    """An open connection to the app's database."""

    def __init__(self, db: Any, on_versionchange: Callable[[], None] | None = None) -> None:
        self._db = db
        self._closed = False
        self._on_versionchange = on_versionchange
        self._handlers = Handlers(db, onversionchange=self._version_change, onclose=self._lost)

    @property
    def version(self) -> int:
        """The schema version this connection opened."""
        return int(self._db.version)

    @property
    def closed(self) -> bool:
        """True after close(), a version change from another tab, or the browser dropping the connection."""
        return self._closed

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if not self._closed:
            self._closed = True
            self._handlers.release()
            self._db.close()

    def _version_change(self, _event: Any) -> None:
        # A newer app version in another tab wants to upgrade: step aside, or it waits for us forever.
        self.close()
        if self._on_versionchange is not None:
            self._on_versionchange()

    def _lost(self, _event: Any) -> None:
        # The browser closed the connection (storage cleared by the user, or the disk failed).
        self._closed = True
        self._handlers.release()

    def begin(self, stores: str | Sequence[str], mode: Mode) -> Any:
        if self._closed:
            raise IdbError("InvalidStateError", "the database connection is closed; reload the page")
        names = stores if isinstance(stores, str) else to_js(list(stores))
        # "strict" asks the browser to flush to disk before reporting completion: a finished
        # password change must survive a crash. Browsers that do not know the option ignore it.
        options = js_object({"durability": "strict" if mode == "readwrite" else "default"})
        try:
            return self._db.transaction(names, mode, options)
        except JsException as e:
            raise idb_error(e, "could not start a transaction") from None

    async def transaction(self, stores: str | Sequence[str], mode: Mode, body: Callable[[Any], T]) -> T:
        """Run body(tx) (synchronous: it issues requests) in one transaction; return once committed."""
        tx = self.begin(stores, mode)
        done = _finished(tx)
        try:
            result = body(tx)
        except BaseException:
            with contextlib.suppress(JsException):
                tx.abort()
            with contextlib.suppress(IdbError):
                await done
            raise
        await done
        return result

    async def get(self, store: str, key: str) -> object:
        """The value under key, or None."""
        tx = self.begin(store, "readonly")
        return await request_future(tx.objectStore(store).get(key), py_value)

    async def get_all(self, store: str, prefix: str = "") -> list[tuple[str, object]]:
        """(key, value) pairs whose key starts with prefix, in key order."""
        tx = self.begin(store, "readonly")
        objects = tx.objectStore(store)
        key_range = _prefix_range(prefix)
        # Both requests issued before either is awaited, so they read the same snapshot.
        keys = request_future(objects.getAllKeys(key_range), py_value)
        values = request_future(objects.getAll(key_range), py_value)
        key_list, value_list = await keys, await values
        if not isinstance(key_list, list) or not isinstance(value_list, list):
            raise IdbError("DataError", "getAll returned something other than arrays")
        return [(str(k), v) for k, v in zip(key_list, value_list, strict=True)]

    async def put(self, store: str, key: str, value: object) -> None:
        """Store value under key (committed when this returns)."""
        await self.commit(store, {key: value})

    async def delete(self, store: str, key: str) -> None:
        """Delete key if present (committed when this returns)."""
        await self.commit(store, {}, [key])

    async def put_many(self, store: str, records: Mapping[str, object]) -> None:
        """Put several records atomically in one transaction: all are stored or none."""
        await self.commit(store, records)

    async def commit(
        self,
        store: str,
        puts: Mapping[str, object],
        deletes: Collection[str] = (),
        expect: Mapping[str, str | None] | None = None,
    ) -> bool:
        """Atomically: if each `expect` key holds that string (None: absent), apply puts in order, then
        deletes. Returns False, writing nothing, if an expectation fails."""
        writes = [(key, js_object(value)) for key, value in puts.items()]
        removals = list(deletes)
        checks = list((expect or {}).items())
        applied = False
        handlers: Handlers | None = None
        guarded: list[GuardedStore] = []

        def body(tx: Any) -> None:
            nonlocal handlers
            objects = GuardedStore(tx.objectStore(store))  # a full disk, thrown at once: said by its name
            guarded.append(objects)

            def write() -> None:
                nonlocal applied
                for key, value in writes:
                    objects.put(value, key)
                for key in removals:
                    objects.delete(key)
                applied = objects.failure is None

            if not checks:
                write()
                return
            reads = [(objects.get(key), wanted) for key, wanted in checks]

            def compare(_event: Any) -> None:
                # Requests of one transaction complete in order, so every read has its result when the
                # last one succeeds; inside this event handler the transaction is still active, so the
                # writes join it and the compare-and-write is atomic. (An exception here aborts it.)
                if all(_matches(request.result, wanted) for request, wanted in reads):
                    write()

            handlers = Handlers(reads[-1][0], onsuccess=compare)

        try:
            await self.transaction(store, "readwrite", body)
        except IdbError:
            thrown = guarded[0].failure if guarded else None
            if thrown is not None:
                raise thrown from None
            raise
        finally:
            if handlers is not None:
                handlers.release()
        return applied


def _matches(value: Any, wanted: str | None) -> bool:
    if wanted is None:
        return absent(value)
    return isinstance(value, str) and value == wanted


async def open_database(
    name: str = DB_NAME,
    migrations: Sequence[Migration] = MIGRATIONS,
    *,
    on_blocked: Callable[[], None] | None = None,
    on_versionchange: Callable[[], None] | None = None,
) -> Database:
    """Open (creating or upgrading) the database.

    on_blocked: another tab holds an older version open; the upgrade waits until it closes (tell the
    user to close other Switchboard tabs). on_versionchange: this connection was closed because
    another tab upgraded (reload). Raises IdbError("VersionError") if a newer Switchboard already
    upgraded the database past these migrations.
    """
    factory: Any = getattr(js, "indexedDB", None)
    if absent(factory):
        raise IdbError("NotSupportedError", "IndexedDB is not available in this browser window")
    version = len(migrations)
    try:
        request = factory.open(name, version)
    except JsException as e:
        raise idb_error(e, "could not open the database") from None

    def upgrade(event: Any) -> None:
        # Runs inside the versionchange transaction: an exception here aborts the whole upgrade.
        db, tx = request.result, request.transaction
        for migrate in migrations[int(event.oldVersion) : version]:
            migrate(db, tx)

    def blocked(_event: Any) -> None:
        if on_blocked is not None:
            on_blocked()

    extra = Handlers(request, onupgradeneeded=upgrade, onblocked=blocked)
    try:
        db = await request_future(request, lambda result: result)  # keep the IDBDatabase proxy itself
    finally:
        extra.release()
    return Database(db, on_versionchange)


async def request_persistence() -> bool:
    """Ask the browser not to evict this origin's storage under pressure (a lost vault is lost keys).

    Returns whether storage is persistent. Chromium grants it silently for engaged or installed
    sites and denies it otherwise; Firefox prompts and settles only once the user answers (under
    automation, never), so callers must not hold the UI on it; WebKitGTK has no `navigator.storage`.
    """
    storage: Any = getattr(js.navigator, "storage", None)
    if absent(storage) or absent(getattr(storage, "persist", None)):
        return False
    try:
        if await storage.persisted():
            return True
        return bool(await storage.persist())
    except JsException:
        return False


class IdbStore:
    """The vault's Store port over one object store of string records."""

    def __init__(self, db: Database, store: str = VAULT_STORE) -> None:
        self._db = db
        self._store = store

    async def get(self, key: str) -> str | None:
        """The record's text, or None."""
        try:
            value = await self._db.get(self._store, key)
        except IdbError as exc:
            raise _failed(exc) from exc
        return None if value is None else _text(key, value)

    async def items(self, prefix: str = "") -> dict[str, str]:
        """Records whose key starts with prefix, in key order."""
        try:
            found = await self._db.get_all(self._store, prefix)
        except IdbError as exc:
            raise _failed(exc) from exc
        return {key: _text(key, value) for key, value in found}

    async def commit(
        self,
        puts: Mapping[str, str],
        deletes: Collection[str] = (),
        expect: Mapping[str, str | None] | None = None,
    ) -> bool:
        """Atomic compare-and-write in one readwrite transaction (see Database.commit)."""
        try:
            return await self._db.commit(self._store, puts, deletes, expect)
        except IdbError as exc:
            raise _failed(exc) from exc


def _text(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise StorageFailed(f"The key vault's storage holds a record that is not text ({key!r}).")
    return value


def _failed(exc: IdbError) -> StorageFailed:
    """The vault's words for a storage failure (its views show VaultErrors as they are)."""
    if exc.name == "QuotaExceededError":
        return StorageFailed("The browser's storage for this site is full: free disk space (or delete old "
                             "runs from History) and try again. Nothing was changed.")
    if exc.name == "InvalidStateError":  # the browser closed the database: site data cleared, say
        return StorageFailed("The browser closed this page's storage (was this site's data cleared?): "
                             "reload the page.")
    return StorageFailed(f"The browser's storage failed ({exc}). Nothing was changed.")


def vault_store(db: Database) -> Store:
    """The vault's Store for the composition root (typed as the port, so mypy checks conformance)."""
    return IdbStore(db, VAULT_STORE)
