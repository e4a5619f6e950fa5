"""The Vault service: API keys encrypted under a master password, over the Cipher/Store/Clock ports.

Pure logic: the browser wires WebCrypto + IndexedDB, tests wire `cryptography` + a dict. State held
here (derived key, session-only keys) lives in memory only and is dropped by lock().
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from switchboard.vault import layout
from switchboard.vault.aad import key_record_aad, verifier_aad
from switchboard.vault.backoff import Backoff
from switchboard.vault.entries import (
    Credential,
    EntryRef,
    KeyInfo,
    check_new_base_url,
    decode_credential,
    encode_credential,
    make_credential,
)
from switchboard.vault.envelope import DEFAULT_ITERATIONS, MAX_ITERATIONS, MIN_ITERATIONS, Envelope
from switchboard.vault.errors import (
    AuthenticationFailed,
    EnvelopeError,
    ImportWouldReplace,
    InvalidEntry,
    NoVault,
    StaleImport,
    UnknownEntry,
    VaultChanged,
    VaultCorrupt,
    VaultExists,
    VaultLocked,
    WrongPassword,
)
from switchboard.vault.idle import DEFAULT_IDLE_SECONDS, IdleTimer
from switchboard.vault.importing import ImportPlan, plan_import
from switchboard.vault.keysfile import read_keys_file, write_keys_file
from switchboard.vault.layout import META_KEY, VERIFIER_PLAINTEXT, Meta
from switchboard.vault.masking import mask
from switchboard.vault.policy import check_new_password
from switchboard.vault.ports import Cipher, Clock, KeyHandle, Store
from switchboard.vault.sealing import derive, new_salt, open_with_key, random_bytes, seal

LOCKED = "the vault is locked"
# Commits retry when another tab wrote in between; more than a handful means something is looping.
MAX_COMMIT_ATTEMPTS = 8

Records = dict[str, str]


@dataclass(frozen=True, slots=True)
class _Unlocked:
    """What an unlocked tab holds: the derived key and the meta record it was checked against."""

    key: KeyHandle
    meta: Meta
    meta_text: str


class Vault:
    """Master-password vault of API keys; one instance per tab, safe with several tabs open."""

    def __init__(
        self,
        cipher: Cipher,
        store: Store,
        clock: Clock,
        *,
        iterations: int = DEFAULT_ITERATIONS,
        idle_timeout: float | None = DEFAULT_IDLE_SECONDS,
    ) -> None:
        if type(iterations) is not int or not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
            raise ValueError(f"iterations must be between {MIN_ITERATIONS} and {MAX_ITERATIONS}")
        self._cipher = cipher
        self._store = store
        self._iterations = iterations
        self._idle = IdleTimer(clock, idle_timeout)
        self._backoff = Backoff(clock)  # wrong master passwords in a row, in this tab's memory only
        self._unlocked: _Unlocked | None = None
        self._session_keys: dict[EntryRef, Credential] = {}
        # A keys file read by read_import and awaiting the user's word; decrypted, so lock() drops it.
        self._pending_import: tuple[ImportPlan, list[Credential]] | None = None
        # Bumped by lock(): an unlock or password change that started before a lock must not undo it.
        self._epoch = 0
        self._lock_reason = LOCKED
        self._listeners: list[Callable[[], None]] = []

    # --- state ------------------------------------------------------------------------------------

    @property
    def is_unlocked(self) -> bool:
        """True while this tab holds the key and the idle time has not run out."""
        return self._unlocked is not None and not self._idle.expired()

    @property
    def locks(self) -> int:
        """How many times this vault has locked, whatever the cause: a view compares it to redraw."""
        return self._epoch

    @property
    def holds_keys(self) -> bool:
        """True while this tab holds any usable key: the vault unlocked, or a session-only key."""
        return (self._unlocked is not None or bool(self._session_keys)) and not self._idle.expired()

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call listener (synchronously) after anything that may change is_unlocked or holds_keys.

        Returns the function that unsubscribes it. Views use this to show "Lock" whenever a key is held.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    @property
    def lock_reason(self) -> str:
        """Why the vault is locked, in words (e.g. it locked itself after the idle time)."""
        return self._lock_reason

    @property
    def generation(self) -> str | None:
        """The stored generation this tab unlocked (changes on every password change), or None."""
        return self._unlocked.meta.generation if self._unlocked else None

    @property
    def needs_upgrade(self) -> bool:
        """True if the unlocked vault uses fewer PBKDF2 iterations than this build writes."""
        return self._unlocked is not None and self._unlocked.meta.verifier.iterations < self._iterations

    async def exists(self) -> bool:
        """Whether a vault is stored in this browser."""
        return await self._store.get(META_KEY) is not None

    async def stored_generation(self) -> str | None:
        """The generation currently stored (None if there is no vault); compare with .generation."""
        text = await self._store.get(META_KEY)
        return None if text is None else Meta.from_json(text).generation

    async def refresh(self) -> bool:
        """Re-check the stored vault (call on a BroadcastChannel message or tab focus); lock if it changed."""
        if self.check_idle() or self._unlocked is None:
            return False
        try:
            await self._current()
        except VaultLocked:
            return False
        return True

    # --- idle auto-lock ---------------------------------------------------------------------------

    @property
    def idle_timeout(self) -> float | None:
        """Seconds of inactivity before auto-lock; None disables it."""
        return self._idle.timeout

    @idle_timeout.setter
    def idle_timeout(self, seconds: float | None) -> None:
        self.check_idle()  # a deadline already past locks first: a new setting must not reopen the vault
        self._idle.timeout = seconds
        self._idle.touch()

    def adopt_idle_timeout(self, seconds: float | None) -> None:
        """Take a timeout chosen elsewhere (another tab): unlike the setter, it is no activity here, so the
        idle time so far counts (a shorter time already past locks at the next check)."""
        self._idle.timeout = seconds

    def touch(self) -> None:
        """Record user activity (the UI calls this on input), postponing auto-lock."""
        if not self.check_idle():
            self._idle.touch()

    def check_idle(self) -> bool:
        """Lock if the idle time ran out; return True if this call locked. Poll it from a timer."""
        if (self._unlocked is not None or self._session_keys) and self._idle.expired():
            self.lock()
            minutes = (self._idle.timeout or 0) / 60
            self._lock_reason = f"the vault locked itself after {minutes:g} minutes idle; unlock again"
            return True
        return False

    def seconds_until_lock(self) -> float | None:
        """Seconds until auto-lock, for scheduling the next check; None if nothing to lock or disabled."""
        if self._unlocked is None and not self._session_keys:
            return None
        return self._idle.remaining()

    # --- lifecycle --------------------------------------------------------------------------------

    async def create(self, password: str) -> None:
        """Create a vault protected by password and leave it unlocked."""
        check_new_password(password, "master password")
        self.check_idle()
        if await self._store.get(META_KEY) is not None:
            raise VaultExists("a vault already exists in this browser")
        epoch = self._epoch
        salt = await new_salt(self._cipher)
        key = await derive(self._cipher, password, salt, self._iterations)
        meta = await self._new_meta(key, salt, self._iterations, revision=0)
        text = meta.to_json()
        # Records without a meta record are leftovers of an interrupted forget(); clear them too.
        leftovers = [name for name in await self._store.items() if name != META_KEY]
        if not await self._store.commit({META_KEY: text}, leftovers, expect={META_KEY: None}):
            raise VaultExists("a vault was just created in another tab")
        if epoch == self._epoch:
            self._unlocked = _Unlocked(key, meta, text)
            self._idle.touch()
            self._notify()

    async def unlock(self, password: str) -> None:
        """Unlock with the master password; WrongPassword (or TooManyAttempts) changes nothing."""
        self.check_idle()  # session-only keys past the idle deadline go first, not come back unlocked
        epoch = self._epoch
        text = await self._store.get(META_KEY)
        if text is None:
            raise NoVault("there is no vault in this browser yet")
        meta = Meta.from_json(text)
        key = await self._open_verifier(password, meta)
        if epoch != self._epoch:
            raise VaultLocked("the vault was locked while unlocking; unlock again")
        self._unlocked = state = _Unlocked(key, meta, text)
        self._idle.touch()
        self._notify()
        # Housekeeping below is best-effort: unlocking already succeeded, and every commit is atomic,
        # so a failure here leaves the vault exactly as it was (it is simply retried next time).
        try:
            await self._collect_garbage(state)
            if meta.verifier.iterations < self._iterations:
                await self._rekey(state, password, epoch)
        except VaultChanged:
            if self._unlocked is None:  # another tab changed the vault meanwhile, and this one locked
                raise VaultChanged("the vault changed in another tab while unlocking; unlock again") from None
        except Exception:  # best-effort, see above
            pass

    def lock(self) -> None:
        """Forget the derived key and all session-only keys (sync, so it can run from any event)."""
        self._unlocked = None
        self._session_keys.clear()
        self._pending_import = None
        self._epoch += 1
        self._lock_reason = LOCKED
        self._notify()

    async def change_password(self, old_password: str, new_password: str) -> None:
        """Re-encrypt everything under new_password; an interruption leaves the old password working."""
        check_new_password(new_password, "new master password")
        epoch = self._epoch  # a lock from here on must not be undone by the change
        text = await self._store.get(META_KEY)
        if text is None:
            raise NoVault("there is no vault in this browser yet")
        meta = Meta.from_json(text)
        key = await self._open_verifier(old_password, meta)
        await self._rekey(_Unlocked(key, meta, text), new_password, epoch)

    async def forget(self) -> list[EntryRef]:
        """Delete the whole vault from this browser (the UI confirms first). Cannot be undone. Returns the
        entries it held, stored (read from the records' names, so locked too) or for this session only:
        settings kept for them can go."""
        forgotten = set(self._session_keys)  # a lock drops them, and their endpoints' settings go too
        self.lock()
        # Another tab may add a record between our read and our delete; go round until nothing is left.
        for _ in range(MAX_COMMIT_ATTEMPTS):
            names = list(await self._store.items())
            if not names:
                break
            forgotten.update(ref for name in names if (ref := layout.ref_of_any_record(name)) is not None)
            await self._store.commit({}, names)
        return sorted(forgotten, key=str)

    # --- keys -------------------------------------------------------------------------------------

    async def set_key(
        self, ref: EntryRef, key: str, *, base_url: str | None = None, session: bool = False
    ) -> KeyInfo:
        """Store (or replace) the key for an entry; session=True keeps it in memory only."""
        cred = make_credential(ref, key, base_url)
        if base_url is not None:
            check_new_base_url(base_url)
        self.check_idle()
        if session:
            self._session_keys[ref] = cred
            self._idle.touch()
            self._notify()
            return KeyInfo(ref, mask(cred.key), cred.base_url, session=True)
        if self._unlocked is None and not await self.exists():
            raise NoVault("create a vault to store keys, or keep this key for this session only")

        async def build(state: _Unlocked) -> tuple[Records, list[str]]:
            return {layout.key_record(state.meta.generation, ref): await self._seal_record(state, cred)}, []

        await self._commit_records(build)
        # A stored key replaces a session override; keeping the override would hide the new key.
        self._session_keys.pop(ref, None)
        return KeyInfo(ref, mask(cred.key), cred.base_url)

    async def set_provider_key(self, provider_id: str, key: str, *, session: bool = False) -> KeyInfo:
        """Store the key for a built-in provider, e.g. ('openai', 'sk-...')."""
        return await self.set_key(EntryRef.provider(provider_id), key, session=session)

    async def set_endpoint_key(
        self, endpoint_id: str, base_url: str, key: str, *, session: bool = False
    ) -> KeyInfo:
        """Store the key and base URL for a custom OpenAI-compatible endpoint."""
        return await self.set_key(EntryRef.endpoint(endpoint_id), key, base_url=base_url, session=session)

    async def remove_key(self, ref: EntryRef) -> None:
        """Remove an entry's stored key and any session override; needs the vault unlocked if one exists,
        except for a session-only key while it is locked (the only kind a locked vault lists)."""
        self.check_idle()
        if self._unlocked is None and (ref in self._session_keys or not await self.exists()):
            if self._session_keys.pop(ref, None) is not None:
                self._notify()
            return

        async def build(state: _Unlocked) -> tuple[Records, list[str]]:
            return {}, [layout.key_record(state.meta.generation, ref)]

        await self._commit_records(build)
        if self._session_keys.pop(ref, None) is not None:
            self._notify()

    async def entries(self) -> list[KeyInfo]:
        """Masked listing of session keys and, while unlocked, stored ones; sorted, session key first."""
        self.check_idle()
        infos = [KeyInfo(c.ref, mask(c.key), c.base_url, session=True) for c in self._session_keys.values()]
        if self._unlocked is not None:  # locked: stored keys cannot be read, session keys still count
            for ref, cred_or_error in await self._stored_credentials():
                if isinstance(cred_or_error, Credential):
                    infos.append(KeyInfo(ref, mask(cred_or_error.key), cred_or_error.base_url))
                else:
                    infos.append(KeyInfo(ref, "", damaged=True))
        # No touch: views list entries on their own (a dialog closing, another tab's change), and
        # that must not postpone the idle lock the way the user's own actions do.
        return sorted(infos, key=lambda i: (i.ref, i.session))

    async def get_credential(self, ref: EntryRef) -> Credential:
        """The key (and base URL) to send a request with; the only way plaintext leaves the vault."""
        self.check_idle()
        if ref in self._session_keys:
            self._idle.touch()
            return self._session_keys[ref]
        if self._unlocked is None and not await self.exists():
            raise UnknownEntry(f"no key is set for {ref}")
        epoch = self._epoch
        state = await self._current()
        text = await self._store.get(layout.key_record(state.meta.generation, ref))
        if text is None:
            await self._current()  # a password change in between would explain the miss: say so
            raise UnknownEntry(f"no key is stored for {ref}")
        cred = await self._open_record(state, ref, text)
        if epoch != self._epoch:  # locked while the record was read: the key stays in the vault
            raise VaultLocked("the vault was locked while the key was read; unlock again")
        self._idle.touch()
        return cred

    async def get_key(self, ref: EntryRef) -> str:
        """Just the key string for ref (see get_credential)."""
        return (await self.get_credential(ref)).key

    # --- export / import --------------------------------------------------------------------------

    async def export_keys(self, master_password: str, passphrase: str) -> bytes:
        """All stored keys (not session-only ones) as a file encrypted under its own passphrase."""
        check_new_password(passphrase, "export passphrase")
        # Asked again: an unlocked tab left alone must not hand every key to whoever sits down at it.
        await self._open_verifier(master_password, (await self._current()).meta)
        creds: list[Credential] = []
        for ref, cred in await self._stored_credentials():
            if not isinstance(cred, Credential):
                raise VaultCorrupt(f"the stored key for {ref} is damaged; remove it before exporting")
            creds.append(cred)
        data = await write_keys_file(self._cipher, creds, passphrase, iterations=self._iterations)
        self._idle.touch()
        return data

    async def read_import(self, data: bytes, passphrase: str) -> ImportPlan:
        """Open and check a keys file; list its entries and those held already. Writes nothing.

        The decrypted keys wait inside the vault for import_keys(plan) until the next read, a
        discard_import() or a lock.
        """
        self._pending_import = None
        await self._current()  # fail fast, before the slow key derivation
        epoch = self._epoch
        creds = await read_keys_file(self._cipher, data, passphrase)
        held = await self._held_refs(await self._current())
        if epoch != self._epoch:
            raise VaultLocked("the vault was locked while the file was read")
        plan = plan_import((c.ref for c in creds), held)
        self._pending_import = (plan, creds)
        return plan

    async def import_keys(self, plan: ImportPlan, *, replace: bool = False) -> list[EntryRef]:
        """Store the keys of the file read_import returned plan for; on any error nothing changes.

        Entries held already are replaced only with replace=True, and only those the plan listed: if
        more appeared meanwhile (another tab), ImportWouldReplace carries a new plan to confirm.
        """
        pending = self._pending_import
        if pending is None or pending[0] is not plan:
            raise StaleImport("the keys file is no longer open (imported, cancelled or locked since); read it again")
        creds = pending[1]

        async def build(state: _Unlocked) -> tuple[Records, list[str]]:
            now = plan_import(plan.entries, await self._held_refs(state))
            if now.replaces and not (replace and set(now.replaces) <= set(plan.replaces)):
                asked = plan if now == plan else now  # the vault changed since: confirm the new list
                if self._pending_import is pending:  # not if a lock dropped it meanwhile
                    self._pending_import = (asked, creds)
                raise ImportWouldReplace(asked)
            gen = state.meta.generation
            return {layout.key_record(gen, c.ref): await self._seal_record(state, c) for c in creds}, []

        await self._commit_records(build)
        if self._pending_import is pending:
            self._pending_import = None
        for cred in creds:
            self._session_keys.pop(cred.ref, None)
        return list(plan.entries)

    def discard_import(self) -> None:
        """Forget a keys file read but not imported (the user cancelled)."""
        self._pending_import = None

    # --- internals --------------------------------------------------------------------------------

    async def _new_meta(self, key: KeyHandle, salt: bytes, iterations: int, revision: int) -> Meta:
        generation = (await random_bytes(self._cipher, layout.GENERATION_BYTES)).hex()
        verifier = await seal(
            self._cipher,
            key,
            salt=salt,
            iterations=iterations,
            plaintext=VERIFIER_PLAINTEXT,
            aad=verifier_aad(generation),
        )
        return Meta(generation, revision, verifier)

    async def _open_verifier(self, password: str, meta: Meta) -> KeyHandle:
        """Derive the key from password and prove it on the verifier, before touching any record.

        Every master-password check (unlock, change, export) passes here, so the backoff counts them all.
        """
        self._backoff.check()  # before the KDF: a refused attempt tries nothing
        if not isinstance(password, str) or not password:
            raise WrongPassword("enter the master password")  # not a guess; not counted
        key = await derive(self._cipher, password, meta.verifier.salt, meta.verifier.iterations)
        try:
            plain = await open_with_key(self._cipher, key, meta.verifier, verifier_aad(meta.generation))
        except AuthenticationFailed:
            self._backoff.failed()
            raise WrongPassword("wrong master password") from None
        if plain != VERIFIER_PLAINTEXT:
            raise VaultCorrupt("the vault's verifier holds an unexpected value")
        self._backoff.succeeded()
        return key

    def _require(self) -> _Unlocked:
        self.check_idle()
        if self._unlocked is None:
            raise VaultLocked(self._lock_reason)
        return self._unlocked

    async def _current(self) -> _Unlocked:
        """The unlocked state, checked against the stored meta: another tab may have changed the vault."""
        for _ in range(MAX_COMMIT_ATTEMPTS):
            epoch = self._epoch
            state = self._require()
            text = await self._store.get(META_KEY)
            if self._epoch != epoch:
                raise VaultLocked("the vault was locked")
            # Another of this tab's operations adopted a newer meta while we read: read again rather
            # than judge the store against a state that is no longer ours.
            if self._unlocked is state:
                break
        else:
            raise VaultChanged("the vault is being changed in another tab; try again")
        if text == state.meta_text:
            return state
        if text is None:
            self.lock()
            raise VaultChanged("the vault was removed in another tab")
        meta = Meta.from_json(text)
        if meta.generation != state.meta.generation or meta.verifier != state.meta.verifier:
            self.lock()
            raise VaultChanged("the vault's password was changed in another tab; unlock again")
        # Same generation, newer revision: another tab stored a key. Adopt its meta and carry on.
        self._unlocked = state = replace(state, meta=meta, meta_text=text)
        return state

    async def _commit_records(
        self, build: Callable[[_Unlocked], Awaitable[tuple[Records, list[str]]]]
    ) -> None:
        """Write records conditioned on the meta record (bumping its revision); retry if another tab wrote."""
        for _ in range(MAX_COMMIT_ATTEMPTS):
            state = await self._current()
            puts, deletes = await build(state)
            meta = state.meta.bumped()
            text = meta.to_json()
            # The meta record goes last: with puts applied in order, it is the commit point.
            if await self._store.commit(
                {**puts, META_KEY: text}, deletes, expect={META_KEY: state.meta_text}
            ):
                if self._unlocked is state:
                    self._unlocked = replace(state, meta=meta, meta_text=text)
                self._idle.touch()
                return
        raise VaultChanged("the vault is being changed in another tab; try again")

    async def _seal_record(self, state: _Unlocked, cred: Credential) -> str:
        env = await seal(
            self._cipher,
            state.key,
            salt=state.meta.verifier.salt,
            iterations=state.meta.verifier.iterations,
            plaintext=encode_credential(cred),
            aad=key_record_aad(state.meta.generation, str(cred.ref)),
        )
        return env.to_json()

    async def _open_record(self, state: _Unlocked, ref: EntryRef, text: str) -> Credential:
        """Decrypt one key record, checking it belongs to this entry and generation."""
        try:
            env = Envelope.from_json(text)
        except EnvelopeError as e:
            raise VaultCorrupt(f"the stored key for {ref} is damaged: {e}") from None
        if (env.salt, env.iterations) != (state.meta.verifier.salt, state.meta.verifier.iterations):
            raise VaultCorrupt(f"the stored key for {ref} was not written with this vault's password")
        try:
            plain = await open_with_key(
                self._cipher, state.key, env, key_record_aad(state.meta.generation, str(ref))
            )
        except AuthenticationFailed:
            raise VaultCorrupt(f"the stored key for {ref} was modified or damaged") from None
        try:
            cred = decode_credential(plain)
        except InvalidEntry as e:
            raise VaultCorrupt(f"the stored key for {ref} is invalid: {e}") from None
        if cred.ref != ref:
            raise VaultCorrupt(f"the stored key for {ref} belongs to {cred.ref}")
        return cred

    async def _held_refs(self, state: _Unlocked) -> set[EntryRef]:
        """Entries stored in state's generation or held for this session (names only; nothing decrypted)."""
        gen = state.meta.generation
        stored = (layout.ref_of_record(gen, name) for name in await self._store.items(layout.key_prefix(gen)))
        return {ref for ref in stored if ref is not None} | set(self._session_keys)

    async def _stored_credentials(self) -> list[tuple[EntryRef, Credential | VaultCorrupt]]:
        """Every stored entry of the current generation, decrypted, or the error that stopped it."""
        state = await self._current()
        records = await self._store.items(layout.key_prefix(state.meta.generation))
        state = await self._current()  # a password change between the reads would empty the list
        out: list[tuple[EntryRef, Credential | VaultCorrupt]] = []
        for name, text in records.items():
            ref = layout.ref_of_record(state.meta.generation, name)
            if ref is None:
                continue
            try:
                out.append((ref, await self._open_record(state, ref, text)))
            except VaultCorrupt as e:
                out.append((ref, e))
        return out

    async def _rekey(self, state: _Unlocked, new_password: str, epoch: int) -> None:
        """Write every record under a new key and generation, flip meta atomically, then drop the old; the
        tab ends unlocked unless it was locked since `epoch` (when the caller began)."""
        salt = await new_salt(self._cipher)
        new_key = await derive(self._cipher, new_password, salt, self._iterations)
        for _ in range(MAX_COMMIT_ATTEMPTS):
            gen = state.meta.generation
            creds = []
            for name, text in (await self._store.items(layout.key_prefix(gen))).items():
                ref = layout.ref_of_record(gen, name)
                if ref is not None:
                    # A damaged record stops the change: silently dropping a key would be worse.
                    creds.append(await self._open_record(state, ref, text))
            meta = await self._new_meta(new_key, salt, self._iterations, state.meta.bumped().revision)
            target = _Unlocked(new_key, meta, meta.to_json())
            puts = {
                layout.key_record(meta.generation, c.ref): await self._seal_record(target, c) for c in creds
            }
            puts[META_KEY] = target.meta_text  # last: the single commit point
            if await self._store.commit(puts, (), expect={META_KEY: state.meta_text}):
                break
            # Another tab wrote in between: re-read, unless it changed the password itself.
            now = await self._store.get(META_KEY)
            if now is None:
                self.lock()
                raise VaultChanged("the vault was removed in another tab")
            current = Meta.from_json(now)
            if current.generation != gen:
                self.lock()
                raise VaultChanged("the password was changed in another tab; unlock with the new one")
            state = replace(state, meta=current, meta_text=now)
        else:
            raise VaultChanged("the vault is being changed in another tab; try again")
        if epoch == self._epoch:
            self._unlocked = target
            self._idle.touch()
            self._notify()
        # The new password is in force. Removing the old generation is cleanup: if it fails, the
        # next unlock removes it (records there only open with the old password).
        with contextlib.suppress(Exception):
            await self._collect_garbage(target)

    async def _collect_garbage(self, state: _Unlocked) -> None:
        """Delete records of other generations, unless the meta record changed meanwhile."""
        keep = layout.generation_prefix(state.meta.generation)
        stale = [name for name in await self._store.items("g/") if not name.startswith(keep)]
        if stale:
            await self._store.commit({}, stale, expect={META_KEY: state.meta_text})
